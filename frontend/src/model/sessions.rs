//! The signed-in devices list: which order to show it in, and what is left after signing one
//! out. Pure data rules; fetching and revoking are the state's job.

use chat_protocol::{SessionId, SessionInfo};

/// This device first, then the most recently used.
pub(crate) fn order(sessions: &mut [SessionInfo]) {
    sessions.sort_by(|a, b| {
        b.current
            .cmp(&a.current)
            .then(b.last_used_at.cmp(&a.last_used_at))
            .then(a.id.cmp(&b.id))
    });
}

/// The list without `id` (signed out); false if it was not there.
pub(crate) fn remove(sessions: &mut Vec<SessionInfo>, id: SessionId) -> bool {
    let before = sessions.len();
    sessions.retain(|s| s.id != id);
    sessions.len() != before
}

/// The sessions other than this device's.
pub(crate) fn others(sessions: &[SessionInfo]) -> Vec<SessionId> {
    sessions
        .iter()
        .filter(|s| !s.current)
        .map(|s| s.id)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::id;
    use chrono::{Duration, TimeZone, Utc};

    fn session(n: u128, minutes_ago: i64, current: bool) -> SessionInfo {
        let now = Utc.with_ymd_and_hms(2026, 12, 1, 12, 0, 0).unwrap();
        SessionInfo {
            id: SessionId::from(id(n)),
            created_at: now - Duration::days(1),
            last_used_at: now - Duration::minutes(minutes_ago),
            user_agent: None,
            current,
        }
    }

    #[test]
    fn this_device_comes_first_then_the_most_recent() {
        let mut list = vec![
            session(1, 30, false),
            session(2, 5, false),
            session(3, 60, true),
        ];
        order(&mut list);
        let ids: Vec<_> = list.iter().map(|s| s.id).collect();
        assert_eq!(
            ids,
            vec![
                SessionId::from(id(3)),
                SessionId::from(id(2)),
                SessionId::from(id(1))
            ]
        );
        assert_eq!(
            others(&list),
            vec![SessionId::from(id(2)), SessionId::from(id(1))]
        );
    }

    #[test]
    fn removing_a_session() {
        let mut list = vec![session(1, 1, true), session(2, 2, false)];
        assert!(remove(&mut list, SessionId::from(id(2))));
        assert!(!remove(&mut list, SessionId::from(id(2))));
        assert_eq!(list.len(), 1);
        assert!(others(&list).is_empty());
    }
}
