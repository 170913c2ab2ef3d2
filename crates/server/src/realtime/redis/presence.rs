//! Presence across instances: per-user sorted sets of the instances that have the user's
//! sockets open, scored by expiry and renewed by heartbeats, so the global first open and last
//! close are decided atomically (Lua) and a crashed instance's users expire.

use std::time::Duration;

use chat_protocol::UserId;
use deadpool_redis::redis::{self, AsyncCommands};
use uuid::Uuid;

use super::{RedisError, RedisLink, timed};

/// Adds this instance to the user's set, drops expired entries, and answers how many instances
/// have the user online: 1 means this open made the user online everywhere.
const OPEN_SCRIPT: &str = r"
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[5])
return redis.call('ZCARD', KEYS[1])
";

/// Removes this instance from the user's set; 0 left means the user just went offline.
const CLOSE_SCRIPT: &str = r"
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
redis.call('ZREM', KEYS[2], ARGV[3])
return redis.call('ZCARD', KEYS[1])
";

pub(crate) struct RedisPresence {
    link: RedisLink,
    ttl: Duration,
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

impl RedisPresence {
    pub(crate) fn new(link: RedisLink, ttl: Duration) -> Self {
        Self { link, ttl }
    }

    pub(crate) fn heartbeat_interval(&self) -> Duration {
        self.ttl / 3
    }

    fn ttl_ms(&self) -> i64 {
        i64::try_from(self.ttl.as_millis()).unwrap_or(i64::MAX / 4)
    }

    fn index_member(&self, user: UserId, instance: Uuid) -> String {
        format!("{user}:{instance}")
    }

    /// True when no other instance has the user online.
    pub(crate) async fn opened(&self, user: UserId) -> Result<bool, RedisError> {
        let now = now_ms();
        let expiry = now + self.ttl_ms();
        let count: i64 = timed(async {
            let mut conn = self.link.conn().await?;
            Ok(redis::cmd("EVAL")
                .arg(OPEN_SCRIPT)
                .arg(2)
                .arg(self.link.user_key(user))
                .arg(self.link.index_key())
                .arg(self.link.instance.to_string())
                .arg(expiry)
                .arg(now)
                .arg(self.ttl_ms() * 2)
                .arg(self.index_member(user, self.link.instance))
                .query_async(&mut conn)
                .await?)
        })
        .await?;
        Ok(count == 1)
    }

    /// True when no instance has the user online any more.
    pub(crate) async fn closed(&self, user: UserId) -> Result<bool, RedisError> {
        self.remove(user, self.link.instance).await
    }

    async fn remove(&self, user: UserId, instance: Uuid) -> Result<bool, RedisError> {
        let count: i64 = timed(async {
            let mut conn = self.link.conn().await?;
            Ok(redis::cmd("EVAL")
                .arg(CLOSE_SCRIPT)
                .arg(2)
                .arg(self.link.user_key(user))
                .arg(self.link.index_key())
                .arg(instance.to_string())
                .arg(now_ms())
                .arg(self.index_member(user, instance))
                .query_async(&mut conn)
                .await?)
        })
        .await?;
        Ok(count == 0)
    }

    pub(crate) async fn online(&self, users: &[UserId]) -> Result<Vec<bool>, RedisError> {
        if users.is_empty() {
            return Ok(Vec::new());
        }
        let now = now_ms();
        let counts: Vec<i64> = timed(async {
            let mut conn = self.link.conn().await?;
            let mut pipe = redis::pipe();
            for user in users {
                pipe.zcount(self.link.user_key(*user), now, "+inf");
            }
            Ok(pipe.query_async(&mut conn).await?)
        })
        .await?;
        Ok(counts.into_iter().map(|c| c > 0).collect())
    }

    /// Renews this instance's entries for `local_users` (which also rebuilds them after Redis
    /// lost its data), then reaps entries of instances that stopped renewing. Returns the users
    /// who thereby went offline everywhere.
    pub(crate) async fn heartbeat(
        &self,
        local_users: &[UserId],
    ) -> Result<Vec<UserId>, RedisError> {
        let now = now_ms();
        let expiry = now + self.ttl_ms();
        timed(async {
            let mut conn = self.link.conn().await?;
            for chunk in local_users.chunks(500) {
                let mut pipe = redis::pipe();
                for user in chunk {
                    let key = self.link.user_key(*user);
                    pipe.zadd(&key, self.link.instance.to_string(), expiry)
                        .ignore();
                    pipe.pexpire(&key, self.ttl_ms() * 2).ignore();
                    pipe.zadd(
                        self.link.index_key(),
                        self.index_member(*user, self.link.instance),
                        expiry,
                    )
                    .ignore();
                }
                pipe.query_async::<()>(&mut conn).await?;
            }
            Ok(())
        })
        .await?;

        let expired: Vec<String> = timed(async {
            let mut conn = self.link.conn().await?;
            Ok(conn
                .zrangebyscore_limit(self.link.index_key(), "-inf", now, 0, 1000)
                .await?)
        })
        .await?;
        let mut offline = Vec::new();
        for member in expired {
            let Some((user, instance)) = member
                .split_once(':')
                .and_then(|(u, i)| Some((u.parse::<UserId>().ok()?, i.parse::<Uuid>().ok()?)))
            else {
                continue;
            };
            // Of all instances reaping at once, the one whose ZREM removed the entry announces.
            let won: i64 = timed(async {
                let mut conn = self.link.conn().await?;
                Ok(conn.zrem(self.link.index_key(), &member).await?)
            })
            .await?;
            if won == 1 && self.remove(user, instance).await? {
                offline.push(user);
            }
        }
        Ok(offline)
    }
}
