//! One connection type over SQLite and PostgreSQL, chosen at runtime from `DATABASE_URL`, with an
//! r2d2 pool whose manager applies SQLite's per-connection settings, and embedded migrations.
//! Connections and schema only: queries live in `store`.

pub(crate) mod schema;
mod types;

pub(crate) use types::ClientKey;

use std::path::{Path, PathBuf};
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2::{self, R2D2Connection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");
const PG_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");

#[derive(diesel::MultiConnection)]
pub(crate) enum AnyConnection {
    Postgresql(PgConnection),
    // Last: SQLite accepts any string as a path.
    Sqlite(SqliteConnection),
}

/// Runs the same diesel code on the backend's own connection type. Hot paths use it: through
/// `AnyConnection` every execution re-serializes its SQL, natively a prepared statement is
/// reused. The body is type-checked once per backend.
#[macro_export]
macro_rules! on_native {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::AnyConnection::Postgresql($c) => $body,
            $crate::db::AnyConnection::Sqlite($c) => $body,
        }
    };
}

pub(crate) type Pool = r2d2::Pool<Manager>;
pub(crate) type PooledConnection = r2d2::PooledConnection<Manager>;

/// Where the data lives, parsed from `DATABASE_URL`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DatabaseTarget {
    Postgres(String),
    Sqlite(PathBuf),
}

impl DatabaseTarget {
    /// `postgres://…` / `postgresql://…`, or `sqlite://path` / `sqlite:path` / a bare path.
    pub(crate) fn parse(url: &str) -> Self {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Self::Postgres(url.to_owned());
        }
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or(url);
        Self::Sqlite(PathBuf::from(path))
    }

    pub(crate) fn is_sqlite(&self) -> bool {
        matches!(self, Self::Sqlite(_))
    }

    /// A description safe for logs: never the PostgreSQL password.
    pub(crate) fn describe(&self) -> String {
        match self {
            Self::Postgres(url) => {
                let host = url.rsplit('@').next().unwrap_or("postgres");
                let host = host.split('?').next().unwrap_or(host);
                format!("postgres ({host})")
            }
            Self::Sqlite(path) => format!("sqlite ({})", path.display()),
        }
    }
}

pub(crate) struct Manager {
    target: DatabaseTarget,
}

fn establish(target: &DatabaseTarget) -> ConnectionResult<AnyConnection> {
    match target {
        // Dispatch ourselves: `AnyConnection::establish` hides the real error.
        DatabaseTarget::Postgres(url) => {
            Ok(AnyConnection::Postgresql(PgConnection::establish(url)?))
        }
        DatabaseTarget::Sqlite(path) => {
            let mut conn = SqliteConnection::establish(&path.to_string_lossy())?;
            // busy_timeout and foreign_keys are per connection; WAL persists in the file. The timeout
            // comes first: switching to WAL needs a lock that other new connections may hold.
            // synchronous=FULL: a message echoed to its sender survives a power loss, too.
            conn.batch_execute(
                "PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; \
                 PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;",
            )
            .map_err(ConnectionError::CouldntSetupConfiguration)?;
            Ok(AnyConnection::Sqlite(conn))
        }
    }
}

impl r2d2::ManageConnection for Manager {
    type Connection = AnyConnection;
    type Error = ConnectionError;

    fn connect(&self) -> Result<AnyConnection, ConnectionError> {
        establish(&self.target)
    }

    fn is_valid(&self, conn: &mut AnyConnection) -> Result<(), ConnectionError> {
        conn.ping()
            .map_err(ConnectionError::CouldntSetupConfiguration)
    }

    fn has_broken(&self, conn: &mut AnyConnection) -> bool {
        conn.is_broken()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("cannot create the data folder {0}: {1}")]
    DataDir(PathBuf, std::io::Error),
    #[error("cannot check out a connection: {0}")]
    Checkout(String),
    #[error("migrations failed: {0}")]
    Migrate(String),
}

