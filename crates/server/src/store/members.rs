//! Who belongs to a chat: the checks every chat access goes through, and member lists for
//! fan-out, and a group's admins.

use chat_protocol::{ChatId, UserId};
use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::db::schema::{chat_members, chats, users};
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

pub(crate) fn is_admin(conn: &mut AnyConnection, chat: ChatId, user: UserId) -> AppResult<bool> {
    Ok(diesel::select(diesel::dsl::exists(
        chat_members::table
            .filter(chat_members::chat_id.eq(chat))
            .filter(chat_members::user_id.eq(user))
            .filter(chat_members::admin.eq(true)),
    ))
    .get_result(conn)?)
}

/// Admins of `chat` whose accounts still work (an erased or disabled account cannot act).
pub(crate) fn admin_count(conn: &mut AnyConnection, chat: ChatId) -> AppResult<i64> {
    Ok(chat_members::table
        .inner_join(users::table)
        .filter(chat_members::chat_id.eq(chat))
        .filter(chat_members::admin.eq(true))
        .filter(users::disabled_at.is_null())
        .count()
        .get_result(conn)?)
}

/// Within the caller's write transaction: a group left without a working admin (its last one
/// left or was erased) makes its longest-standing working member one. Direct chats have none.
pub(crate) fn ensure_admin(conn: &mut AnyConnection, chat: ChatId) -> AppResult<()> {
    let group = chats::table
        .find(chat)
        .filter(chats::kind.eq(chat_protocol::ChatKind::Group));
    if !diesel::select(diesel::dsl::exists(group)).get_result::<bool>(conn)?
        || admin_count(conn, chat)? > 0
    {
        return Ok(());
    }
    let heir: Option<UserId> = chat_members::table
        .inner_join(users::table)
        .filter(chat_members::chat_id.eq(chat))
        .filter(users::disabled_at.is_null())
        .order((chat_members::joined_at.asc(), chat_members::user_id.asc()))
        .select(chat_members::user_id)
        .first(conn)
        .optional()?;
    if let Some(heir) = heir {
        diesel::update(
            chat_members::table
                .filter(chat_members::chat_id.eq(chat))
                .filter(chat_members::user_id.eq(heir)),
        )
        .set(chat_members::admin.eq(true))
        .execute(conn)?;
    }
    Ok(())
}

/// The chats `user` is a member of.
pub(crate) fn chats_of(conn: &mut AnyConnection, user: UserId) -> AppResult<Vec<ChatId>> {
    Ok(chat_members::table
        .filter(chat_members::user_id.eq(user))
        .select(chat_members::chat_id)
        .load(conn)?)
}

/// The groups `user` is a working admin of.
pub(crate) fn admin_of(conn: &mut AnyConnection, user: UserId) -> AppResult<Vec<ChatId>> {
    Ok(chat_members::table
        .filter(chat_members::user_id.eq(user))
        .filter(chat_members::admin.eq(true))
        .select(chat_members::chat_id)
        .load(conn)?)
}

/// Takes the chat row for the rest of the caller's write transaction (PostgreSQL locks it until
/// commit; SQLite's write lock is already held), as every change of the chat's messages and
/// members does, before any membership row: checks made after this cannot be overtaken, and
/// one lock order means no deadlock. Whether the chat is closed by a block.
pub(crate) fn lock(c: &mut AnyConnection, chat: ChatId) -> AppResult<bool> {
    Ok(diesel::update(chats::table.find(chat))
        .set(chats::last_version.eq(chats::last_version))
        .returning(chats::blocked)
        .get_result(c)?)
}

/// Takes the rows of the groups `user` is an admin of, in chat-id order (the order every
/// writer takes chat rows in), before the caller changes `user`'s memberships: the same lock
/// order as every other change of a chat's members, so none of them can deadlock with it.
/// Returns those groups as they are once locked.
pub(crate) fn lock_admin_groups(c: &mut AnyConnection, user: UserId) -> AppResult<Vec<ChatId>> {
    let mut locked: Vec<ChatId> = Vec::new();
    loop {
        let mut groups = admin_of(c, user)?;
        groups.sort_unstable();
        let fresh: Vec<ChatId> = groups
            .iter()
            .copied()
            .filter(|g| !locked.contains(g))
            .collect();
        if fresh.is_empty() {
            return Ok(groups);
        }
        // Made an admin meanwhile (rare): lock those too, then look again.
        for group in fresh {
            lock(c, group)?;
            locked.push(group);
        }
    }
}
