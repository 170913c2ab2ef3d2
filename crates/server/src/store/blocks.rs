//! Blocking. When A blocks B: contacts between them go both ways, neither can add the other as a
//! contact, open a direct chat with or add the other to a group (answered as for an unknown
//! user), their direct chat takes no new messages from either side, and neither sees the
//! other's presence. Unblocking lifts what no remaining block still imposes.

use chat_protocol::{User, UserId};
use diesel::prelude::*;

use super::rows::{UserRow, users_of};
use super::users::find_by_name;
use super::{direct_key, now, write_tx};
use crate::db::AnyConnection;
use crate::db::schema::{blocks, chats, contacts, users};
use crate::error::{AppError, AppResult};

/// Whether either of `a` and `b` blocked the other.
pub(crate) fn between(conn: &mut AnyConnection, a: UserId, b: UserId) -> AppResult<bool> {
    Ok(diesel::select(diesel::dsl::exists(
        blocks::table.filter(
            (blocks::blocker_id.eq(a).and(blocks::blocked_id.eq(b)))
                .or(blocks::blocker_id.eq(b).and(blocks::blocked_id.eq(a))),
        ),
    ))
    .get_result(conn)?)
}

/// The people `blocker` blocked, by username.
pub(crate) fn list(conn: &mut AnyConnection, blocker: UserId) -> AppResult<Vec<User>> {
    let rows: Vec<(UserId, String)> = blocks::table
        .inner_join(users::table.on(users::id.eq(blocks::blocked_id)))
        .filter(blocks::blocker_id.eq(blocker))
        .order(users::username_lower.asc())
        .select((users::id, users::username))
        .load(conn)?;
    Ok(users_of(rows))
}

/// `blocker` blocks the user called `username` (again is fine).
pub(crate) fn block(conn: &mut AnyConnection, blocker: UserId, username: &str) -> AppResult<User> {
    let target: UserRow =
        find_by_name(conn, username)?.ok_or(AppError::NotFound("no such user"))?;
    if target.id == blocker {
        return Err(AppError::Validation("you cannot block yourself".into()));
    }
    write_tx(conn, |c| {
        let block = (
            blocks::blocker_id.eq(blocker),
            blocks::blocked_id.eq(target.id),
            blocks::created_at.eq(now()),
        );
        // Blocking twice is fine; the upsert exists only on each backend's own connection.
        crate::on_native!(c, |native| diesel::insert_into(blocks::table)
            .values(block)
            .on_conflict_do_nothing()
            .execute(native))?;
        diesel::delete(
            contacts::table.filter(
                (contacts::owner_id
                    .eq(blocker)
                    .and(contacts::contact_id.eq(target.id)))
                .or(contacts::owner_id
                    .eq(target.id)
                    .and(contacts::contact_id.eq(blocker))),
            ),
        )
        .execute(c)?;
        set_direct_blocked(c, blocker, target.id, true)
    })?;
    Ok(target.to_user())
}

/// Lifts `blocker`'s block of `blocked`; `NotFound` when there was none.
pub(crate) fn unblock(conn: &mut AnyConnection, blocker: UserId, blocked: UserId) -> AppResult<()> {
    write_tx(conn, |c| {
        let removed = diesel::delete(
            blocks::table
                .filter(blocks::blocker_id.eq(blocker))
                .filter(blocks::blocked_id.eq(blocked)),
        )
        .execute(c)?;
        if removed == 0 {
            return Err(AppError::NotFound("not blocked"));
        }
        let still = between(c, blocker, blocked)?;
        set_direct_blocked(c, blocker, blocked, still)?;
        Ok(())
    })
}

fn set_direct_blocked(
    conn: &mut AnyConnection,
    a: UserId,
    b: UserId,
    blocked: bool,
) -> QueryResult<()> {
    diesel::update(chats::table.filter(chats::direct_key.eq(direct_key(a, b))))
        .set(chats::blocked.eq(blocked))
        .execute(conn)?;
    Ok(())
}
