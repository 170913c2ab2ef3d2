//! Redis as the link between instances: one pub/sub channel carries every event (each instance
//! delivers what concerns its own sockets), and per-user sorted sets hold which instances have
//! a user's sockets open, with expiring scores so a crashed instance's users go offline.
//!
//! Redis is not the source of truth: messages are in the database. If Redis goes away, each
//! instance keeps serving its own sockets and storing messages, reports not ready, and
//! reconnects with backoff; when the link is back it tells its clients to `resync` (refetch
//! with `after_seq`), so nothing stored meanwhile is missed.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use bytestring::ByteString;
use chat_protocol::ServerEvent;
use deadpool_redis::redis::{self, AsyncCommands};
use futures_util::StreamExt;
use tokio::sync::mpsc;
use uuid::Uuid;

use super::events::encode;
use super::hub::Hub;

const OP_TIMEOUT: Duration = Duration::from_secs(2);
/// Events waiting for Redis. Past this, events are dropped (clients recover through the
/// `resync` that follows) rather than held in memory for the length of an outage.
const PUBLISH_QUEUE: usize = 10_000;
const PUBLISH_BATCH: usize = 256;

#[derive(Debug, thiserror::Error)]
pub enum RedisError {
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
pub struct RedisLink {
    pool: deadpool_redis::Pool,
    client: redis::Client,
    prefix: Arc<str>,
    pub instance: Uuid,
}

impl RedisLink {
    pub fn new(url: &str, prefix: &str) -> Result<Self, RedisError> {
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

    fn user_key(&self, user: Uuid) -> String {
        format!("{}:presence:{user}", self.prefix)
    }

    fn index_key(&self) -> String {
        format!("{}:presence-expiry", self.prefix)
    }

    async fn conn(&self) -> Result<deadpool_redis::Connection, RedisError> {
        Ok(self.pool.get().await?)
    }

    pub async fn ping(&self) -> bool {
        timed(async {
            let mut conn = self.conn().await?;
            let _: String = redis::cmd("PING").query_async(&mut conn).await?;
            Ok(())
        })
        .await
        .is_ok()
    }
}

// ---------------------------------------------------------------------------------------------
// Fan-out

/// One event on the channel. Binary, to avoid escaping the JSON payload:
/// `origin(16) | flags(1) | [chat(16) seq(8)] | count(4) | recipients(16 × count) | payload`.
#[derive(Debug, Clone, PartialEq)]
struct Envelope {
    origin: Uuid,
    /// Every socket on every instance (e.g. `resync`), ignoring `recipients`.
    broadcast: bool,
    order: Option<Order>,
    recipients: Vec<Uuid>,
    payload: ByteString,
}

const FLAG_BROADCAST: u8 = 1;
const FLAG_ORDERED: u8 = 2;
/// `order` names the chat only (seq 0): deliver after whatever of the chat is held back.
const FLAG_AFTER: u8 = 4;

impl Envelope {
    fn encode(&self) -> Vec<u8> {
        let mut out =
            Vec::with_capacity(16 + 1 + 24 + 4 + 16 * self.recipients.len() + self.payload.len());
        out.extend_from_slice(self.origin.as_bytes());
        let mut flags = 0;
        if self.broadcast {
            flags |= FLAG_BROADCAST;
        }
        let (chat, seq) = match self.order {
            Some(Order::Seq(chat, seq)) => {
                flags |= FLAG_ORDERED;
                (Some(chat), seq)
            }
            Some(Order::After(chat)) => {
                flags |= FLAG_ORDERED | FLAG_AFTER;
                (Some(chat), 0)
            }
            None => (None, 0),
        };
        out.push(flags);
        if let Some(chat) = chat {
            out.extend_from_slice(chat.as_bytes());
            out.extend_from_slice(&seq.to_be_bytes());
        }
        out.extend_from_slice(&(self.recipients.len() as u32).to_be_bytes());
        for user in &self.recipients {
            out.extend_from_slice(user.as_bytes());
        }
        out.extend_from_slice(self.payload.as_bytes());
        out
    }

