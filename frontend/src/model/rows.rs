//! What the conversation shows, top to bottom: day separators, a "New messages" line before the
//! first message that was unread when the chat was opened, messages (with "seen" under my
//! newest message that others have read) and my pending sends, each with a stable key so the
//! list only re-renders what changed. Pure: the UI renders the rows, this decides them.

use std::collections::HashMap;

use chat_protocol::{Message, User, UserId};
use chrono::{NaiveDate, TimeZone};

use super::outbox::{Pending, PendingState};
use crate::text::format::{day_label, local_day, local_minute, seen_line};
use crate::text::system::{describe, to_read};

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Row {
    Day {
        day: NaiveDate,
        label: String,
    },
    Message {
        /// Boxed: a message (with its reply preview and reactions) is much larger than the
        /// other rows.
        message: Box<Message>,
        mine: bool,
        /// First of a run from the same sender in a group: show the name.
        show_sender: bool,
        /// Follows a message of the same sender in the same minute, with nothing between:
        /// shown tight under it, its time only on hover (as Slack and Telegram group them).
        grouped: bool,
        /// "Seen" / "Seen by bob": the read marker, on my newest message others have read.
        seen: Option<String>,
    },
    /// A line the server wrote about the group ("Ann added Ben"), centred, without actions.
    System {
        seq: i64,
        version: i64,
        text: String,
    },
    /// "New messages": the first unread message when the chat was opened comes next.
    NewMessages,
    Pending(Pending),
}

impl Row {
    /// Changes whenever what the row shows changes.
    pub(crate) fn key(&self) -> String {
        match self {
            Self::Day { day, label } => format!("d:{day}:{label}"),
            Self::NewMessages => "new".to_owned(),
            Self::System { seq, version, text } => format!("s:{seq}:{version}:{text}"),
            Self::Message {
                message,
                show_sender,
                grouped,
                seen,
                ..
            } => format!(
                "m:{}:{}:{}:{}:{}:{}:{}:{}:{}",
                message.id,
                message.version,
                // A reply's quote follows its original (edited, deleted).
                message
                    .reply_to
                    .as_ref()
                    .map_or(String::new(), |q| format!("{}{}", q.deleted, q.excerpt)),
                message.edited_at.map_or(0, |t| t.timestamp_millis()),
                message.deleted,
                message.content.len(),
                show_sender,
                grouped,
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

/// How far another member has read in this chat, by name (the wire's `ReadPosition` has the
/// user's id instead).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct MemberRead {
    pub(crate) username: String,
    pub(crate) seq: i64,
}

/// The other members' read positions for the "seen" marker, in member order. `reads` maps user
/// id to seq as the state keeps it; people who are not members (any more), and I, are left out.
pub(crate) fn member_reads(
    members: &[User],
    reads: &HashMap<UserId, i64>,
    me: UserId,
) -> Vec<MemberRead> {
    members
        .iter()
        .filter(|m| m.id != me)
        .filter_map(|m| {
            reads.get(&m.id).map(|seq| MemberRead {
                username: m.username.clone(),
                seq: *seq,
            })
        })
        .collect()
}

pub(crate) struct Inputs<'a> {
    pub(crate) messages: &'a [Message],
    pub(crate) pending: &'a [Pending],
    pub(crate) me: UserId,
    pub(crate) group: bool,
    /// Other members' read positions (never mine).
    pub(crate) reads: &'a [MemberRead],
    pub(crate) today: NaiveDate,
    /// The seq of the first message that was unread when the chat was opened, if any.
    pub(crate) first_unread: Option<i64>,
}

/// The seq of the first unread message: going back from the newest, the `unread`-th message
/// someone else sent (deleted ones were not counted as unread). `None` when nothing is
/// unread; the oldest loaded message when fewer are loaded than are unread.
pub(crate) fn first_unread(messages: &[Message], me: UserId, unread: i64) -> Option<i64> {
    if unread <= 0 {
        return None;
    }
    let mut counted = 0;
    for m in messages.iter().rev() {
        if to_read(m, me) {
            counted += 1;
            if counted == unread {
                return Some(m.seq);
            }
        }
    }
    messages.first().map(|m| m.seq)
}

/// How many messages after `seq` are someone else's and not deleted: what is still unread
/// when I have read up to `seq`.
pub(crate) fn unread_after(messages: &[Message], me: UserId, seq: i64) -> i64 {
    let count = messages
        .iter()
        .filter(|m| m.seq > seq && to_read(m, me))
        .count();
    i64::try_from(count).unwrap_or(i64::MAX)
}

pub(crate) fn build<Tz: TimeZone>(input: &Inputs<'_>, tz: &Tz) -> Vec<Row> {
    let seen_at = input
        .messages
        .iter()
        .rev()
        .find(|m| {
            m.sender.id == input.me
                && m.system.is_none()
                && input.reads.iter().any(|r| r.seq >= m.seq)
        })
        .map(|m| m.seq);
    let mut rows = Vec::with_capacity(input.messages.len() + input.pending.len() + 4);
    let mut last_day: Option<NaiveDate> = None;
    let mut last_sender: Option<UserId> = None;
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
    let mut divider_due = input.first_unread;
    let mut last_minute: Option<i64> = None;
    for m in input.messages {
        let new_day = push_day(&mut rows, local_day(&m.created_at, tz));
        let mut divided = false;
        if divider_due.is_some_and(|first| m.seq >= first) {
            divider_due = None;
            divided = true;
            rows.push(Row::NewMessages);
        }
        if let Some(text) = describe(m, input.me).filter(|_| !m.deleted) {
            // The next message starts a new run: it shows its sender's name again.
            last_sender = None;
            last_minute = None;
            rows.push(Row::System {
                seq: m.seq,
                version: m.version,
                text,
            });
            continue;
        }
        let mine = m.sender.id == input.me;
        let same_sender = last_sender == Some(m.sender.id);
        let show_sender = input.group && !mine && (new_day || divided || !same_sender);
        let minute = local_minute(&m.created_at, tz);
        let grouped = same_sender && !new_day && !divided && last_minute == Some(minute);
        last_sender = Some(m.sender.id);
        last_minute = Some(minute);
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
            message: Box::new(m.clone()),
            mine,
            show_sender,
            grouped,
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
    use crate::model::fixtures::{chat_id, id, msg, user, user_id};
    use chrono::{Duration, Utc};

    fn from(seq: i64, sender: u128, name: &str, day_offset: i64) -> Message {
        let mut m = msg(seq, "text");
        m.sender.id = user_id(sender);
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
                    grouped,
                    seen,
                    ..
                } => format!(
                    "{}{}{}{}",
                    message.seq,
                    if *show_sender { "+name" } else { "" },
                    if *grouped { "~" } else { "" },
                    seen.as_ref().map(|s| format!(" ({s})")).unwrap_or_default()
                ),
                Row::NewMessages => "[new]".to_owned(),
                Row::System { text, .. } => format!("<{text}>"),
                Row::Pending(p) => format!("pending {}", p.content),
            })
            .collect()
    }

