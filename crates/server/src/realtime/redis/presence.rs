//! Presence across instances: per-user sorted sets of the instances that have the user's
//! sockets open, scored by expiry and renewed by heartbeats, so the global first open and last
//! close are decided atomically (Lua) and a crashed instance's users expire.

use std::time::Duration;

use chat_protocol::UserId;
use deadpool_redis::redis::{self, AsyncCommands};
use uuid::Uuid;

use super::{RedisError, RedisLink, timed};

/// Redis' own clock in milliseconds: every instance scores presence by the same clock, so one
/// whose clock runs ahead or behind cannot expire the others' users early or keep its own late.
const NOW_MS: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
";

/// Adds this instance to the user's set (ARGV: instance, ttl ms, key ttl ms, index member),
/// drops expired entries, and answers how many instances have the user online: 1 means this
/// open made the user online everywhere.
const OPEN_SCRIPT: &str = r"
local expiry = now + tonumber(ARGV[2])
redis.call('ZADD', KEYS[1], expiry, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('ZADD', KEYS[2], expiry, ARGV[4])
return redis.call('ZCARD', KEYS[1])
";

/// Removes this instance from the user's set (ARGV: instance, index member); 0 left means the
/// user just went offline.
const CLOSE_SCRIPT: &str = r"
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZREM', KEYS[2], ARGV[2])
return redis.call('ZCARD', KEYS[1])
";

/// How many unexpired instances each user key (KEYS) has.
const ONLINE_SCRIPT: &str = r"
local counts = {}
for i, key in ipairs(KEYS) do
  counts[i] = redis.call('ZCOUNT', key, now, '+inf')
end
return counts
";

/// Renews this instance's entries (KEYS: the index, then user keys; ARGV: instance, ttl ms,
/// key ttl ms, then each user's index member) and returns Redis' now, for the reaping.
const HEARTBEAT_SCRIPT: &str = r"
local expiry = now + tonumber(ARGV[2])
for i = 2, #KEYS do
  redis.call('ZADD', KEYS[i], expiry, ARGV[1])
  redis.call('PEXPIRE', KEYS[i], ARGV[3])
  redis.call('ZADD', KEYS[1], expiry, ARGV[i + 2])
end
return now
";

/// A script that starts from Redis' clock (`now`).
fn clocked(script: &str) -> redis::Cmd {
    let mut cmd = redis::cmd("EVAL");
    cmd.arg(format!("{NOW_MS}{script}"));
    cmd
}

pub(crate) struct RedisPresence {
    link: RedisLink,
    ttl: Duration,
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
        let count: i64 = timed(async {
            let mut conn = self.link.conn().await?;
            Ok(clocked(OPEN_SCRIPT)
                .arg(2)
                .arg(self.link.user_key(user))
                .arg(self.link.index_key())
                .arg(self.link.instance.to_string())
                .arg(self.ttl_ms())
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
            Ok(clocked(CLOSE_SCRIPT)
                .arg(2)
                .arg(self.link.user_key(user))
                .arg(self.link.index_key())
                .arg(instance.to_string())
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
        let counts: Vec<i64> = timed(async {
            let mut conn = self.link.conn().await?;
            let mut script = clocked(ONLINE_SCRIPT);
            script.arg(users.len());
            for user in users {
                script.arg(self.link.user_key(*user));
            }
            Ok(script.query_async(&mut conn).await?)
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
        let now: i64 = timed(async {
            let mut conn = self.link.conn().await?;
            let mut now = 0;
            // One script per chunk keeps each short; an empty list still reads the clock.
            let chunks: Vec<&[UserId]> = if local_users.is_empty() {
                vec![&[]]
            } else {
                local_users.chunks(500).collect()
            };
            for chunk in chunks {
                let mut script = clocked(HEARTBEAT_SCRIPT);
                script.arg(chunk.len() + 1).arg(self.link.index_key());
                for user in chunk {
                    script.arg(self.link.user_key(*user));
                }
                script
                    .arg(self.link.instance.to_string())
                    .arg(self.ttl_ms())
                    .arg(self.ttl_ms() * 2);
                for user in chunk {
                    script.arg(self.index_member(*user, self.link.instance));
                }
                now = script.query_async(&mut conn).await?;
            }
            Ok(now)
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
