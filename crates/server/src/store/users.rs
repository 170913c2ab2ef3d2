use chat_protocol::User;
use diesel::prelude::*;
use uuid::Uuid;

use super::{is_unique_violation, now, parse_id, write_tx};
use crate::db::AnyConnection;
use crate::db::schema::users;
use crate::error::{AppError, AppResult};

#[derive(Debug, Clone, Queryable)]
pub struct UserRow {
    pub id: String,
    pub username: String,
    pub username_lower: String,
    pub password_hash: String,
    pub created_at: chrono::NaiveDateTime,
}

impl UserRow {
    pub fn to_user(&self) -> AppResult<User> {
        Ok(User {
            id: parse_id(&self.id)?,
            username: self.username.clone(),
        })
    }
}

/// `(id, username)` pairs as selected by joins, turned into wire users.
pub fn to_user(id: &str, username: &str) -> AppResult<User> {
    Ok(User {
        id: parse_id(id)?,
        username: username.to_owned(),
    })
}

pub fn create(conn: &mut AnyConnection, username: &str, password_hash: &str) -> AppResult<User> {
    let id = Uuid::new_v4();
    let lower = username.to_lowercase();
    let inserted = write_tx(conn, |c| {
        diesel::insert_into(users::table)
            .values((
                users::id.eq(id.to_string()),
                users::username.eq(username),
                users::username_lower.eq(&lower),
                users::password_hash.eq(password_hash),
                users::created_at.eq(now()),
            ))
            .execute(c)
    });
    match inserted {
        Ok(_) => Ok(User {
            id,
            username: username.to_owned(),
        }),
        Err(e) if is_unique_violation(&e) => Err(AppError::Conflict("username is taken")),
        Err(e) => Err(e.into()),
    }
}

pub fn find_by_name(conn: &mut AnyConnection, username: &str) -> AppResult<Option<UserRow>> {
    Ok(users::table
        .filter(users::username_lower.eq(username.to_lowercase()))
        .select(users::all_columns)
        .first::<UserRow>(conn)
        .optional()?)
}

pub fn find_by_id(conn: &mut AnyConnection, id: Uuid) -> AppResult<Option<UserRow>> {
    Ok(users::table
        .find(id.to_string())
        .select(users::all_columns)
        .first::<UserRow>(conn)
        .optional()?)
}

/// Users whose name starts with `prefix` (case-insensitively), the caller excluded.
pub fn search(
    conn: &mut AnyConnection,
    prefix: &str,
    exclude: Uuid,
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
    let rows: Vec<(String, String)> = users::table
        .filter(users::username_lower.like(pattern).escape('\\'))
        .filter(users::id.ne(exclude.to_string()))
        .order(users::username_lower.asc())
        .limit(limit as i64)
        .select((users::id, users::username))
        .load(conn)?;
    rows.iter().map(|(id, name)| to_user(id, name)).collect()
}
