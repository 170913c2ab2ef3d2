//! Redis as the link between instances: one pub/sub channel carries every event (each instance
//! delivers what concerns its own sockets), and per-user sorted sets hold which instances have
//! a user's sockets open, with expiring scores so a crashed instance's users go offline.
//!
//! Redis is not the source of truth: messages are in the database. If Redis goes away, each
//! instance keeps serving its own sockets and storing messages, reports not ready, and
//! reconnects with backoff; when the link is back it tells its clients to `resync` (refetch
//! with `after_seq`), so nothing stored meanwhile is missed.
//!
//! This module holds the link (pool, subscriber client, key names); `envelope` is the wire
//! format on the channel, `fanout` the publisher and subscriber, `presence` the Lua scripts.

mod envelope;
mod fanout;
mod presence;

pub(super) use fanout::RedisBroker;
pub(super) use presence::RedisPresence;

use std::sync::Arc;
use std::time::Duration;

use chat_protocol::UserId;
use deadpool_redis::redis;
use uuid::Uuid;

const OP_TIMEOUT: Duration = Duration::from_secs(2);

#[derive(Debug, thiserror::Error)]
pub(crate) enum RedisError {
    #[error("redis: {0}")]
    Redis(#[from] redis::RedisError),
    #[error("redis pool: {0}")]
    Pool(#[from] deadpool_redis::PoolError),
    #[error("redis did not answer in time")]
    Timeout,
    #[error("invalid REDIS_URL: {0}")]
    Config(String),
}

async fn timed<T>(op: impl Future<Output = Result<T, RedisError>>) -> Result<T, RedisError> {
    tokio::time::timeout(OP_TIMEOUT, op)
        .await
        .unwrap_or(Err(RedisError::Timeout))
}

/// What every Redis user here shares: the pool, the client for the subscriber connection, key
/// names, and this instance's id.
#[derive(Clone)]
pub(crate) struct RedisLink {
    pool: deadpool_redis::Pool,
    client: redis::Client,
    prefix: Arc<str>,
    pub instance: Uuid,
}

impl RedisLink {
    pub(crate) fn new(url: &str, prefix: &str) -> Result<Self, RedisError> {
        let client = redis::Client::open(url)?;
        let pool = deadpool_redis::Config::from_url(url)
            .builder()
            .map_err(|e| RedisError::Config(e.to_string()))?
            .max_size(16)
            .wait_timeout(Some(OP_TIMEOUT))
            .create_timeout(Some(OP_TIMEOUT))
            .runtime(deadpool_redis::Runtime::Tokio1)
            .build()
            .map_err(|e| RedisError::Config(e.to_string()))?;
        Ok(Self {
            pool,
            client,
            prefix: prefix.into(),
            instance: Uuid::new_v4(),
        })
    }

    fn channel(&self) -> String {
        format!("{}:events", self.prefix)
    }

    fn user_key(&self, user: UserId) -> String {
        format!("{}:presence:{user}", self.prefix)
    }

    fn index_key(&self) -> String {
        format!("{}:presence-expiry", self.prefix)
    }

    async fn conn(&self) -> Result<deadpool_redis::Connection, RedisError> {
        Ok(self.pool.get().await?)
    }

    pub(crate) async fn ping(&self) -> bool {
        timed(async {
            let mut conn = self.conn().await?;
            let _: String = redis::cmd("PING").query_async(&mut conn).await?;
            Ok(())
        })
        .await
        .is_ok()
    }
}
