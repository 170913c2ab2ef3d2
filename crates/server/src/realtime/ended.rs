//! Sessions that ended (logout, revocation, refresh-token theft) within the life of an access
//! token, kept in memory so every request and socket check is a map lookup, not a query.
//! Entries are forgotten once every access token of their session has expired anyway.

use std::collections::HashMap;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use chat_protocol::SessionId;

pub(super) struct EndedSessions {
    ended: RwLock<HashMap<SessionId, Instant>>,
    /// How long an entry matters: the access-token lifetime (plus a margin for clock skew).
    keep: Duration,
}

impl EndedSessions {
    pub(super) fn new(access_token_ttl: Duration) -> Self {
        Self {
            ended: RwLock::default(),
            keep: access_token_ttl + Duration::from_secs(60),
        }
    }

    /// Records that `session` ended; true the first time.
    pub(super) fn end(&self, session: SessionId, now: Instant) -> bool {
        let mut ended = self.ended.write().unwrap_or_else(|p| p.into_inner());
        let keep = self.keep;
        if ended.len() >= 1024 && ended.len().is_power_of_two() {
            // Amortised: a full sweep only when the map has doubled since the last one.
            ended.retain(|_, at| now.duration_since(*at) < keep);
        }
        ended.insert(session, now).is_none()
    }

    pub(super) fn is_ended(&self, session: SessionId) -> bool {
        self.ended
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .contains_key(&session)
    }

    /// Forgets sessions whose access tokens have all expired.
    pub(super) fn prune(&self, now: Instant) {
        let keep = self.keep;
        self.ended
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|_, at| now.duration_since(*at) < keep);
    }
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;

    #[test]
    fn remembers_ended_sessions_for_an_access_token_lifetime() {
        let ended = EndedSessions::new(Duration::from_secs(900));
        let (a, b) = (
            SessionId::from(Uuid::new_v4()),
            SessionId::from(Uuid::new_v4()),
        );
        let start = Instant::now();
        assert!(ended.end(a, start));
        assert!(!ended.end(a, start), "the second report is not news");
        assert!(ended.is_ended(a) && !ended.is_ended(b));
        ended.prune(start + Duration::from_secs(900));
        assert!(ended.is_ended(a), "still within the margin");
        ended.prune(start + Duration::from_secs(961));
        assert!(!ended.is_ended(a));
    }
}
