//! Every query, as plain synchronous functions over a connection, one module per table family;
//! row types in `rows`, membership checks in `members`. No HTTP, no sockets, no fan-out here:
//! callers run these through [`with_db`] (the blocking pool) and announce what changed.

pub(crate) mod batch_rows;
pub(crate) mod blocks;
pub(crate) mod chat_cursor;
pub(crate) mod chat_views;
pub(crate) mod chats;
pub(crate) mod contacts;
pub(crate) mod invites;
pub(crate) mod members;
mod message_batch_pg;
pub(crate) mod message_parts;
pub(crate) mod messages;
pub(crate) mod push_subscriptions;
pub(crate) mod reactions;
pub(crate) mod rooms;
pub(crate) mod rows;
pub(crate) mod search;
pub(crate) mod sessions;
pub(crate) mod stats;
pub(crate) mod system_lines;
pub(crate) mod uploads;
pub(crate) mod users;

#[cfg(test)]
mod tests;

use chat_protocol::UserId;
use chrono::{DateTime, NaiveDateTime, Timelike, Utc};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use crate::db::{AnyConnection, Pool};
use crate::error::AppError;

/// Runs `f` with a pooled connection on actix's blocking thread pool.
pub(crate) async fn with_db<T, F>(pool: &Pool, f: F) -> Result<T, AppError>
where
    T: Send + 'static,
    F: FnOnce(&mut AnyConnection) -> Result<T, AppError> + Send + 'static,
{
    let pool = pool.clone();
    actix_web::web::block(move || {
        let mut conn = pool.get()?;
        f(&mut conn)
    })
    .await
    .map_err(AppError::internal)?
}

/// A transaction that writes. On SQLite its first statement takes the write lock (what
/// `BEGIN IMMEDIATE` does): a deferred transaction that reads first and writes later fails with
/// `SQLITE_BUSY` instead of waiting when another writer commits in between.
pub(crate) fn write_tx<T, E>(
    conn: &mut AnyConnection,
    f: impl FnOnce(&mut AnyConnection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    conn.transaction(|c| {
        if let AnyConnection::Sqlite(sqlite) = c {
            sqlite.batch_execute("UPDATE chats SET last_seq = last_seq WHERE 0")?;
        }
        f(c)
    })
}

/// Now, at the millisecond precision the wire carries, so stored and sent times agree.
pub(crate) fn now() -> NaiveDateTime {
    let now = Utc::now().naive_utc();
    now.with_nanosecond(now.nanosecond() / 1_000_000 * 1_000_000)
        .unwrap_or(now)
}

pub(crate) fn to_utc(t: NaiveDateTime) -> DateTime<Utc> {
    DateTime::from_naive_utc_and_offset(t, Utc)
}

/// The key that makes a pair's direct chat unique, whichever side opens it.
pub(crate) fn direct_key(a: UserId, b: UserId) -> String {
    let (lo, hi) = if a < b { (a, b) } else { (b, a) };
    format!("{lo}:{hi}")
}

/// Turns a unique-index violation into the conflict the caller names; other errors pass.
pub(crate) trait OnUnique<T> {
    fn on_unique(self, conflict: AppError) -> Result<T, AppError>;
}

impl<T> OnUnique<T> for Result<T, diesel::result::Error> {
    fn on_unique(self, conflict: AppError) -> Result<T, AppError> {
        match self {
            Err(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            )) => Err(conflict),
            other => other.map_err(AppError::from),
        }
    }
}
