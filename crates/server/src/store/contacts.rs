//! Contacts (one-directional: the owner's address book) and who may see a user's presence.

use chat_protocol::{User, UserId};
use diesel::prelude::*;

use super::rows::users_of;
use super::users::find_by_name;
use super::{OnUnique, now, write_tx};
use crate::db::AnyConnection;
use crate::db::schema::{chat_members, contacts, users};
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

/// Everyone who may see `user`'s presence: contacts in either direction and co-members of any
/// chat, `user` excluded.
pub(crate) fn presence_audience(conn: &mut AnyConnection, user: UserId) -> AppResult<Vec<UserId>> {
    let mut ids: Vec<UserId> = contacts::table
        .filter(contacts::contact_id.eq(user))
        .select(contacts::owner_id)
        .load(conn)?;
    ids.extend(
        contacts::table
            .filter(contacts::owner_id.eq(user))
            .select(contacts::contact_id)
            .load::<UserId>(conn)?,
    );
    let mine = diesel::alias!(chat_members as mine);
    let my_chats = mine
        .filter(mine.field(chat_members::user_id).eq(user))
        .select(mine.field(chat_members::chat_id));
    ids.extend(
        chat_members::table
            .filter(chat_members::chat_id.eq_any(my_chats))
            .select(chat_members::user_id)
            .distinct()
            .load::<UserId>(conn)?,
    );
    ids.retain(|id| *id != user);
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}
