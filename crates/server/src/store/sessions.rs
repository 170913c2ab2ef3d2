//! Sessions and their refresh tokens. A session is one sign-in; its refresh tokens are stored
//! only as hashes and rotate on every use. A token presented after it was rotated is a sign of
//! theft: the whole session is revoked, except within a short grace period after the rotation,
//! when it is more likely a second tab that refreshed at the same moment (it just gets 401).
//! Sessions end by logout, by their owner from another device, or by that theft detection;
//! the revocation recorded here is what every instance polls (`revoked_since`) to close the
//! session's sockets and refuse its access tokens.

use chat_protocol::{SessionId, UserId};
use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::rows::UserRow;
use super::{now, write_tx};
use crate::db::AnyConnection;
use crate::db::schema::{refresh_tokens, sessions, users};
use crate::error::{AppError, AppResult};

/// Longest user agent kept; browsers send ~150 characters.
const USER_AGENT_MAX: usize = 256;

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = sessions)]
pub(crate) struct SessionRow {
    pub id: SessionId,
    pub created_at: NaiveDateTime,
    pub last_used_at: NaiveDateTime,
    pub user_agent: Option<String>,
}

/// A readable, bounded user agent, or none.
fn clean_user_agent(raw: Option<&str>) -> Option<String> {
    let cleaned: String = raw?
        .chars()
        .filter(|c| !c.is_control())
        .take(USER_AGENT_MAX)
        .collect();
    Some(cleaned).filter(|s| !s.trim().is_empty())
}

/// Starts a session with its first refresh token, in one transaction.
pub(crate) fn start(
    conn: &mut AnyConnection,
    user: UserId,
    session: SessionId,
    user_agent: Option<&str>,
    token_hash: &str,
    token_expires_at: NaiveDateTime,
) -> AppResult<()> {
    let at = now();
    write_tx(conn, |c| {
        diesel::insert_into(sessions::table)
            .values((
                sessions::id.eq(session),
                sessions::user_id.eq(user),
                sessions::created_at.eq(at),
                sessions::last_used_at.eq(at),
                sessions::user_agent.eq(clean_user_agent(user_agent)),
            ))
            .execute(c)?;
        insert(c, user, session, token_hash, token_expires_at)
    })?;
    Ok(())
}

/// The owner's sessions that are neither revoked nor idle since `active_after` (when their
/// last refresh token would have expired), most recently used first.
pub(crate) fn list_live(
    conn: &mut AnyConnection,
    owner: UserId,
    active_after: NaiveDateTime,
) -> AppResult<Vec<SessionRow>> {
    Ok(sessions::table
        .filter(sessions::user_id.eq(owner))
        .filter(sessions::revoked_at.is_null())
        .filter(sessions::last_used_at.gt(active_after))
        .order((sessions::last_used_at.desc(), sessions::id.asc()))
        .select(SessionRow::as_select())
        .load(conn)?)
}

/// Whether the session exists and is not revoked.
pub(crate) fn is_live(conn: &mut AnyConnection, session: SessionId) -> QueryResult<bool> {
    let revoked: Option<Option<NaiveDateTime>> = sessions::table
        .find(session)
        .select(sessions::revoked_at)
        .first(conn)
        .optional()?;
    Ok(matches!(revoked, Some(None)))
}

pub(crate) fn touch(conn: &mut AnyConnection, session: SessionId) -> QueryResult<()> {
    diesel::update(sessions::table.find(session))
        .set(sessions::last_used_at.eq(now()))
        .execute(conn)?;
    Ok(())
}

/// Ends a session of `owner` and every refresh token of it. False when there is no such live
/// session of theirs (someone else's id says nothing either).
pub(crate) fn revoke(
    conn: &mut AnyConnection,
    owner: UserId,
    session: SessionId,
) -> AppResult<bool> {
    write_tx(conn, |c| {
        let ended = diesel::update(
            sessions::table
                .filter(sessions::id.eq(session))
                .filter(sessions::user_id.eq(owner))
                .filter(sessions::revoked_at.is_null()),
        )
        .set(sessions::revoked_at.eq(now()))
        .execute(c)?;
        if ended == 1 {
            revoke_tokens(c, session)?;
        }
        Ok(ended == 1)
    })
}

