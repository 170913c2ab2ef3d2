//! Every query, as plain functions over a connection; no HTTP types here. Handlers call them
//! through [`with_db`], which runs them on the blocking pool.

pub mod chats;
pub mod contacts;
pub mod messages;
pub mod tokens;
pub mod users;

use chrono::{DateTime, NaiveDateTime, Timelike, Utc};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use uuid::Uuid;

use crate::db::{AnyConnection, Pool};
use crate::error::AppError;

/// Runs `f` with a pooled connection on actix's blocking thread pool.
pub async fn with_db<T, F>(pool: &Pool, f: F) -> Result<T, AppError>
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
pub fn write_tx<T, E>(
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
pub fn now() -> NaiveDateTime {
    let now = Utc::now().naive_utc();
    now.with_nanosecond(now.nanosecond() / 1_000_000 * 1_000_000)
        .unwrap_or(now)
}

pub fn to_utc(t: NaiveDateTime) -> DateTime<Utc> {
    DateTime::from_naive_utc_and_offset(t, Utc)
}

/// Ids we stored ourselves; a value that does not parse means the database was tampered with.
pub fn parse_id(raw: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(raw).map_err(|e| AppError::internal(format!("stored id {raw:?}: {e}")))
}

pub fn is_unique_violation(e: &diesel::result::Error) -> bool {
    matches!(
        e,
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)
    )
}
