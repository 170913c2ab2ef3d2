//! What a rendered message carries beyond its own row: the message it replies to, its
//! reactions and its mentions. Loaded for a whole page at once (three queries, whatever its
//! size), and worked out from the text when a message is stored or edited.

use std::collections::HashMap;

use chat_protocol::limits::REPLY_EXCERPT;
use chat_protocol::{Message, MessageId, Reaction, ReplyPreview, User, UserId, mentions};
use diesel::prelude::*;

use super::rows::MessageRow;
use crate::db::AnyConnection;
use crate::db::schema::{message_mentions, message_reactions, messages, users};
use crate::error::AppResult;

/// The quote of `original` shown above a reply: its current state.
pub(crate) fn reply_preview(original: &MessageRow, sender_name: &str) -> ReplyPreview {
    quote(
        original.id,
        original.seq,
        User {
            id: original.sender_id,
            username: sender_name.to_owned(),
        },
        &original.content,
        original.deleted,
    )
}

/// The quote of message `id` from its parts (what [`reply_preview`] takes from a row): a
/// tombstone quotes nothing of its text.
pub(crate) fn quote(
    id: MessageId,
    seq: i64,
    sender: User,
    content: &str,
    deleted: bool,
) -> ReplyPreview {
    ReplyPreview {
        id,
        seq,
        sender,
        excerpt: if deleted {
            String::new()
        } else {
            content.chars().take(REPLY_EXCERPT).collect()
        },
        deleted,
    }
}

/// Rows joined with their senders' names, as wire messages with replies, reactions,
/// mentions, attachments and system lines filled in.
pub(crate) fn render(
    conn: &mut AnyConnection,
    rows: Vec<(MessageRow, String)>,
) -> AppResult<Vec<Message>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<MessageId> = rows.iter().map(|(m, _)| m.id).collect();
    let mut reply_ids: Vec<MessageId> = rows.iter().filter_map(|(m, _)| m.reply_to_id).collect();
    reply_ids.sort_unstable();
    reply_ids.dedup();
    let mut originals: HashMap<MessageId, ReplyPreview> = HashMap::new();
    if !reply_ids.is_empty() {
        let found: Vec<(MessageRow, String)> = messages::table
            .inner_join(users::table)
            .filter(messages::id.eq_any(&reply_ids))
            .select((messages::all_columns, users::username))
            .load(conn)?;
        for (row, name) in found {
            originals.insert(row.id, reply_preview(&row, &name));
        }
    }
    let mut reactions = reactions_of(conn, &ids)?;
    let mentioned: Vec<(MessageId, UserId)> = message_mentions::table
        .filter(message_mentions::message_id.eq_any(&ids))
        .order((message_mentions::message_id, message_mentions::user_id))
        .select((message_mentions::message_id, message_mentions::user_id))
        .load(conn)?;
    let mut mentions_of: HashMap<MessageId, Vec<UserId>> = HashMap::new();
    for (message, user) in mentioned {
        mentions_of.entry(message).or_default().push(user);
    }
    // Signed now: whoever this rendering is for may see the chat, hence its files.
    let mut attachments = super::uploads::attachments_of(conn, &ids)?;
    let mut lines = super::system_lines::lines_of(conn, &rows)?;
    Ok(rows
        .into_iter()
        .map(|(row, name)| {
            let reply_to = row.reply_to_id.and_then(|id| originals.get(&id).cloned());
            let mut message = row.into_message(&name);
            message.reply_to = reply_to;
            if !message.deleted {
                message.reactions = reactions.remove(&message.id).unwrap_or_default();
                message.mentions = mentions_of.remove(&message.id).unwrap_or_default();
                message.attachments = attachments.remove(&message.id).unwrap_or_default();
                message.system = lines.remove(&message.id);
            }
            message
        })
        .collect())
}

/// The reactions of each message: emoji in the order they were first used, each with its
/// users in the order they reacted.
pub(crate) fn reactions_of(
    conn: &mut AnyConnection,
    ids: &[MessageId],
) -> AppResult<HashMap<MessageId, Vec<Reaction>>> {
    let rows: Vec<(MessageId, String, UserId)> = message_reactions::table
        .filter(message_reactions::message_id.eq_any(ids))
        .order((
            message_reactions::message_id,
            message_reactions::created_at,
            message_reactions::user_id,
        ))
        .select((
            message_reactions::message_id,
            message_reactions::emoji,
            message_reactions::user_id,
        ))
        .load(conn)?;
    let mut by_message: HashMap<MessageId, Vec<Reaction>> = HashMap::new();
    for (message, emoji, user) in rows {
        let reactions = by_message.entry(message).or_default();
        match reactions.iter_mut().find(|r| r.emoji == emoji) {
            Some(reaction) => reaction.user_ids.push(user),
            None => reactions.push(Reaction {
                emoji,
                user_ids: vec![user],
            }),
        }
    }
    Ok(by_message)
}

/// The lower-cased names `content` mentions, without repeats; empty for most messages, which
/// then cost no query.
pub(crate) fn mentioned_names(content: &str) -> Vec<String> {
    let mut names: Vec<String> = mentions::find(content)
        .into_iter()
        .map(|(_, name)| name.to_ascii_lowercase())
        .collect();
    names.sort_unstable();
    names.dedup();
    names
}

/// Records which members of the chat other than the sender message `$id` (seq `$seq`)
/// mentions; evaluates to their ids. A changed text first drops the old ones
/// ([`forget`]); a new message has none, so the writer's hot path costs nothing more than
/// this when no `@` is in the text.
/// A macro so the message writer's typed connections (inside their transaction) and
/// `AnyConnection` share it: `$c` is any diesel connection of either backend.
macro_rules! store_mentions {
    ($c:expr, $id:expr, $chat:expr, $seq:expr, $sender:expr, $content:expr) => {{
        use $crate::db::schema::{chat_members, message_mentions, users};
        let names = $crate::store::message_parts::mentioned_names($content);
        let mut ids: Vec<chat_protocol::UserId> = Vec::new();
        let result: diesel::QueryResult<()> = (|| {
            if names.is_empty() {
                return Ok(());
            }
            ids = chat_members::table
                .inner_join(users::table)
                .filter(chat_members::chat_id.eq($chat))
                .filter(users::username_lower.eq_any(&names))
                .filter(users::id.ne($sender))
                .order(users::id)
                .select(users::id)
                .load($c)?;
            let rows: Vec<_> = ids
                .iter()
                .map(|user| {
                    (
                        message_mentions::message_id.eq($id),
                        message_mentions::user_id.eq(*user),
                        message_mentions::chat_id.eq($chat),
                        message_mentions::seq.eq($seq),
                    )
                })
                .collect();
            if !rows.is_empty() {
                diesel::insert_into(message_mentions::table)
                    .values(rows)
                    .execute($c)?;
            }
            Ok(())
        })();
        result.map(|()| ids)
    }};
}
pub(crate) use store_mentions;

/// What message `id` carried beyond its text (mentions, reactions), removed when it becomes a
/// tombstone; `reactions: false` keeps the reactions (an edit).
pub(crate) fn forget(conn: &mut AnyConnection, id: MessageId, reactions: bool) -> AppResult<()> {
    diesel::delete(message_mentions::table.filter(message_mentions::message_id.eq(id)))
        .execute(conn)?;
    if reactions {
        diesel::delete(message_reactions::table.filter(message_reactions::message_id.eq(id)))
            .execute(conn)?;
    }
    Ok(())
}
