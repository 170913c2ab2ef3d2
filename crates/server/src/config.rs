//! Configuration from the environment, with mirroring command-line flags (`chat-server --help`),
//! and the policy that turns raw settings into the values the server runs with (defaults that
//! depend on the database, lower bounds). Parses and checks only: it opens nothing.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, Subcommand};

#[derive(Debug, Clone, Parser)]
#[command(
    name = "chat-server",
    version,
    about = "Real-time chat server (REST + WebSocket)"
)]
pub struct Config {
    /// Without a command the server runs; `admin …` works on the configured database instead.
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Address to listen on (host:port). Port 0 picks a free port; the bound address is printed.
    #[arg(long, env = "BIND_ADDR", default_value = "127.0.0.1:8080")]
    pub bind_addr: SocketAddr,

    /// `sqlite://path` or `postgres://…`. Default: an embedded SQLite file in the data folder.
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: Option<String>,

    /// Redis for fan-out and presence across instances. Unset: one instance, in-process fan-out.
    #[arg(long, env = "REDIS_URL")]
    pub redis_url: Option<String>,

    /// Folder for the embedded database and the generated JWT secret.
    #[arg(long, env = "DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,

    /// HS256 signing secret, at least 32 bytes. Environment only, so it never shows in `ps`.
    #[arg(skip)]
    pub jwt_secret: Option<String>,

    /// Sends per second per user (token bucket, burst of 5x); 0 turns the limit off.
    #[arg(long, env = "MESSAGE_RATE_LIMIT", default_value_t = 20)]
    pub message_rate_limit: u32,

    /// Sign-ups, logins and refreshes per second per client address (burst 5x); 0 turns it off.
    /// Behind a proxy every client shares the proxy's address: size it for that.
    #[arg(long, env = "AUTH_RATE_LIMIT", default_value_t = 10)]
    pub auth_rate_limit: u32,

    /// Seconds after a rotation during which presenting the old refresh token again is answered
    /// with 401 but not treated as theft (two tabs refreshing at once).
    #[arg(long, env = "REFRESH_REUSE_GRACE_SECS", default_value_t = 10)]
    pub refresh_reuse_grace_secs: i64,

    /// Lifetime of access tokens in seconds.
    #[arg(long, env = "ACCESS_TOKEN_TTL_SECS", default_value_t = 900)]
    pub access_token_ttl_secs: i64,

    /// Lifetime of refresh tokens in seconds (default 30 days).
    #[arg(long, env = "REFRESH_TOKEN_TTL_SECS", default_value_t = 30 * 24 * 3600)]
    pub refresh_token_ttl_secs: i64,

    /// Built web app to serve at `/` (with `index.html` as fallback for client routes).
    #[arg(long, env = "STATIC_DIR", default_value = "dist")]
    pub static_dir: PathBuf,

    /// How long to keep trying to reach the database at start (it may still be starting, e.g.
    /// in a fresh `docker compose up`) before giving up; 0 tries once.
    #[arg(long, env = "DATABASE_WAIT_SECS", default_value_t = 60)]
    pub database_wait_secs: u64,

    /// Messages older than this many days become tombstones (seq kept, text erased), swept
    /// in small batches in the background. Unset: messages are kept forever.
    #[arg(long, env = "MESSAGE_RETENTION_DAYS")]
    pub message_retention_days: Option<u32>,

    /// Database connections in the pool (default: 4 for SQLite, 16 for PostgreSQL).
    #[arg(long, env = "DB_POOL_SIZE")]
    pub db_pool_size: Option<u32>,

    /// Message writer threads (each commits batches for its share of chats). Default: 1 for
    /// SQLite (one writer at a time anyway), 4 for PostgreSQL.
    #[arg(long, env = "MESSAGE_WRITERS")]
    pub message_writers: Option<usize>,

    /// Seconds a presence entry lives in Redis without a heartbeat from its instance.
    #[arg(long, env = "PRESENCE_TTL_SECS", default_value_t = 30)]
    pub presence_ttl_secs: u64,

    /// Key prefix for everything this deployment keeps in Redis (lets deployments share one).
    #[arg(long, env = "REDIS_PREFIX", default_value = "chat")]
    pub redis_prefix: String,

    /// Seconds a WebSocket peer may stay silent (no frame, no pong) before it is dropped.
    #[arg(long, env = "WS_IDLE_TIMEOUT_SECS", default_value_t = 30)]
    pub ws_idle_timeout_secs: u64,

    /// Proxies (comma-separated CIDRs) whose `X-Forwarded-For` is believed: behind them, the
    /// client address for rate limits is the right-most forwarded address that is not theirs.
    #[arg(long, env = "TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Vec<ipnet::IpNet>,

