//! System lines: what the server writes into a group's history when its members or its name
//! change ("Ann added Ben", "Cat left", "Ann renamed the group to …"). Each is a message with
//! the chat's next seq and version, written in the same transaction as the change it records,
//! so history, resume (`after_version`) and the fan-out's gap filling carry it like any other
//! message and nobody can see the change without its line.

use std::collections::HashMap;

use chat_protocol::{ChatId, MessageId, SystemEvent, SystemLine, User, UserId};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::now;
use super::rows::MessageRow;
use crate::db::AnyConnection;
use crate::db::schema::{chats, messages, users};
use crate::error::{AppError, AppResult};

/// A system line as the `messages.system_event` column holds it: the other person by id, so a
/// renamed or erased account reads as it is now, never as it was.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct StoredLine {
    pub event: SystemEvent,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<UserId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl StoredLine {
    pub(crate) fn joined() -> Self {
        Self::plain(SystemEvent::Joined)
    }

    pub(crate) fn left() -> Self {
        Self::plain(SystemEvent::Left)
    }

    pub(crate) fn added(user: UserId) -> Self {
        Self {
            user: Some(user),
            ..Self::plain(SystemEvent::Added)
        }
    }

    pub(crate) fn removed(user: UserId) -> Self {
        Self {
            user: Some(user),
            ..Self::plain(SystemEvent::Removed)
        }
    }

    pub(crate) fn renamed(name: &str) -> Self {
        Self {
            name: Some(name.to_owned()),
            ..Self::plain(SystemEvent::Renamed)
        }
    }

    fn plain(event: SystemEvent) -> Self {
        Self {
            event,
            user: None,
            name: None,
        }
    }

    fn parse(raw: &str) -> Option<Self> {
        serde_json::from_str(raw)
            .inspect_err(|e| tracing::warn!(error = %e, "unreadable system line"))
            .ok()
    }
}

/// Writes `line` by `actor` as the next message of `chat`, inside the caller's write
/// transaction, which must already hold the chat row (`chats::lock`); returns the row with its
/// sender's name, for `message_parts::render`.
pub(crate) fn record(
    c: &mut AnyConnection,
    chat: ChatId,
    actor: UserId,
    line: &StoredLine,
) -> AppResult<(MessageRow, String)> {
    let at = now();
    let (seq, version): (i64, i64) = diesel::update(chats::table.find(chat))
        .set((
            chats::last_seq.eq(chats::last_seq + 1),
            chats::last_version.eq(chats::last_version + 1),
            chats::last_activity_at.eq(at),
        ))
        .returning((chats::last_seq, chats::last_version))
        .get_result(c)?;
    let encoded = serde_json::to_string(line).map_err(AppError::internal)?;
    let row: MessageRow = diesel::insert_into(messages::table)
        .values((
            messages::chat_id.eq(chat),
            messages::seq.eq(seq),
            messages::sender_id.eq(actor),
            messages::content.eq(""),
            messages::created_at.eq(at),
            messages::deleted.eq(false),
            messages::version.eq(version),
            messages::system_event.eq(Some(encoded)),
        ))
        .returning(messages::all_columns)
        .get_result(c)?;
    let name: String = users::table
        .find(actor)
        .select(users::username)
        .get_result(c)?;
    Ok((row, name))
}

/// The wire form of each system line among `rows` (by message id), with the people they name
/// as they are now: one query for all of them, none when there is no system line.
pub(crate) fn lines_of(
    conn: &mut AnyConnection,
    rows: &[(MessageRow, String)],
) -> AppResult<HashMap<MessageId, SystemLine>> {
    let stored: Vec<(MessageId, StoredLine)> = rows
        .iter()
        .filter(|(row, _)| !row.deleted)
        .filter_map(|(row, _)| {
            let line = StoredLine::parse(row.system_event.as_deref()?)?;
            Some((row.id, line))
        })
        .collect();
    let mut named: Vec<UserId> = stored.iter().filter_map(|(_, l)| l.user).collect();
    named.sort_unstable();
    named.dedup();
    let names: HashMap<UserId, String> = if named.is_empty() {
        HashMap::new()
    } else {
        users::table
            .filter(users::id.eq_any(&named))
            .select((users::id, users::username))
            .load::<(UserId, String)>(conn)?
            .into_iter()
            .collect()
    };
    Ok(stored
        .into_iter()
        .map(|(id, line)| {
            let user = line.user.map(|user| User {
                id: user,
                username: names.get(&user).cloned().unwrap_or_default(),
            });
            (
                id,
                SystemLine {
                    event: line.event,
                    user,
                    name: line.name,
                },
            )
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_lines_are_compact_and_read_back() {
        let id = UserId::from_uuid(uuid::Uuid::nil());
        let added = StoredLine::added(id);
        let raw = serde_json::to_string(&added).unwrap();
        assert_eq!(
            raw,
            r#"{"event":"added","user":"00000000-0000-0000-0000-000000000000"}"#
        );
        assert_eq!(StoredLine::parse(&raw), Some(added));
        assert_eq!(
            serde_json::to_string(&StoredLine::left()).unwrap(),
            r#"{"event":"left"}"#
        );
        assert_eq!(
            StoredLine::parse(r#"{"event":"renamed","name":"x"}"#),
            Some(StoredLine::renamed("x"))
        );
        assert_eq!(StoredLine::parse("not json"), None);
    }
}
