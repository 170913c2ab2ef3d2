//! Accounts: creating them, finding them by name or id, and the username search.

use chat_protocol::{User, UserId};
use diesel::prelude::*;
use uuid::Uuid;

use super::rows::{UserRow, users_of};
use super::{OnUnique, now, write_tx};
use super::{members, messages};
use crate::db::AnyConnection;
use crate::db::schema::{blocks, chat_members, contacts, users};
use crate::error::{AppError, AppResult};

pub(crate) fn create(
    conn: &mut AnyConnection,
    username: &str,
    password_hash: &str,
) -> AppResult<User> {
    let id = UserId::from(Uuid::new_v4());
    let lower = username.to_lowercase();
    write_tx(conn, |c| {
        diesel::insert_into(users::table)
            .values((
                users::id.eq(id),
                users::username.eq(username),
                users::username_lower.eq(&lower),
                users::password_hash.eq(password_hash),
                users::created_at.eq(now()),
            ))
            .execute(c)
    })
    .on_unique(AppError::Conflict("username is taken"))?;
    Ok(User {
        id,
        username: username.to_owned(),
    })
}

pub(crate) fn find_by_name(conn: &mut AnyConnection, username: &str) -> AppResult<Option<UserRow>> {
    Ok(users::table
        .filter(users::username_lower.eq(username.to_lowercase()))
        .select(UserRow::as_select())
        .first(conn)
        .optional()?)
}

pub(crate) fn find_by_id(conn: &mut AnyConnection, id: UserId) -> AppResult<Option<UserRow>> {
    Ok(users::table
        .find(id)
        .select(UserRow::as_select())
        .first(conn)
        .optional()?)
}

/// Users whose name starts with `prefix` (case-insensitively), the caller and everyone who
/// blocked the caller excluded.
pub(crate) fn search(
    conn: &mut AnyConnection,
    prefix: &str,
    exclude: UserId,
    limit: usize,
) -> AppResult<Vec<User>> {
    // Usernames hold only [A-Za-z0-9_.-]; anything else cannot match, and `_` must not act as
    // LIKE's wildcard.
    if !prefix
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
    {
        return Ok(Vec::new());
    }
    let pattern = format!("{}%", prefix.to_lowercase().replace('_', "\\_"));
    let blocked_me = blocks::table
        .filter(blocks::blocked_id.eq(exclude))
        .select(blocks::blocker_id);
    let rows: Vec<(UserId, String)> = users::table
        .filter(users::username_lower.like(pattern).escape('\\'))
        .filter(users::id.ne(exclude))
        .filter(users::id.ne_all(blocked_me))
        .filter(users::disabled_at.is_null())
        .order(users::username_lower.asc())
        .limit(i64::try_from(limit).unwrap_or(i64::MAX))
        .select((users::id, users::username))
        .load(conn)?;
    Ok(users_of(rows))
}

/// Replaces the password hash (an operator's reset).
pub(crate) fn set_password(conn: &mut AnyConnection, user: UserId, hash: &str) -> AppResult<()> {
    write_tx(conn, |c| {
        diesel::update(users::table.find(user))
            .set(users::password_hash.eq(hash))
            .execute(c)
    })?;
    Ok(())
}

/// Disables (no sign-in) or enables the account. A disabled account cannot act, so a group it
/// was the only working admin of gets another (it keeps its own flag: enabled again, it is an
/// admin again, beside the heir).
pub(crate) fn set_disabled(
    conn: &mut AnyConnection,
    user: UserId,
    disabled: bool,
) -> AppResult<()> {
    let at = disabled.then(now);
    write_tx(conn, |c| {
        let ran = if disabled {
            members::lock_admin_groups(c, user)?
        } else {
            Vec::new()
        };
        diesel::update(users::table.find(user))
            .set(users::disabled_at.eq(at))
            .execute(c)?;
        for chat in ran {
            members::ensure_admin(c, chat)?;
        }
        Ok::<_, AppError>(())
    })?;
    Ok(())
}

/// Erases an account: every message of it becomes a tombstone (each a delete, with its own
/// version), then [`erase`]. The tombstones, to announce, and the placeholder name.
pub(crate) fn erase_account(
    conn: &mut AnyConnection,
    user: UserId,
) -> AppResult<(Vec<messages::Delivery>, String)> {
    let mut gone = Vec::new();
    for id in messages::live_ids_of(conn, user)? {
        gone.push(messages::delete(conn, user, id)?);
    }
    Ok((gone, erase(conn, user)?))
}

/// What is left of an erased account: disabled, no usable password, a placeholder name (the
/// old one is free again), in nobody's contacts and with none of its own. Its chat
/// memberships stay, so history keeps a sender for each tombstone.
fn erase(conn: &mut AnyConnection, user: UserId) -> AppResult<String> {
    let placeholder = format!("deleted-{}", &user.as_uuid().simple().to_string()[..12]);
    write_tx(conn, |c| {
        let ran = members::lock_admin_groups(c, user)?;
        diesel::delete(
            contacts::table.filter(
                contacts::owner_id
                    .eq(user)
                    .or(contacts::contact_id.eq(user)),
            ),
        )
        .execute(c)?;
        diesel::update(users::table.find(user))
            .set((
                users::username.eq(&placeholder),
                users::username_lower.eq(&placeholder),
                // No argon2 hash looks like this: nothing verifies against it.
                users::password_hash.eq("!erased"),
                users::disabled_at.eq(Some(now())),
            ))
            .execute(c)?;
        // The groups it ran get another admin.
        for chat in ran {
            diesel::update(
                chat_members::table
                    .filter(chat_members::chat_id.eq(chat))
                    .filter(chat_members::user_id.eq(user)),
            )
            .set(chat_members::admin.eq(false))
            .execute(c)?;
            members::ensure_admin(c, chat)?;
        }
        Ok::<_, AppError>(())
    })?;
    Ok(placeholder)
}
