//! Refresh tokens, stored only as hashes, rotated on every use. A token presented after it was
//! rotated is a sign of theft: the whole family (every token descended from the same login) is
//! revoked, except within a short grace period after the rotation, when it is more likely a
//! second tab that refreshed at the same moment (it just gets 401).

use chat_protocol::{SessionId, UserId};
use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::rows::UserRow;
use super::{now, write_tx};
use crate::db::AnyConnection;
use crate::db::schema::{refresh_tokens, users};
use crate::error::{AppError, AppResult};

pub(crate) fn insert(
    conn: &mut AnyConnection,
    user_id: UserId,
    session: SessionId,
    token_hash: &str,
    expires_at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(refresh_tokens::table)
        .values((
            refresh_tokens::user_id.eq(user_id),
            refresh_tokens::family_id.eq(session),
            refresh_tokens::token_hash.eq(token_hash),
            refresh_tokens::created_at.eq(now()),
            refresh_tokens::expires_at.eq(expires_at),
        ))
        .execute(conn)?;
    Ok(())
}

enum RotateError {
    Refused(&'static str),
    /// Reuse detected: commit the family's revocation, then refuse.
    Reused(SessionId),
    Db(diesel::result::Error),
}

impl From<diesel::result::Error> for RotateError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Db(e)
    }
}

/// Spends the token with hash `presented` and stores `next` in its place; returns its owner.
pub(crate) fn rotate(
    conn: &mut AnyConnection,
    presented: &str,
    next: &str,
    next_expires_at: NaiveDateTime,
    grace_secs: i64,
) -> AppResult<UserRow> {
    let outcome = write_tx(conn, |c| {
        let row: Option<(i64, UserId, SessionId, NaiveDateTime, Option<NaiveDateTime>)> =
            refresh_tokens::table
                .filter(refresh_tokens::token_hash.eq(presented))
                .select((
                    refresh_tokens::id,
                    refresh_tokens::user_id,
                    refresh_tokens::family_id,
                    refresh_tokens::expires_at,
                    refresh_tokens::revoked_at,
                ))
                .first(c)
                .optional()?;
        let Some((id, user_id, session, expires_at, revoked_at)) = row else {
            return Err(RotateError::Refused("unknown refresh token"));
        };
        if let Some(revoked_at) = revoked_at {
            // Just rotated: most likely a second tab refreshing at the same moment.
            if revoked_at > now() - chrono::Duration::seconds(grace_secs) {
                return Err(RotateError::Refused("refresh token was just rotated"));
            }
            return Err(RotateError::Reused(session));
        }
        if expires_at <= now() {
            return Err(RotateError::Refused("refresh token expired"));
        }
        // Only one of two concurrent refreshes with the same token may win.
        let spent = diesel::update(
            refresh_tokens::table
                .filter(refresh_tokens::id.eq(id))
                .filter(refresh_tokens::revoked_at.is_null()),
        )
        .set(refresh_tokens::revoked_at.eq(now()))
        .execute(c)?;
        if spent != 1 {
            // A concurrent refresh with the same token won the race.
            return Err(RotateError::Refused("refresh token was just rotated"));
        }
        let owner: UserRow = users::table
            .find(user_id)
            .select(UserRow::as_select())
            .first(c)?;
        insert(c, owner.id, session, next, next_expires_at)?;
        Ok(owner)
    });
    match outcome {
        Ok(owner) => Ok(owner),
        Err(RotateError::Refused(why)) => Err(AppError::Unauthorized(why)),
        Err(RotateError::Reused(session)) => {
            revoke_session(conn, session)?;
            tracing::warn!("refresh token reused; its session family was revoked");
            Err(AppError::Unauthorized("refresh token was already used"))
        }
        Err(RotateError::Db(e)) => Err(e.into()),
    }
}

/// Revokes every token of the session (the family descended from one sign-in).
fn revoke_session(conn: &mut AnyConnection, session: SessionId) -> AppResult<()> {
    diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::family_id.eq(session))
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(now()))
    .execute(conn)?;
    Ok(())
}

/// Revokes the caller's token with this hash; someone else's token is left alone.
pub(crate) fn revoke(conn: &mut AnyConnection, user_id: UserId, token_hash: &str) -> AppResult<()> {
    diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::token_hash.eq(token_hash))
            .filter(refresh_tokens::user_id.eq(user_id))
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(now()))
    .execute(conn)?;
    Ok(())
}
