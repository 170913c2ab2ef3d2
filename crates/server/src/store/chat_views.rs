//! Chats as a viewer sees them (members, read positions, last message, unread counts), in a
//! fixed number of queries: a chat list costs the same eight queries for one chat as for a
//! thousand, and one chat rendered for all its members (`chat_updated`) as many.

use std::collections::HashMap;

use chat_protocol::limits::UNREAD_CAP;
use chat_protocol::{Chat, ChatId, Message, ReadPosition, User, UserId};
use diesel::prelude::*;

use super::message_parts;
use super::rows::{ChatRow, MessageRow};
use super::to_utc;
use crate::db::AnyConnection;
use crate::db::schema::{chat_members, chats, message_mentions, messages, users};
use crate::error::AppResult;

/// Counts by chat or by viewer, from `(key, count)` rows.
fn counts<K: std::hash::Hash + Eq>(rows: Vec<(K, i64)>) -> HashMap<K, i64> {
    rows.into_iter().collect()
}

/// A membership row's unread count, capped at [`UNREAD_CAP`]: the LIMITed subquery stops
/// after that many rows, so a member who never reads a busy chat costs the same as one who
/// is nearly caught up (an uncapped count walks every unread message). System lines ("Ann
/// joined") are nothing to read. Correlated with the
/// `chat_members` row it is selected beside; runs as written on SQLite and PostgreSQL.
fn capped_unread() -> diesel::expression::SqlLiteral<diesel::sql_types::BigInt> {
    diesel::dsl::sql(&format!(
        "(SELECT count(*) FROM (SELECT 1 FROM messages m \
         WHERE m.chat_id = chat_members.chat_id \
         AND m.seq > chat_members.last_read_seq \
         AND m.sender_id <> chat_members.user_id \
         AND NOT m.deleted \
         AND m.system_event IS NULL \
         LIMIT {UNREAD_CAP}) unread)"
    ))
}

/// A chat's members in joining order, how far each has read, which are its admins and which
/// muted it.
#[derive(Debug, Clone, Default)]
struct Members {
    users: Vec<User>,
    reads: Vec<ReadPosition>,
    admins: Vec<UserId>,
    muted: Vec<UserId>,
}

/// Each chat's members.
fn members_by_chat(
    conn: &mut AnyConnection,
    ids: &[ChatId],
) -> AppResult<HashMap<ChatId, Members>> {
    let member_rows: Vec<(ChatId, UserId, String, i64, bool, bool)> = chat_members::table
        .inner_join(users::table)
        .filter(chat_members::chat_id.eq_any(ids))
        .order((
            chat_members::chat_id,
            chat_members::joined_at.asc(),
            users::username_lower.asc(),
        ))
        .select((
            chat_members::chat_id,
            users::id,
            users::username,
            chat_members::last_read_seq,
            chat_members::admin,
            chat_members::muted,
        ))
        .load(conn)?;
    let mut members_of: HashMap<ChatId, Members> = HashMap::new();
    for (chat, id, username, seq, admin, muted) in member_rows {
        let members = members_of.entry(chat).or_default();
        members.users.push(User { id, username });
        members.reads.push(ReadPosition { user_id: id, seq });
        if admin {
            members.admins.push(id);
        }
        if muted {
            members.muted.push(id);
        }
    }
    Ok(members_of)
}

/// Each chat's newest message (a tombstone too), rendered.
fn last_messages(conn: &mut AnyConnection, ids: &[ChatId]) -> AppResult<HashMap<ChatId, Message>> {
    let lasts: Vec<(MessageRow, String)> = messages::table
        .inner_join(users::table)
        .inner_join(chats::table)
        .filter(messages::chat_id.eq_any(ids))
        .filter(messages::seq.eq(chats::last_seq))
        .select((messages::all_columns, users::username))
        .load(conn)?;
    Ok(message_parts::render(conn, lasts)?
        .into_iter()
        .map(|m| (m.chat_id, m))
        .collect())
}

/// The wire chat from its parts; presence is not in the database (`services::presence` fills
/// it in).
fn assemble(
    row: &ChatRow,
    viewer: UserId,
    members: Members,
    last_message: Option<Message>,
    unread_count: i64,
    unread_mentions: i64,
) -> Chat {
    let muted = members.muted.contains(&viewer);
    Chat {
        id: row.id,
        kind: row.kind,
        name: row.name.clone(),
        members: members.users,
        created_at: to_utc(row.created_at),
        last_message,
        unread_count,
        last_seq: row.last_seq,
        last_version: row.last_version,
        read_positions: members.reads,
        online_members: Vec::new(),
        public: row.public,
        unread_mentions,
        admins: members.admins,
        // The column is written only from a checked u32.
        retention_days: row.retention_days.and_then(|d| u32::try_from(d).ok()),
        muted,
    }
}

