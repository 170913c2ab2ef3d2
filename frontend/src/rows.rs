//! What the conversation shows, top to bottom: day separators, messages (with "seen" under my
//! newest message that others have read) and my pending sends, each with a stable key so the
//! list only re-renders what changed.

use chat_protocol::Message;
use chrono::{NaiveDate, TimeZone};
use uuid::Uuid;

use crate::format::{day_label, local_day, seen_line};
use crate::outbox::{Pending, PendingState};

#[derive(Debug, Clone, PartialEq)]
pub enum Row {
    Day {
        day: NaiveDate,
        label: String,
    },
    Message {
        message: Message,
        mine: bool,
        /// First of a run from the same sender in a group: show the name.
        show_sender: bool,
        /// "Seen" / "Seen by bob": the read marker, on my newest message others have read.
        seen: Option<String>,
    },
    Pending(Pending),
}

impl Row {
    /// Changes whenever what the row shows changes.
    pub fn key(&self) -> String {
        match self {
            Self::Day { day, label } => format!("d:{day}:{label}"),
            Self::Message {
                message,
                show_sender,
                seen,
                ..
            } => format!(
                "m:{}:{}:{}:{}:{}:{}",
                message.id,
                message.edited_at.map_or(0, |t| t.timestamp_millis()),
                message.deleted,
                message.content.len(),
                show_sender,
                seen.as_deref().unwrap_or("")
            ),
            Self::Pending(p) => {
                let state = match &p.state {
                    PendingState::Queued => "q".to_owned(),
                    PendingState::Sent { .. } => "s".to_owned(),
                    PendingState::Failed { reason } => format!("f{reason}"),
                };
                format!("p:{}:{state}", p.client_id)
            }
        }
    }
}

/// Where the other members have read up to in this chat.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadPosition {
    pub username: String,
    pub seq: i64,
}

pub struct Inputs<'a> {
    pub messages: &'a [Message],
    pub pending: &'a [Pending],
    pub me: Uuid,
    pub group: bool,
    /// Other members' read positions (never mine).
    pub reads: &'a [ReadPosition],
    pub today: NaiveDate,
}

pub fn build<Tz: TimeZone>(input: &Inputs<'_>, tz: &Tz) -> Vec<Row> {
    let seen_at = input
        .messages
        .iter()
        .rev()
        .find(|m| m.sender.id == input.me && input.reads.iter().any(|r| r.seq >= m.seq))
        .map(|m| m.seq);
    let mut rows = Vec::with_capacity(input.messages.len() + input.pending.len() + 4);
    let mut last_day: Option<NaiveDate> = None;
    let mut last_sender: Option<Uuid> = None;
    let mut push_day = |rows: &mut Vec<Row>, day: NaiveDate| -> bool {
        if last_day == Some(day) {
            return false;
        }
        last_day = Some(day);
        rows.push(Row::Day {
            day,
            label: day_label(day, input.today),
        });
        true
    };
    for m in input.messages {
        let new_day = push_day(&mut rows, local_day(&m.created_at, tz));
        let mine = m.sender.id == input.me;
        let show_sender = input.group && !mine && (new_day || last_sender != Some(m.sender.id));
        last_sender = Some(m.sender.id);
        let seen = (seen_at == Some(m.seq)).then(|| {
            let names: Vec<String> = input
                .reads
                .iter()
                .filter(|r| r.seq >= m.seq)
                .map(|r| r.username.clone())
                .collect();
            seen_line(&names, !input.group)
        });
        rows.push(Row::Message {
            message: m.clone(),
            mine,
            show_sender,
            seen,
        });
    }
    for p in input.pending {
        push_day(&mut rows, local_day(&p.created_at, tz));
        rows.push(Row::Pending(p.clone()));
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timeline::tests::msg;
    use chrono::{Duration, Utc};

    fn from(seq: i64, sender: u128, name: &str, day_offset: i64) -> Message {
        let mut m = msg(seq, "text");
        m.sender.id = Uuid::from_u128(sender);
        m.sender.username = name.into();
        m.created_at += Duration::days(day_offset);
        m
    }

    fn kinds(rows: &[Row]) -> Vec<String> {
        rows.iter()
            .map(|r| match r {
                Row::Day { label, .. } => format!("[{label}]"),
                Row::Message {
                    message,
                    show_sender,
                    seen,
                    ..
                } => format!(
                    "{}{}{}",
                    message.seq,
                    if *show_sender { "+name" } else { "" },
                    seen.as_ref().map(|s| format!(" ({s})")).unwrap_or_default()
                ),
                Row::Pending(p) => format!("pending {}", p.content),
            })
            .collect()
    }

    #[test]
    fn day_separators_senders_and_seen_marker() {
        let me = 1;
        let messages = vec![
            from(1, 2, "bob", -1),
            from(2, 2, "bob", -1),
            from(3, me, "me", 0),
            from(4, 2, "bob", 0),
            from(5, me, "me", 0),
            from(6, me, "me", 0),
        ];
        let reads = vec![
            ReadPosition {
                username: "bob".into(),
                seq: 5,
            },
            ReadPosition {
                username: "eve".into(),
                seq: 3,
            },
        ];
        let pending = vec![Pending {
            client_id: Uuid::from_u128(77),
            chat_id: Uuid::nil(),
            content: "on its way".into(),
            created_at: messages[5].created_at,
            state: PendingState::Queued,
        }];
        let today = messages[5].created_at.date_naive();
        let input = Inputs {
            messages: &messages,
            pending: &pending,
            me: Uuid::from_u128(me),
            group: true,
            reads: &reads,
            today,
        };
        let rows = build(&input, &Utc);
        assert_eq!(
            kinds(&rows),
            vec![
                "[Yesterday]",
                "1+name",
                "2",
                "[Today]",
                "3",
                "4+name",
                "5 (Seen by bob)",
                "6",
                "pending on its way"
            ]
        );
        let direct = Inputs {
            group: false,
            ..input
        };
        let rows = build(&direct, &Utc);
        assert!(kinds(&rows).contains(&"5 (Seen)".to_owned()));
        assert!(!kinds(&rows).iter().any(|k| k.contains("+name")));
    }

    #[test]
    fn keys_change_with_content() {
        let m = from(1, 2, "bob", 0);
        let row = |m: Message| Row::Message {
            message: m,
            mine: false,
            show_sender: false,
            seen: None,
        };
        let mut edited = m.clone();
        edited.edited_at = Some(Utc::now());
        let mut deleted = m.clone();
        deleted.deleted = true;
        let keys = [row(m).key(), row(edited).key(), row(deleted).key()];
        assert_ne!(keys[0], keys[1]);
        assert_ne!(keys[0], keys[2]);
        assert_ne!(keys[1], keys[2]);
    }
}