    fn decode(bytes: &[u8]) -> Option<Self> {
        fn take<'a>(bytes: &mut &'a [u8], n: usize) -> Option<&'a [u8]> {
            let (head, tail) = bytes.split_at_checked(n)?;
            *bytes = tail;
            Some(head)
        }
        let mut rest = bytes;
        let uuid = |b: &[u8]| Uuid::from_slice(b).ok();
        let origin = uuid(take(&mut rest, 16)?)?;
        let flags = take(&mut rest, 1)?[0];
        let order = if flags & FLAG_ORDERED != 0 {
            let chat = uuid(take(&mut rest, 16)?)?;
            let seq = i64::from_be_bytes(take(&mut rest, 8)?.try_into().ok()?);
            Some(if flags & FLAG_AFTER != 0 {
                Order::After(chat)
            } else {
                Order::Seq(chat, seq)
            })
        } else {
            None
        };
        let count = u32::from_be_bytes(take(&mut rest, 4)?.try_into().ok()?) as usize;
        let mut recipients = Vec::with_capacity(count.min(rest.len() / 16));
        for _ in 0..count {
            recipients.push(uuid(take(&mut rest, 16)?)?);
        }
        let payload = ByteString::try_from(rest.to_vec()).ok()?;
        Some(Self {
            origin,
            broadcast: flags & FLAG_BROADCAST != 0,
            order,
            recipients,
            payload,
        })
    }

    fn dispatch(self, hub: &Hub) {
        if self.broadcast {
            hub.deliver_all(&self.payload);
        } else {
            deliver_locally(hub, self.order, self.recipients, self.payload);
        }
    }
}

/// How an event is placed among the others of its chat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// A new message: handed out in seq order.
    Seq(Uuid, i64),
    /// About existing messages (edit, delete): never before what is held back in the chat.
    After(Uuid),
}

fn deliver_locally(hub: &Hub, order: Option<Order>, recipients: Vec<Uuid>, payload: ByteString) {
    match order {
        Some(Order::Seq(chat, seq)) => hub.deliver_in_order(chat, seq, recipients, payload),
        Some(Order::After(chat)) => hub.deliver_after(chat, recipients, payload),
        None => hub.deliver(&recipients, &payload),
    }
}

pub struct RedisBroker {
    link: RedisLink,
    hub: Arc<Hub>,
    outbox: mpsc::Sender<Vec<u8>>,
    subscribed: Arc<AtomicBool>,
    publishing: Arc<AtomicBool>,
    pub publish_failures: Arc<AtomicU64>,
}

impl RedisBroker {
    /// Starts the publisher and the subscriber on the current runtime.
    pub fn start(link: RedisLink, hub: Arc<Hub>) -> Self {
        let (outbox, queue) = mpsc::channel(PUBLISH_QUEUE);
        let broker = Self {
            link: link.clone(),
            hub: hub.clone(),
            outbox,
            subscribed: Arc::new(AtomicBool::new(false)),
            publishing: Arc::new(AtomicBool::new(true)),
            publish_failures: Arc::new(AtomicU64::new(0)),
        };
        tokio::spawn(run_publisher(
            link.clone(),
            queue,
            broker.publishing.clone(),
            broker.publish_failures.clone(),
        ));
        tokio::spawn(run_subscriber(link, hub, broker.subscribed.clone()));
        broker
    }

    /// Delivers to this instance's sockets at once, then queues for the others.
    pub fn publish(&self, recipients: &[Uuid], payload: ByteString, order: Option<Order>) {
        deliver_locally(&self.hub, order, recipients.to_vec(), payload.clone());
        let envelope = Envelope {
            origin: self.link.instance,
            broadcast: false,
            order,
            recipients: recipients.to_vec(),
            payload,
        };
        if self.outbox.try_send(envelope.encode()).is_err() {
            // Redis has been unreachable long enough to fill the queue; clients of other
            // instances recover through seq gaps and the resync that follows reconnection.
            self.publish_failures.fetch_add(1, Ordering::Relaxed);
            self.publishing.store(false, Ordering::Relaxed);
        }
    }

