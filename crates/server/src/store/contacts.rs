use chat_protocol::User;
use diesel::prelude::*;
use uuid::Uuid;

use super::users::{find_by_name, to_user};
use super::{is_unique_violation, now, write_tx};
use crate::db::AnyConnection;
use crate::db::schema::{chat_members, contacts, users};
use crate::error::{AppError, AppResult};

/// The owner's contacts, by username.
pub fn list(conn: &mut AnyConnection, owner: Uuid) -> AppResult<Vec<User>> {
    let rows: Vec<(String, String)> = contacts::table
        .inner_join(users::table.on(users::id.eq(contacts::contact_id)))
        .filter(contacts::owner_id.eq(owner.to_string()))
        .order(users::username_lower.asc())
        .select((users::id, users::username))
        .load(conn)?;
    rows.iter().map(|(id, name)| to_user(id, name)).collect()
}

pub fn add(conn: &mut AnyConnection, owner: Uuid, username: &str) -> AppResult<User> {
    let target = find_by_name(conn, username)?.ok_or(AppError::NotFound("no such user"))?;
    let user = target.to_user()?;
    if user.id == owner {
        return Err(AppError::Validation(
            "you cannot add yourself as a contact".into(),
        ));
    }
    let inserted = write_tx(conn, |c| {
        diesel::insert_into(contacts::table)
            .values((
                contacts::owner_id.eq(owner.to_string()),
                contacts::contact_id.eq(&target.id),
                contacts::created_at.eq(now()),
            ))
            .execute(c)
    });
    match inserted {
        Ok(_) => Ok(user),
        Err(e) if is_unique_violation(&e) => Err(AppError::Conflict("already a contact")),
        Err(e) => Err(e.into()),
    }
}

pub fn remove(conn: &mut AnyConnection, owner: Uuid, contact: Uuid) -> AppResult<()> {
    let removed = diesel::delete(
        contacts::table
            .filter(contacts::owner_id.eq(owner.to_string()))
            .filter(contacts::contact_id.eq(contact.to_string())),
    )
    .execute(conn)?;
    if removed == 0 {
        return Err(AppError::NotFound("not a contact"));
    }
    Ok(())
}

/// Everyone who may see `user`'s presence: contacts in either direction and co-members of any
/// chat, `user` excluded.
pub fn presence_audience(conn: &mut AnyConnection, user: Uuid) -> AppResult<Vec<Uuid>> {
    let me = user.to_string();
    let mut ids: Vec<String> = contacts::table
        .filter(contacts::contact_id.eq(&me))
        .select(contacts::owner_id)
        .load(conn)?;
    ids.extend(
        contacts::table
            .filter(contacts::owner_id.eq(&me))
            .select(contacts::contact_id)
            .load::<String>(conn)?,
    );
    let mine = diesel::alias!(chat_members as mine);
    let my_chats = mine
        .filter(mine.field(chat_members::user_id).eq(&me))
        .select(mine.field(chat_members::chat_id));
    ids.extend(
        chat_members::table
            .filter(chat_members::chat_id.eq_any(my_chats))
            .select(chat_members::user_id)
            .distinct()
            .load::<String>(conn)?,
    );
    let mut audience: Vec<Uuid> = ids
        .iter()
        .filter_map(|id| Uuid::parse_str(id).ok())
        .filter(|id| *id != user)
        .collect();
    audience.sort_unstable();
    audience.dedup();
    Ok(audience)
}