    /// Token refreshes per second per client address (burst 5x); 0 turns it off. Generous: a
    /// refresh is no password guess.
    #[arg(long, env = "REFRESH_RATE_LIMIT", default_value_t = 100)]
    pub refresh_rate_limit: u32,

    /// WebSocket commands per second per socket, every kind counted (burst 5x); 0 turns it off.
    #[arg(long, env = "COMMAND_RATE_LIMIT", default_value_t = 50)]
    pub command_rate_limit: u32,

    /// REST writes (contacts, chats, members, sessions, blocks) per second per user (burst
    /// 5x); 0 turns it off.
    #[arg(long, env = "REST_WRITE_RATE_LIMIT", default_value_t = 10)]
    pub rest_write_rate_limit: u32,

    /// Most members a group may have, on creation and on every add.
    #[arg(long, env = "MAX_GROUP_MEMBERS", default_value_t = 1000)]
    pub max_group_members: usize,

    /// Sockets one user may hold open on this instance; one more is refused with 429.
    #[arg(long, env = "MAX_SOCKETS_PER_USER", default_value_t = 16)]
    pub max_sockets_per_user: usize,

    /// Message searches per second per user (burst 5×); beyond it 429. `0` = off.
    #[arg(long, env = "SEARCH_RATE_LIMIT", default_value_t = 10)]
    pub search_rate_limit: u32,

    /// HTTP worker threads (default: one per core).
    #[arg(long, env = "WORKERS")]
    pub workers: Option<usize>,

    /// `text` for people, `json` (one object per line) for log collectors.
    #[arg(long, env = "LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    /// Folder of uploaded files (default: `uploads` in the data folder).
    #[arg(long, env = "UPLOAD_DIR")]
    pub upload_dir: Option<PathBuf>,

    /// Keep uploads in this bucket of an S3-compatible store instead of `UPLOAD_DIR` (which
    /// then only stages files being received). Credentials: the usual `AWS_*` variables.
    #[arg(long, env = "UPLOAD_S3_BUCKET")]
    pub upload_s3_bucket: Option<String>,

    /// The S3-compatible store's address (unset: AWS itself), e.g. `http://127.0.0.1:9000`.
    #[arg(long, env = "UPLOAD_S3_ENDPOINT")]
    pub upload_s3_endpoint: Option<String>,

    /// The store's region (unset: `AWS_REGION`/`AWS_DEFAULT_REGION`, else `us-east-1`).
    #[arg(long, env = "UPLOAD_S3_REGION")]
    pub upload_s3_region: Option<String>,

    /// Largest upload in bytes (default 25 MiB); counted while the body streams in.
    #[arg(long, env = "MAX_UPLOAD_BYTES", default_value_t = 25 * 1024 * 1024)]
    pub max_upload_bytes: u64,

    /// Largest image decoded, in pixels (width x height, read from its header first); bigger
    /// images are refused with 422.
    #[arg(long, env = "UPLOAD_MAX_PIXELS", default_value_t = 40_000_000)]
    pub upload_max_pixels: u64,

    /// Lifetime of signed file links in seconds (re-signed whenever a message is returned).
    #[arg(long, env = "UPLOAD_URL_TTL_SECS", default_value_t = 3600)]
    pub upload_url_ttl_secs: i64,

    /// Uploads never attached to a message are removed this many seconds after upload.
    #[arg(long, env = "UPLOAD_UNATTACHED_SECS", default_value_t = 24 * 3600)]
    pub upload_unattached_secs: u64,

    /// Seconds between sweeps of unattached uploads and files of deleted messages.
    #[arg(long, env = "UPLOAD_SWEEP_SECS", default_value_t = 600)]
    pub upload_sweep_secs: u64,

    /// Web Push's VAPID signing key: a P-256 private key as 32 bytes of unpadded base64url (what
    /// `npx web-push generate-vapid-keys` prints as the private key). Unset: derived from the
    /// JWT secret, so every instance has the same one. Environment only.
    #[arg(skip)]
    pub vapid_private_key: Option<String>,

    /// Who push services may contact about this server's pushes (`mailto:` or `https:`).
    #[arg(long, env = "VAPID_SUBJECT", default_value = "mailto:admin@localhost")]
    pub vapid_subject: String,

    /// Lets push subscriptions point at plain http and private or loopback addresses. For tests
    /// with a local push service only: otherwise any user could make the server send requests
    /// into its own network.
    #[arg(long, env = "PUSH_ALLOW_PRIVATE", default_value_t = false)]
    pub push_allow_private: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// Operator commands on the configured database (SQLite or PostgreSQL); safe while the
    /// server runs: what they end (sessions, accounts) ends on every instance within seconds.
    #[command(subcommand)]
    Admin(AdminCommand),
}