/// One attempt to reach the database at start; the caller retries (`DATABASE_WAIT_SECS`).
const FIRST_CONNECTION: Duration = Duration::from_secs(2);

/// Opens the pool and applies pending migrations. `Checkout` when the database cannot be
/// reached (yet).
pub(crate) fn connect(target: &DatabaseTarget, max_size: u32) -> Result<Pool, SetupError> {
    if let DatabaseTarget::Sqlite(path) = target {
        ensure_parent(path)?;
    }
    // Unchecked: the first checkout below says whether the database answers, within its own
    // short timeout, so start-up can retry rather than block.
    let pool = r2d2::Pool::builder()
        .max_size(max_size)
        .connection_timeout(Duration::from_secs(10))
        .build_unchecked(Manager {
            target: target.clone(),
        });
    let mut conn = pool
        .get_timeout(FIRST_CONNECTION)
        .map_err(|e| SetupError::Checkout(e.to_string()))?;
    run_migrations(&mut conn)?;
    Ok(pool)
}

/// One connection, no pool, migrations applied: for short-lived commands (`chat-server
/// admin`). A pool fills itself from background threads; one of them still inside libpq's
/// connect when the process exits crashed the exit (status 1 after a printed success).
pub(crate) fn connect_one(target: &DatabaseTarget) -> Result<AnyConnection, SetupError> {
    if let DatabaseTarget::Sqlite(path) = target {
        ensure_parent(path)?;
    }
    let mut conn = establish(target).map_err(|e| SetupError::Checkout(e.to_string()))?;
    run_migrations(&mut conn)?;
    Ok(conn)
}

impl SetupError {
    /// Whether the database could not be reached at all (it may be starting: worth waiting
    /// for), rather than refusing us (wrong password, no such database: waiting cannot help).
    pub(crate) fn is_unreachable(&self) -> bool {
        const REFUSALS: [&str; 3] = [
            "authentication failed",
            "does not exist",
            "no pg_hba.conf entry",
        ];
        matches!(self, Self::Checkout(message) if !REFUSALS.iter().any(|r| message.contains(r)))
    }
}

fn ensure_parent(path: &Path) -> Result<(), SetupError> {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => {
            std::fs::create_dir_all(dir).map_err(|e| SetupError::DataDir(dir.to_path_buf(), e))
        }
        _ => Ok(()),
    }
}

/// Any fixed number: the PostgreSQL advisory lock migrating instances take.
const MIGRATION_LOCK: i64 = 0x6368_6174_6d69_6772; // "chatmigr"

fn run_migrations(conn: &mut AnyConnection) -> Result<(), SetupError> {
    let applied = match conn {
        // Instances starting together on an empty database would race to create the same
        // tables; the lock makes the second wait and then find nothing pending.
        AnyConnection::Postgresql(c) => {
            let lock = |c: &mut PgConnection, sql: &str| {
                diesel::sql_query(sql)
                    .bind::<diesel::sql_types::BigInt, _>(MIGRATION_LOCK)
                    .execute(c)
                    .map_err(|e| SetupError::Migrate(e.to_string()))
            };
            lock(c, "SELECT pg_advisory_lock($1)")?;
            let applied = c.run_pending_migrations(PG_MIGRATIONS).map(|v| v.len());
            lock(c, "SELECT pg_advisory_unlock($1)")?;
            applied
        }
        AnyConnection::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS).map(|v| v.len()),
    }
    .map_err(|e| SetupError::Migrate(e.to_string()))?;
    if applied > 0 {
        tracing::info!(applied, "database migrations applied");
    }
    Ok(())
}