    pub fn is_healthy(&self) -> bool {
        self.subscribed.load(Ordering::Relaxed) && self.publishing.load(Ordering::Relaxed)
    }

    pub async fn ping(&self) -> bool {
        self.link.ping().await
    }
}

fn resync_envelope(origin: Uuid) -> Vec<u8> {
    Envelope {
        origin,
        broadcast: true,
        order: None,
        recipients: Vec::new(),
        payload: encode(&ServerEvent::Resync),
    }
    .encode()
}

/// Publishes queued events in order, pipelining whatever has piled up. After a failure it
/// retries every second, starting with a broadcast `resync` (other instances' clients may have
/// missed events), so health comes back as soon as Redis does, even when nothing is sent.
async fn run_publisher(
    link: RedisLink,
    mut queue: mpsc::Receiver<Vec<u8>>,
    healthy: Arc<AtomicBool>,
    failures: Arc<AtomicU64>,
) {
    let channel = link.channel();
    let mut batch: Vec<Vec<u8>> = Vec::with_capacity(PUBLISH_BATCH);
    let mut failing = false;
    loop {
        if failing {
            let wait = Duration::from_secs(1);
            let waited = tokio::time::timeout(wait, queue.recv_many(&mut batch, PUBLISH_BATCH));
            if let Ok(0) = waited.await {
                return;
            }
            batch.insert(0, resync_envelope(link.instance));
        } else if queue.recv_many(&mut batch, PUBLISH_BATCH).await == 0 {
            return;
        }
        let mut pipe = redis::pipe();
        for payload in &batch {
            pipe.publish(&channel, payload.as_slice()).ignore();
        }
        let sent = timed(async {
            let mut conn = link.conn().await?;
            pipe.query_async::<()>(&mut conn).await?;
            Ok(())
        })
        .await;
        match sent {
            Ok(()) => {
                if failing {
                    tracing::info!("publishing to Redis again");
                }
                failing = false;
                healthy.store(true, Ordering::Relaxed);
            }
            Err(e) => {
                if !failing {
                    tracing::warn!(error = %e, "publishing to Redis failed; local sockets still served");
                }
                failing = true;
                healthy.store(false, Ordering::Relaxed);
                failures.fetch_add(batch.len() as u64, Ordering::Relaxed);
            }
        }
        batch.clear();
    }
}

/// Holds the instance's one subscriber connection (pub/sub cannot share pooled connections),
/// reconnecting with backoff. A half-open connection is caught by pinging it.
async fn run_subscriber(link: RedisLink, hub: Arc<Hub>, subscribed: Arc<AtomicBool>) {
    let channel = link.channel();
    let mut backoff = Duration::from_millis(100);
    let mut connected_before = false;
    loop {
        let attempt = async {
            let mut pubsub = link.client.get_async_pubsub().await?;
            pubsub.subscribe(&channel).await?;
            Ok::<_, RedisError>(pubsub)
        };
        match timed(attempt).await {
            Ok(pubsub) => {
                backoff = Duration::from_millis(100);
                subscribed.store(true, Ordering::Relaxed);
                if connected_before {
                    tracing::info!("Redis link restored; asking clients to resync");
                    hub.deliver_all(&encode(&ServerEvent::Resync));
                } else {
                    tracing::info!("subscribed to Redis fan-out");
                }
                connected_before = true;
                listen(pubsub, &hub, link.instance).await;
                subscribed.store(false, Ordering::Relaxed);
                tracing::warn!("Redis subscription lost; reconnecting");
            }
            Err(e) => {
                subscribed.store(false, Ordering::Relaxed);
                tracing::debug!(error = %e, "cannot reach Redis");
            }
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(5));
    }
}