/// `chat-server admin …`. Passwords are read from standard input (one line), never from the
/// command line, where `ps` would show them.
#[derive(Debug, Clone, Subcommand)]
pub enum AdminCommand {
    /// Creates an account (password on stdin).
    CreateUser { username: String },
    /// Sets a new password (on stdin) and ends every session of the account.
    ResetPassword { username: String },
    /// The account can no longer sign in; its sessions end and its sockets close.
    DisableUser { username: String },
    /// Lets a disabled account sign in again.
    EnableUser { username: String },
    /// Erases an account: its messages become tombstones (seq kept, text gone), it leaves
    /// every contact list, its name is freed, it can never sign in.
    DeleteUser {
        username: String,
        /// Required: this cannot be undone.
        #[arg(long)]
        yes: bool,
    },
    /// Lists the account's live sessions, or ends one (`--revoke <id>`) or all
    /// (`--revoke all`).
    Sessions {
        username: String,
        #[arg(long)]
        revoke: Option<String>,
    },
    /// Users, chats, messages and the database's size.
    Stats,
    /// A consistent copy of the database taken while it runs: SQLite's `VACUUM INTO` (a
    /// database file; restore by stopping the server and putting it in place of `chat.db`), or
    /// `pg_dump --format=custom` for PostgreSQL (restore with `pg_restore --dbname`).
    Backup { file: PathBuf },
}

impl Config {
    /// Parses flags and environment; the secrets are read from `JWT_SECRET` and
    /// `VAPID_PRIVATE_KEY` only.
    pub fn from_env_and_args() -> Self {
        let mut config = Self::parse();
        config.jwt_secret = std::env::var("JWT_SECRET").ok().filter(|s| !s.is_empty());
        config.vapid_private_key = std::env::var("VAPID_PRIVATE_KEY")
            .ok()
            .filter(|s| !s.is_empty());
        config
    }

    pub fn database_url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", self.data_dir.join("chat.db").display()))
    }

    /// Refuses settings the server cannot run with.
    pub(crate) fn check(&self) -> Result<(), String> {
        if self.access_token_ttl_secs <= 0 || self.refresh_token_ttl_secs <= 0 {
            return Err("token lifetimes must be positive".into());
        }
        if self.upload_url_ttl_secs <= 0 {
            return Err("UPLOAD_URL_TTL_SECS must be positive".into());
        }
        Ok(())
    }

    /// Message writer threads: SQLite has one writer at a time; PostgreSQL commits chats of
    /// different shards in parallel.
    pub(crate) fn writer_shards(&self, sqlite: bool) -> usize {
        match (self.message_writers, sqlite) {
            (_, true) => 1,
            (Some(n), false) => n.clamp(1, 64),
            (None, false) => 4,
        }
    }

    /// Pooled connections: those for requests plus one held by each message writer.
    pub(crate) fn pool_size(&self, sqlite: bool) -> u32 {
        let for_requests = self.db_pool_size.unwrap_or(if sqlite { 4 } else { 16 });
        let writers = u32::try_from(self.writer_shards(sqlite)).unwrap_or(64);
        for_requests + writers
    }

    /// A presence entry must outlive a few heartbeats (a third of it each).
    pub(crate) fn presence_ttl(&self) -> Duration {
        Duration::from_secs(self.presence_ttl_secs.max(3))
    }

    pub(crate) fn ws_idle_timeout(&self) -> Duration {
        Duration::from_secs(self.ws_idle_timeout_secs.max(1))
    }

    pub(crate) fn upload_dir(&self) -> PathBuf {
        self.upload_dir
            .clone()
            .unwrap_or_else(|| self.data_dir.join("uploads"))
    }

    pub(crate) fn refresh_grace_secs(&self) -> i64 {
        self.refresh_reuse_grace_secs.max(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Config {
        Config::parse_from(std::iter::once("chat-server").chain(args.iter().copied()))
    }

    #[test]
    fn sizes_depend_on_the_database() {
        let config = parse(&["--message-writers", "8"]);
        assert_eq!(config.writer_shards(true), 1, "SQLite has one writer");
        assert_eq!(config.writer_shards(false), 8);
        assert_eq!(config.pool_size(true), 5);
        assert_eq!(config.pool_size(false), 24);
        assert_eq!(parse(&["--message-writers", "0"]).writer_shards(false), 1);
        assert_eq!(parse(&[]).writer_shards(false), 4);
    }

    #[test]
    fn lower_bounds_and_checks() {
        let config = parse(&[
            "--presence-ttl-secs",
            "1",
            "--ws-idle-timeout-secs",
            "0",
            "--refresh-reuse-grace-secs=-5",
        ]);
        assert_eq!(config.presence_ttl(), Duration::from_secs(3));
        assert_eq!(config.ws_idle_timeout(), Duration::from_secs(1));
        assert_eq!(config.refresh_grace_secs(), 0);
        assert!(config.check().is_ok());
        assert!(parse(&["--access-token-ttl-secs", "0"]).check().is_err());
    }
}