/// Ends every live session of `owner` but `keep` (the caller's own, when it changes its
/// password), with their refresh tokens; the sessions ended.
pub(crate) fn revoke_all(
    conn: &mut AnyConnection,
    owner: UserId,
    keep: Option<SessionId>,
) -> AppResult<Vec<SessionId>> {
    write_tx(conn, |c| {
        let live: Vec<SessionId> = sessions::table
            .filter(sessions::user_id.eq(owner))
            .filter(sessions::revoked_at.is_null())
            .select(sessions::id)
            .load(c)?;
        let ended: Vec<SessionId> = live.into_iter().filter(|s| Some(*s) != keep).collect();
        for session in &ended {
            revoke_any(c, *session)?;
            revoke_tokens(c, *session)?;
        }
        Ok(ended)
    })
}

/// Ends a session whatever its owner (refresh-token reuse was detected).
pub(crate) fn revoke_any(conn: &mut AnyConnection, session: SessionId) -> QueryResult<()> {
    diesel::update(
        sessions::table
            .filter(sessions::id.eq(session))
            .filter(sessions::revoked_at.is_null()),
    )
    .set(sessions::revoked_at.eq(now()))
    .execute(conn)?;
    revoke_tokens(conn, session)
}

/// Ends what a session holds: its refresh tokens, and its Web Push subscription (an ended
/// sign-in must not keep receiving messages on that browser).
fn revoke_tokens(conn: &mut AnyConnection, session: SessionId) -> QueryResult<()> {
    super::push_subscriptions::forget_session(conn, session)?;
    diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::family_id.eq(session))
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(now()))
    .execute(conn)?;
    Ok(())
}

/// The session a refresh token of `owner` belongs to.
pub(crate) fn of_token(
    conn: &mut AnyConnection,
    owner: UserId,
    token_hash: &str,
) -> AppResult<Option<SessionId>> {
    Ok(refresh_tokens::table
        .filter(refresh_tokens::token_hash.eq(token_hash))
        .filter(refresh_tokens::user_id.eq(owner))
        .select(refresh_tokens::family_id)
        .first(conn)
        .optional()?)
}

/// Sessions revoked at or after `since`.
pub(crate) fn revoked_since(
    conn: &mut AnyConnection,
    since: NaiveDateTime,
) -> AppResult<Vec<SessionId>> {
    Ok(sessions::table
        .filter(sessions::revoked_at.ge(since))
        .select(sessions::id)
        .load(conn)?)
}

/// Deletes what can no longer be used: refresh tokens past their expiry or of sessions ended
/// before `ended_before`, and those sessions (revoked before `ended_before`, or idle since
/// `idle_since`). Rotated tokens of live sessions stay until they expire: presenting one again
/// is how theft is detected. Returns (tokens, sessions) deleted.
pub(crate) fn purge(
    conn: &mut AnyConnection,
    ended_before: NaiveDateTime,
    idle_since: NaiveDateTime,
) -> AppResult<(usize, usize)> {
    write_tx(conn, |c| {
        let dead = sessions::table
            .filter(
                sessions::revoked_at
                    .lt(ended_before)
                    .or(sessions::last_used_at.lt(idle_since)),
            )
            .select(sessions::id);
        let tokens = diesel::delete(
            refresh_tokens::table.filter(
                refresh_tokens::expires_at
                    .lt(now())
                    .or(refresh_tokens::family_id.eq_any(dead)),
            ),
        )
        .execute(c)?;
        let sessions = diesel::delete(
            sessions::table.filter(
                sessions::revoked_at
                    .lt(ended_before)
                    .or(sessions::last_used_at.lt(idle_since)),
            ),
        )
        .execute(c)?;
        Ok((tokens, sessions))
    })
}

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

/// Spends the token with hash `presented` and stores `next` in its place; returns its owner
/// and their session. Refused for a token of an ended session.
pub(crate) fn rotate(
    conn: &mut AnyConnection,
    presented: &str,
    next: &str,
    next_expires_at: NaiveDateTime,
    grace_secs: i64,
) -> AppResult<(UserRow, SessionId)> {
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
        if !is_live(c, session)? {
            return Err(RotateError::Refused("session ended; sign in again"));
        }
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
        touch(c, session)?;
        Ok((owner, session))
    });
    match outcome {
        Ok(done) => Ok(done),
        Err(RotateError::Refused(why)) => Err(AppError::Unauthorized(why)),
        Err(RotateError::Reused(session)) => {
            revoke_any(conn, session)?;
            tracing::warn!("refresh token reused; its session family was revoked");
            Err(AppError::Unauthorized("refresh token was already used"))
        }
        Err(RotateError::Db(e)) => Err(e.into()),
    }
}
