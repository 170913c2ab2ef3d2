//! Reactions: a member puts an emoji on a message or takes theirs back. A change takes the
//! chat's next version (like an edit), so clients resuming by version see it.

use chat_protocol::limits::REACTIONS_PER_MESSAGE;
use chat_protocol::{ChatId, MessageId, UserId};
use diesel::prelude::*;

use super::chats;
use super::members::{is_member, member_ids};
use super::messages::next_version;
use super::{now, write_tx};
use crate::db::AnyConnection;
use crate::db::schema::{message_reactions, messages};
use crate::error::{AppError, AppResult};

/// What a `react` command came to.
#[derive(Debug)]
pub(crate) struct ReactionChange {
    pub chat: ChatId,
    /// The message's version after the command: new when it changed anything.
    pub version: i64,
    /// Who must hear about it; `None` when nothing changed (already so), and only the caller
    /// is answered.
    pub members: Option<Vec<UserId>>,
}

/// Puts (`on`) or takes back `user`'s `emoji` on message `id`. `NotFound` when the message does
/// not exist, is deleted, or is in a chat `user` is not a member of.
pub(crate) fn set(
    conn: &mut AnyConnection,
    user: UserId,
    id: MessageId,
    emoji: &str,
    on: bool,
) -> AppResult<ReactionChange> {
    write_tx(conn, |c| {
        let chat: ChatId = messages::table
            .find(id)
            .select(messages::chat_id)
            .first(c)
            .optional()?
            .ok_or(AppError::NotFound("no such message"))?;
        // A delete or another reaction cannot interleave with the checks below.
        let blocked = chats::lock(c, chat)?;
        if !is_member(c, chat, user)? {
            return Err(AppError::NotFound("no such message"));
        }
        if blocked {
            return Err(AppError::Forbidden(
                "this conversation is closed: one of you blocked the other",
            ));
        }
        let (deleted, version): (bool, i64) = messages::table
            .find(id)
            .select((messages::deleted, messages::version))
            .first(c)?;
        if deleted {
            return Err(AppError::NotFound("message was deleted"));
        }
        let mine = message_reactions::table
            .filter(message_reactions::message_id.eq(id))
            .filter(message_reactions::emoji.eq(emoji))
            .filter(message_reactions::user_id.eq(user));
        let changed = if on {
            let emoji_used: Vec<String> = message_reactions::table
                .filter(message_reactions::message_id.eq(id))
                .select(message_reactions::emoji)
                .distinct()
                .load(c)?;
            if emoji_used.len() >= REACTIONS_PER_MESSAGE && !emoji_used.iter().any(|e| e == emoji) {
                return Err(AppError::Validation(format!(
                    "a message carries at most {REACTIONS_PER_MESSAGE} different emoji"
                )));
            }
            let at = now();
            crate::on_native!(&mut *c, |c| diesel::insert_into(message_reactions::table)
                .values((
                    message_reactions::message_id.eq(id),
                    message_reactions::user_id.eq(user),
                    message_reactions::emoji.eq(emoji),
                    message_reactions::created_at.eq(at),
                ))
                .on_conflict_do_nothing()
                .execute(c))?
        } else {
            diesel::delete(mine).execute(c)?
        };
        if changed == 0 {
            return Ok(ReactionChange {
                chat,
                version,
                members: None,
            });
        }
        let version = next_version(c, chat)?;
        diesel::update(messages::table.find(id))
            .set(messages::version.eq(version))
            .execute(c)?;
        Ok(ReactionChange {
            chat,
            version,
            members: Some(member_ids(c, chat)?),
        })
    })
}