    #[test]
    fn system_lines_stand_alone_and_are_not_unread() {
        let me = 1;
        let mut joined = from(2, 3, "cat", 0);
        joined.content.clear();
        joined.system = Some(chat_protocol::SystemLine {
            event: chat_protocol::SystemEvent::Joined,
            user: None,
            name: None,
        });
        let messages = vec![from(1, 3, "cat", 0), joined, from(3, 3, "cat", 0)];
        let input = Inputs {
            messages: &messages,
            pending: &[],
            me: user_id(me),
            group: true,
            reads: &[],
            today: messages[0].created_at.date_naive(),
            first_unread: None,
        };
        assert_eq!(
            kinds(&build(&input, &Utc)),
            vec!["[Today]", "1+name", "<cat joined>", "3+name"],
            "the line breaks the run: cat's next message shows her name again"
        );
        // Two of cat's messages are unread; the line between them is not.
        assert_eq!(first_unread(&messages, user_id(me), 2), Some(1));
        assert_eq!(unread_after(&messages, user_id(me), 0), 2);
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
            MemberRead {
                username: "bob".into(),
                seq: 5,
            },
            MemberRead {
                username: "eve".into(),
                seq: 3,
            },
        ];
        let pending = vec![Pending {
            client_id: id(77),
            chat_id: chat_id(0),
            content: "on its way".into(),
            created_at: messages[5].created_at,
            reply_to: None,
            attachments: Vec::new(),
            state: PendingState::Queued,
        }];
        let today = messages[5].created_at.date_naive();
        let input = Inputs {
            messages: &messages,
            pending: &pending,
            me: user_id(me),
            group: true,
            reads: &reads,
            today,
            first_unread: None,
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
    fn new_messages_line_before_the_first_unread() {
        let me = 1;
        let messages = vec![
            from(1, 2, "bob", 0),
            from(2, me, "me", 0),
            from(3, 2, "bob", 0),
            from(4, 2, "bob", 0),
        ];
        let today = messages[0].created_at.date_naive();
        let first = first_unread(&messages, user_id(me), 2);
        assert_eq!(first, Some(3));
        let input = Inputs {
            messages: &messages,
            pending: &[],
            me: user_id(me),
            group: false,
            reads: &[],
            today,
            first_unread: first,
        };
        assert_eq!(
            kinds(&build(&input, &Utc)),
            ["[Today]", "1", "2", "[new]", "3", "4"]
        );
        let none = Inputs {
            first_unread: None,
            ..input
        };
        assert!(!kinds(&build(&none, &Utc)).contains(&"[new]".to_owned()));
    }

    #[test]
    fn one_senders_messages_in_one_minute_are_grouped() {
        let me = 1;
        let at = |seq: i64, sender: u128, name: &str, second: i64| {
            let mut m = from(seq, sender, name, 0);
            m.created_at = msg(1, "").created_at + Duration::seconds(second);
            m
        };
        let messages = vec![
            at(1, 2, "bob", 0),
            at(2, 2, "bob", 20),
            at(3, me, "me", 30),
            at(4, me, "me", 59),
            at(5, me, "me", 61),
            at(6, 2, "bob", 62),
        ];
        let input = Inputs {
            messages: &messages,
            pending: &[],
            me: user_id(me),
            group: true,
            reads: &[],
            today: messages[0].created_at.date_naive(),
            first_unread: Some(2),
        };
        assert_eq!(
            kinds(&build(&input, &Utc)),
            [
                "[Today]", "1+name", "[new]", "2+name", "3", "4~", "5", "6+name"
            ],
            "grouped: same sender, same minute, nothing between"
        );
        let no_line = Inputs {
            first_unread: None,
            ..input
        };
        assert_eq!(
            kinds(&build(&no_line, &Utc)),
            ["[Today]", "1+name", "2~", "3", "4~", "5", "6+name"]
        );
    }

    #[test]
    fn first_unread_counts_others_messages_only() {
        let me = user_id(1);
        let mut messages = vec![
            from(1, 2, "bob", 0),
            from(2, 2, "bob", 0),
            from(3, 1, "me", 0),
            from(4, 2, "bob", 0),
        ];
        assert_eq!(first_unread(&messages, me, 0), None);
        assert_eq!(first_unread(&messages, me, 1), Some(4));
        assert_eq!(
            first_unread(&messages, me, 2),
            Some(2),
            "my own message is skipped"
        );
        assert_eq!(
            first_unread(&messages, me, 9),
            Some(1),
            "more unread than loaded"
        );
        messages[3].deleted = true;
        assert_eq!(
            first_unread(&messages, me, 1),
            Some(2),
            "a deleted one was not unread"
        );
        assert_eq!(unread_after(&messages, me, 1), 1);
        assert_eq!(unread_after(&messages, me, 0), 2);
        assert_eq!(unread_after(&messages, me, 4), 0);
    }

    #[test]
    fn keys_change_with_content() {
        let m = from(1, 2, "bob", 0);
        let row = |m: Message| Row::Message {
            message: Box::new(m),
            mine: false,
            show_sender: false,
            grouped: false,
            seen: None,
        };
        let mut edited = m.clone();
        edited.edited_at = Some(Utc::now());
        let mut deleted = m.clone();
        deleted.deleted = true;
        let keys = [row(m.clone()).key(), row(edited).key(), row(deleted).key()];
        assert_ne!(keys[0], keys[1]);
        assert_ne!(keys[0], keys[2]);
        assert_ne!(keys[1], keys[2]);
        // An unchanged row keeps its key, so the list does not re-render it.
        assert_eq!(row(m).key(), keys[0]);
    }

    #[test]
    fn member_reads_name_the_other_members_only() {
        let members = [user(1, "me"), user(2, "bob"), user(3, "eve")];
        let reads = HashMap::from([
            (user_id(1), 9),
            (user_id(3), 4),
            (user_id(2), 7),
            (user_id(99), 8),
        ]);
        assert_eq!(
            member_reads(&members, &reads, user_id(1)),
            vec![
                MemberRead {
                    username: "bob".into(),
                    seq: 7
                },
                MemberRead {
                    username: "eve".into(),
                    seq: 4
                },
            ]
        );
    }
}