async fn listen(pubsub: redis::aio::PubSub, hub: &Hub, me: Uuid) {
    let (mut sink, mut stream) = pubsub.split();
    let mut ping = tokio::time::interval(Duration::from_secs(3));
    ping.tick().await;
    loop {
        tokio::select! {
            message = stream.next() => match message {
                Some(message) => match Envelope::decode(message.get_payload_bytes()) {
                    Some(envelope) if envelope.origin != me => envelope.dispatch(hub),
                    Some(_) => {}
                    None => tracing::warn!("undecodable event on the Redis channel"),
                },
                None => return,
            },
            _ = ping.tick() => {
                // In subscribed mode PING answers an array, so read it as a plain Value.
                let answered = tokio::time::timeout(OP_TIMEOUT, sink.ping::<redis::Value>()).await;
                if !matches!(answered, Ok(Ok(_))) {
                    return;
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Presence

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

pub struct RedisPresence {
    link: RedisLink,
    ttl: Duration,
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

impl RedisPresence {
    pub fn new(link: RedisLink, ttl: Duration) -> Self {
        Self { link, ttl }
    }

    pub fn heartbeat_interval(&self) -> Duration {
        self.ttl / 3
    }

    fn index_member(&self, user: Uuid, instance: Uuid) -> String {
        format!("{user}:{instance}")
    }

    /// True when no other instance has the user online.
    pub async fn opened(&self, user: Uuid) -> Result<bool, RedisError> {
        let now = now_ms();
        let expiry = now + self.ttl.as_millis() as i64;
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
                .arg(self.ttl.as_millis() as i64 * 2)
                .arg(self.index_member(user, self.link.instance))
                .query_async(&mut conn)
                .await?)
        })
        .await?;
        Ok(count == 1)
    }

    /// True when no instance has the user online any more.
    pub async fn closed(&self, user: Uuid) -> Result<bool, RedisError> {
        self.remove(user, self.link.instance).await
    }

    async fn remove(&self, user: Uuid, instance: Uuid) -> Result<bool, RedisError> {
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

    pub async fn online(&self, users: &[Uuid]) -> Result<Vec<bool>, RedisError> {
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
    pub async fn heartbeat(&self, local_users: &[Uuid]) -> Result<Vec<Uuid>, RedisError> {
        let now = now_ms();
        let expiry = now + self.ttl.as_millis() as i64;
        timed(async {
            let mut conn = self.link.conn().await?;
            for chunk in local_users.chunks(500) {
                let mut pipe = redis::pipe();
                for user in chunk {
                    let key = self.link.user_key(*user);
                    pipe.zadd(&key, self.link.instance.to_string(), expiry)
                        .ignore();
                    pipe.pexpire(&key, self.ttl.as_millis() as i64 * 2).ignore();
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
                .and_then(|(u, i)| Some((Uuid::parse_str(u).ok()?, Uuid::parse_str(i).ok()?)))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelopes_round_trip() {
        let envelope = Envelope {
            origin: Uuid::new_v4(),
            broadcast: false,
            order: Some(Order::Seq(Uuid::new_v4(), 42)),
            recipients: vec![Uuid::new_v4(), Uuid::new_v4()],
            payload: ByteString::from(r#"{"type":"resync"}"#),
        };
        assert_eq!(Envelope::decode(&envelope.encode()), Some(envelope.clone()));
        let plain = Envelope {
            broadcast: true,
            order: None,
            recipients: vec![],
            ..envelope
        };
        assert_eq!(Envelope::decode(&plain.encode()), Some(plain.clone()));
        let after = Envelope {
            order: Some(Order::After(Uuid::new_v4())),
            ..plain.clone()
        };
        assert_eq!(Envelope::decode(&after.encode()), Some(after));
        let bytes = plain.encode();
        for cut in 0..21 {
            assert_eq!(Envelope::decode(&bytes[..cut]), None, "truncated at {cut}");
        }
        let mut lying = Envelope {
            recipients: vec![Uuid::new_v4()],
            ..plain
        }
        .encode();
        lying[17..21].copy_from_slice(&u32::MAX.to_be_bytes());
        assert_eq!(
            Envelope::decode(&lying),
            None,
            "a count larger than the frame"
        );
    }
}
