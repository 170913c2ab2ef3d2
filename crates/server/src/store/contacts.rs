//! Contacts (one-directional: the owner's address book), which is also consent: a user's
//! presence is shown only to the people that user added.

use chat_protocol::{User, UserId};
use diesel::prelude::*;

use super::blocks::between;
use super::rows::users_of;
use super::users::find_by_name;
use super::{OnUnique, now, write_tx};
use crate::db::AnyConnection;
use crate::db::schema::{contacts, users};
use crate::error::{AppError, AppResult};

/// The owner's contacts, by username.
pub(crate) fn list(conn: &mut AnyConnection, owner: UserId) -> AppResult<Vec<User>> {
    let rows: Vec<(UserId, String)> = contacts::table
        .inner_join(users::table.on(users::id.eq(contacts::contact_id)))
        .filter(contacts::owner_id.eq(owner))
        .order(users::username_lower.asc())
        .select((users::id, users::username))
        .load(conn)?;
    Ok(users_of(rows))
}

pub(crate) fn add(conn: &mut AnyConnection, owner: UserId, username: &str) -> AppResult<User> {
    let target = find_by_name(conn, username)?.ok_or(AppError::NotFound("no such user"))?;
    if target.id == owner {
        return Err(AppError::Validation(
            "you cannot add yourself as a contact".into(),
        ));
    }
    // Blocked either way: answered as for someone who does not exist.
    if between(conn, owner, target.id)? {
        return Err(AppError::NotFound("no such user"));
    }
    write_tx(conn, |c| {
        diesel::insert_into(contacts::table)
            .values((
                contacts::owner_id.eq(owner),
                contacts::contact_id.eq(target.id),
                contacts::created_at.eq(now()),
            ))
            .execute(c)
    })
    .on_unique(AppError::Conflict("already a contact"))?;
    Ok(target.to_user())
}

pub(crate) fn remove(conn: &mut AnyConnection, owner: UserId, contact: UserId) -> AppResult<()> {
    let removed = diesel::delete(
        contacts::table
            .filter(contacts::owner_id.eq(owner))
            .filter(contacts::contact_id.eq(contact)),
    )
    .execute(conn)?;
    if removed == 0 {
        return Err(AppError::NotFound("not a contact"));
    }
    Ok(())
}

/// Everyone who may see `user`'s presence: the people `user` added as contacts (blocking
/// removes contacts both ways, so no blocked pair is among them).
pub(crate) fn presence_audience(conn: &mut AnyConnection, user: UserId) -> AppResult<Vec<UserId>> {
    Ok(contacts::table
        .filter(contacts::owner_id.eq(user))
        .select(contacts::contact_id)
        .load(conn)?)
}

/// Which of `among` added `viewer` as a contact, i.e. whose presence `viewer` may see.
pub(crate) fn who_added(
    conn: &mut AnyConnection,
    viewer: UserId,
    among: &[UserId],
) -> AppResult<Vec<UserId>> {
    if among.is_empty() {
        return Ok(Vec::new());
    }
    Ok(contacts::table
        .filter(contacts::contact_id.eq(viewer))
        .filter(contacts::owner_id.eq_any(among))
        .select(contacts::owner_id)
        .load(conn)?)
}

/// For many viewers at once: `(viewer, owner)` for each of `among` who added a viewer as a
/// contact. One query, so a chat's presence is settled for all its members together (a
/// `chat_updated` to a thousand members would otherwise ask a thousand times).
pub(crate) fn who_added_each(
    conn: &mut AnyConnection,
    viewers: &[UserId],
    among: &[UserId],
) -> AppResult<Vec<(UserId, UserId)>> {
    if viewers.is_empty() || among.is_empty() {
        return Ok(Vec::new());
    }
    Ok(contacts::table
        .filter(contacts::contact_id.eq_any(viewers))
        .filter(contacts::owner_id.eq_any(among))
        .select((contacts::contact_id, contacts::owner_id))
        .load(conn)?)
}