/// What differs between two members' views of one chat: their unread counts and mute (and,
/// filled in by `services::presence`, whose presence they may see).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ViewerPart {
    pub viewer: UserId,
    pub unread_count: i64,
    pub unread_mentions: i64,
    pub muted: bool,
    pub online_members: Vec<UserId>,
}

/// One chat for many viewers: what they all see once, and what is each one's own.
#[derive(Debug, Clone)]
pub(crate) struct ChatForViewers {
    /// The chat with the per-viewer fields empty (nothing unread, not muted, nobody online).
    pub shared: Chat,
    pub viewers: Vec<ViewerPart>,
}

impl ChatForViewers {
    /// The whole chat as `part`'s viewer sees it (the event itself is spliced from one
    /// serialisation instead: `realtime::ChatUpdatedTemplate`).
    #[cfg(test)]
    pub(crate) fn view(&self, part: &ViewerPart) -> Chat {
        Chat {
            unread_count: part.unread_count,
            unread_mentions: part.unread_mentions,
            muted: part.muted,
            online_members: part.online_members.clone(),
            ..self.shared.clone()
        }
    }
}

/// One chat as each of `viewers` sees it (their unread counts), rendered once: for
/// `chat_updated`, whatever the number of members; the members' list is not copied per viewer.
/// A viewer who is not a member (told that they left) sees nothing unread.
pub(crate) fn render_for_viewers(
    conn: &mut AnyConnection,
    row: &ChatRow,
    viewers: &[UserId],
) -> AppResult<ChatForViewers> {
    let ids = [row.id];
    let unread = counts(
        chat_members::table
            .filter(chat_members::chat_id.eq(row.id))
            .filter(chat_members::user_id.eq_any(viewers))
            .select((chat_members::user_id, capped_unread()))
            .load::<(UserId, i64)>(conn)?,
    );
    let mentions = counts(
        message_mentions::table
            .inner_join(
                chat_members::table.on(chat_members::chat_id
                    .eq(message_mentions::chat_id)
                    .and(chat_members::user_id.eq(message_mentions::user_id))),
            )
            .filter(message_mentions::chat_id.eq(row.id))
            .filter(message_mentions::user_id.eq_any(viewers))
            .filter(message_mentions::seq.gt(chat_members::last_read_seq))
            .group_by(message_mentions::user_id)
            .select((message_mentions::user_id, diesel::dsl::count_star()))
            .load::<(UserId, i64)>(conn)?,
    );
    let members = members_by_chat(conn, &ids)?
        .remove(&row.id)
        .unwrap_or_default();
    let last = last_messages(conn, &ids)?.remove(&row.id);
    let parts = viewers
        .iter()
        .map(|viewer| ViewerPart {
            viewer: *viewer,
            unread_count: unread.get(viewer).copied().unwrap_or(0),
            unread_mentions: mentions.get(viewer).copied().unwrap_or(0),
            muted: members.muted.contains(viewer),
            online_members: Vec::new(),
        })
        .collect();
    // Rendered for nobody in particular: the per-viewer fields stay empty.
    let nobody = UserId::from_uuid(uuid::Uuid::nil());
    Ok(ChatForViewers {
        shared: assemble(row, nobody, members, last, 0, 0),
        viewers: parts,
    })
}

/// Renders `rows` for `viewer`, in the same order. A viewer who is not a member of a chat (told
/// that they left) sees it with nothing unread.
pub(crate) fn render(
    conn: &mut AnyConnection,
    rows: &[ChatRow],
    viewer: UserId,
) -> AppResult<Vec<Chat>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<ChatId> = rows.iter().map(|r| r.id).collect();
    // The viewer's own membership row joins each count, so its read position bounds it.
    let mine = || {
        chat_members::user_id
            .eq(viewer)
            .and(chat_members::chat_id.eq_any(ids.clone()))
    };
    let unread: HashMap<ChatId, i64> = counts(
        chat_members::table
            .filter(mine())
            .select((chat_members::chat_id, capped_unread()))
            .load(conn)?,
    );
    let mentions: HashMap<ChatId, i64> = counts(
        message_mentions::table
            .inner_join(
                chat_members::table.on(chat_members::chat_id
                    .eq(message_mentions::chat_id)
                    .and(mine())),
            )
            .filter(message_mentions::user_id.eq(viewer))
            .filter(message_mentions::seq.gt(chat_members::last_read_seq))
            .group_by(message_mentions::chat_id)
            .select((message_mentions::chat_id, diesel::dsl::count_star()))
            .load(conn)?,
    );
    let mut last_of = last_messages(conn, &ids)?;
    let mut members_of = members_by_chat(conn, &ids)?;
    Ok(rows
        .iter()
        .map(|row| {
            assemble(
                row,
                viewer,
                members_of.remove(&row.id).unwrap_or_default(),
                last_of.remove(&row.id),
                unread.get(&row.id).copied().unwrap_or(0),
                mentions.get(&row.id).copied().unwrap_or(0),
            )
        })
        .collect())
}
