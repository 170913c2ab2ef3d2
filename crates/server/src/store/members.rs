//! Who belongs to a chat: the checks every chat access goes through, and member lists for
//! fan-out. Reads only.

use chat_protocol::{ChatId, UserId};
use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::db::schema::chat_members;
use crate::error::{AppError, AppResult};

pub(crate) fn is_member(conn: &mut AnyConnection, chat: ChatId, user: UserId) -> AppResult<bool> {
    Ok(diesel::select(diesel::dsl::exists(
        chat_members::table
            .filter(chat_members::chat_id.eq(chat))
            .filter(chat_members::user_id.eq(user)),
    ))
    .get_result(conn)?)
}

/// `NotFound` unless `user` is a member of `chat`: a chat's existence never leaks to outsiders.
pub(crate) fn require_member(
    conn: &mut AnyConnection,
    chat: ChatId,
    user: UserId,
) -> AppResult<()> {
    if is_member(conn, chat, user)? {
        Ok(())
    } else {
        Err(AppError::NotFound("no such chat"))
    }
}

pub(crate) fn member_ids(conn: &mut AnyConnection, chat: ChatId) -> AppResult<Vec<UserId>> {
    Ok(chat_members::table
        .filter(chat_members::chat_id.eq(chat))
        .select(chat_members::user_id)
        .load(conn)?)
}