/// SQLite only: copies the WAL back into the database every 100 ms from a thread of its own.
/// SQLite's automatic checkpoint still bounds and restarts the WAL, but it runs inside the
/// commit that crosses 1000 pages and copies everything not yet copied: that commit stalled
/// the message writer for tens of ms (p99 27 ms at half load). With PASSIVE checkpoints (they
/// never wait for anyone) keeping up in the background, little is left for it to copy.
/// Measured alternatives: no automatic checkpoint left the WAL at 1 GB after 20 s of load, and
/// a TRUNCATE checkpoint past 64 MB stalled writers for ~100 ms.
pub(crate) fn spawn_checkpointer(pool: Pool) {
    let spawned = std::thread::Builder::new()
        .name("sqlite-checkpoint".into())
        .spawn(move || {
            loop {
                std::thread::sleep(Duration::from_millis(100));
                if let Ok(mut conn) = pool.get()
                    && let Err(e) = conn.batch_execute("PRAGMA wal_checkpoint(PASSIVE);")
                {
                    tracing::warn!(error = %e, "WAL checkpoint failed");
                }
            }
        });
    if let Err(e) = spawned {
        tracing::error!(error = %e, "cannot start the WAL checkpointer");
    }
}

/// True when the database answers a trivial query.
pub(crate) fn ping(pool: &Pool) -> bool {
    pool.get().map(|mut c| c.ping().is_ok()).unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_urls() {
        assert_eq!(
            DatabaseTarget::parse("sqlite://data/chat.db"),
            DatabaseTarget::Sqlite("data/chat.db".into())
        );
        assert_eq!(
            DatabaseTarget::parse("sqlite:/tmp/x.db"),
            DatabaseTarget::Sqlite("/tmp/x.db".into())
        );
        assert!(!DatabaseTarget::parse("postgresql://u@h/db").is_sqlite());
        let pg = DatabaseTarget::parse("postgres://user:hunter2@db:5432/chat?sslmode=require");
        assert_eq!(pg.describe(), "postgres (db:5432/chat)");
    }

    fn tables(c: &mut SqliteConnection) -> Vec<String> {
        #[derive(QueryableByName)]
        struct Name {
            #[diesel(sql_type = diesel::sql_types::Text)]
            name: String,
        }
        diesel::sql_query(
            "SELECT name FROM sqlite_master WHERE type = 'table' \
             AND name NOT LIKE 'sqlite_%' AND name != '__diesel_schema_migrations' ORDER BY name",
        )
        .load::<Name>(c)
        .expect("list tables")
        .into_iter()
        .map(|n| n.name)
        .collect()
    }

    #[test]
    fn migrations_run_up_down_up_on_sqlite() {
        let dir = std::env::temp_dir().join(format!("chat-mig-{}", uuid::Uuid::new_v4()));
        let target = DatabaseTarget::Sqlite(dir.join("m.db"));
        let pool = connect(&target, 1).expect("migrates");
        let mut conn = pool.get().expect("a connection");
        let AnyConnection::Sqlite(c) = &mut *conn else {
            panic!("a sqlite:// target must open a SQLite connection");
        };
        let schema = tables(c);
        let want = [
            "blocks",
            "chat_invites",
            "chat_members",
            "chats",
            "contacts",
            "message_mentions",
            "message_reactions",
            "messages",
            // The search index (FTS5 keeps its data in tables of its own).
            "messages_fts",
            "messages_fts_config",
            "messages_fts_data",
            "messages_fts_docsize",
            "messages_fts_idx",
            "messages_fts_progress",
            "push_subscriptions",
            "refresh_tokens",
            "sessions",
            "uploads",
            "users",
        ];
        assert_eq!(schema, want);
        c.revert_all_migrations(SQLITE_MIGRATIONS)
            .expect("down.sql works");
        assert!(tables(c).is_empty(), "down.sql leaves no table behind");
        c.run_pending_migrations(SQLITE_MIGRATIONS)
            .expect("up again");
        assert_eq!(tables(c), want, "the schema is back after the second up");
        drop(conn);
        let _ = std::fs::remove_dir_all(dir);
    }
}
