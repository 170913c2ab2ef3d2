//! Fan-out through Redis pub/sub: a publisher task that pipelines queued events onto the one
//! channel, and the instance's single subscriber connection that hands other instances'
//! events to the local hub (in order) and asks clients to `resync` after an outage.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use bytestring::ByteString;
use chat_protocol::{ServerEvent, UserId};
use deadpool_redis::redis;
use futures_util::StreamExt;
use tokio::sync::mpsc;
use uuid::Uuid;

use super::envelope::Envelope;
use super::{OP_TIMEOUT, RedisError, RedisLink, timed};
use crate::realtime::events::encode;
use crate::realtime::hub::Hub;
use crate::realtime::order::Order;

/// Events waiting for Redis. Past this, events are dropped (clients recover through the
/// `resync` that follows) rather than held in memory for the length of an outage.
const PUBLISH_QUEUE: usize = 10_000;
const PUBLISH_BATCH: usize = 256;

pub(crate) struct RedisBroker {
    link: RedisLink,
    hub: Arc<Hub>,
    outbox: mpsc::Sender<Vec<u8>>,
    subscribed: Arc<AtomicBool>,
    publishing: Arc<AtomicBool>,
    publish_failures: Arc<AtomicU64>,
    /// Events the publisher took from the outbox and has not finished sending.
    in_flight: Arc<AtomicUsize>,
    /// Set when the subscriber came back after losing its connection: what was published
    /// meanwhile never arrived here.
    resubscribed: Arc<AtomicBool>,
    /// Times the subscriber came back after losing its connection.
    reconnects: Arc<AtomicU64>,
    /// Set when events were dropped because the outbox was full: the publisher then tells the
    /// other instances (a broadcast `resync`), which check their chats against the database.
    overflowed: Arc<AtomicBool>,
}

impl RedisBroker {
    /// Starts the publisher and the subscriber on the current runtime.
    pub(crate) fn start(link: RedisLink, hub: Arc<Hub>) -> Self {
        let (outbox, queue) = mpsc::channel(PUBLISH_QUEUE);
        let broker = Self {
            link: link.clone(),
            hub: hub.clone(),
            outbox,
            subscribed: Arc::new(AtomicBool::new(false)),
            publishing: Arc::new(AtomicBool::new(true)),
            publish_failures: Arc::new(AtomicU64::new(0)),
            in_flight: Arc::new(AtomicUsize::new(0)),
            resubscribed: Arc::new(AtomicBool::new(false)),
            reconnects: Arc::new(AtomicU64::new(0)),
            overflowed: Arc::new(AtomicBool::new(false)),
        };
        tokio::spawn(run_publisher(
            link.clone(),
            queue,
            Publishing {
                healthy: broker.publishing.clone(),
                failures: broker.publish_failures.clone(),
                in_flight: broker.in_flight.clone(),
                overflowed: broker.overflowed.clone(),
            },
        ));
        tokio::spawn(run_subscriber(
            link,
            hub,
            broker.subscribed.clone(),
            broker.resubscribed.clone(),
            broker.reconnects.clone(),
        ));
        broker
    }

    /// Delivers to this instance's sockets at once, then queues for the others.
    pub(crate) fn publish(&self, recipients: &[UserId], payload: ByteString, order: Option<Order>) {
        Order::deliver(order, &self.hub, recipients.to_vec(), payload.clone());
        let envelope = Envelope {
            origin: self.link.instance,
            broadcast: false,
            order,
            recipients: recipients.to_vec(),
            payload,
        };
        if self.outbox.try_send(envelope.encode()).is_err() {
            // Redis has been unreachable (or slow) long enough to fill the queue: the dropped
            // events are committed, so the other instances read them from the database once
            // the publisher's next batch tells them to look.
            self.overflowed.store(true, Ordering::Release);
            let dropped = self.publish_failures.fetch_add(1, Ordering::Relaxed) + 1;
            if dropped.is_power_of_two() {
                tracing::warn!(
                    dropped,
                    "Redis outbox full; events for other instances dropped"
                );
            }
            self.publishing.store(false, Ordering::Relaxed);
        }
    }

    /// Waits (at most `limit`) until every event queued so far has been handed to Redis or
    /// given up on: at SIGTERM, events of messages committed before exit go out before exit.
    pub(crate) async fn flush(&self, limit: Duration) {
        let deadline = tokio::time::Instant::now() + limit;
        while self.outbox.capacity() < self.outbox.max_capacity()
            || self.in_flight.load(Ordering::Acquire) > 0
        {
            if tokio::time::Instant::now() >= deadline {
                tracing::warn!("Redis outbox not empty at exit; other instances' clients resync");
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Whether the subscriber reconnected since the last call (and so may have missed events).
    pub(crate) fn take_resubscribed(&self) -> bool {
        self.resubscribed.swap(false, Ordering::AcqRel)
    }

    /// Events that could not be handed to Redis (queue full, or a failed publish).
    pub(crate) fn publish_failures(&self) -> u64 {
        self.publish_failures.load(Ordering::Relaxed)
    }

    /// Times the subscriber connection was lost and made again.
    pub(crate) fn reconnects(&self) -> u64 {
        self.reconnects.load(Ordering::Relaxed)
    }

    pub(crate) fn is_healthy(&self) -> bool {
        self.subscribed.load(Ordering::Relaxed) && self.publishing.load(Ordering::Relaxed)
    }

    pub(crate) async fn ping(&self) -> bool {
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

/// The publisher's shared state: health, failures, what it is sending right now, and whether
/// events were dropped before it could take them.
struct Publishing {
    healthy: Arc<AtomicBool>,
    failures: Arc<AtomicU64>,
    in_flight: Arc<AtomicUsize>,
    overflowed: Arc<AtomicBool>,
}

/// Publishes queued events in order, pipelining whatever has piled up. A batch that fails is
/// kept and sent again (after a second, with more events appended and a broadcast `resync` in
/// front, since other instances' clients may have missed things), so a Redis hiccup delays
/// events instead of losing them; a repeat is harmless (clients drop what they have by seq).
/// Only past `PUBLISH_QUEUE` events held are the oldest given up on.
async fn run_publisher(link: RedisLink, mut queue: mpsc::Receiver<Vec<u8>>, state: Publishing) {
    let Publishing {
        healthy,
        failures,
        in_flight,
        overflowed,
    } = state;
    let channel = link.channel();
    let mut batch: Vec<Vec<u8>> = Vec::with_capacity(PUBLISH_BATCH);
    let mut failing = false;
    loop {
        if !failing {
            if queue.recv_many(&mut batch, PUBLISH_BATCH).await == 0 {
                return;
            }
        } else {
            // Retry in a second with whatever came meanwhile; a closed queue (shutdown) still
            // gets what is held sent.
            let more = tokio::time::timeout(
                Duration::from_secs(1),
                queue.recv_many(&mut batch, PUBLISH_BATCH),
            );
            let _ = more.await;
            if batch.len() > PUBLISH_QUEUE {
                let dropped = batch.len() - PUBLISH_QUEUE;
                batch.drain(..dropped);
                failures.fetch_add(dropped as u64, Ordering::Relaxed);
            }
        }
        in_flight.store(batch.len(), Ordering::Release);
        let mut pipe = redis::pipe();
        // After a failure or an overflow the others may have missed events: the resync makes
        // each of them compare its chats with the database.
        if failing || overflowed.swap(false, Ordering::AcqRel) {
            pipe.publish(&channel, resync_envelope(link.instance).as_slice())
                .ignore();
        }
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
                batch.clear();
                in_flight.store(0, Ordering::Release);
            }
            Err(e) => {
                if !failing {
                    tracing::warn!(error = %e, "publishing to Redis failed; retrying, local sockets still served");
                }
                failing = true;
                healthy.store(false, Ordering::Relaxed);
                if queue.is_closed() && queue.is_empty() && batch.is_empty() {
                    return;
                }
            }
        }
    }
}

/// Holds the instance's one subscriber connection (pub/sub cannot share pooled connections),
/// reconnecting with backoff. A half-open connection is caught by pinging it.
async fn run_subscriber(
    link: RedisLink,
    hub: Arc<Hub>,
    subscribed: Arc<AtomicBool>,
    resubscribed: Arc<AtomicBool>,
    reconnects: Arc<AtomicU64>,
) {
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
                    tracing::info!("Redis link restored; filling gaps, asking clients to resync");
                    resubscribed.store(true, Ordering::Release);
                    reconnects.fetch_add(1, Ordering::Relaxed);
                    hub.deliver_all(&encode(&ServerEvent::Resync));
                } else {
                    tracing::info!("subscribed to Redis fan-out");
                }
                connected_before = true;
                listen(pubsub, &hub, link.instance, &resubscribed).await;
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

/// Hands other instances' events to the hub. A broadcast `resync` from another instance means
/// its publishing failed for a while: `missed` is set so this instance checks its chats.
async fn listen(pubsub: redis::aio::PubSub, hub: &Hub, me: Uuid, missed: &AtomicBool) {
    let (mut sink, mut stream) = pubsub.split();
    let mut ping = tokio::time::interval(Duration::from_secs(3));
    ping.tick().await;
    loop {
        tokio::select! {
            message = stream.next() => match message {
                Some(message) => match Envelope::decode(message.get_payload_bytes()) {
                    Some(envelope) if envelope.origin != me => {
                        if envelope.broadcast {
                            missed.store(true, Ordering::Release);
                        }
                        envelope.dispatch(hub);
                    }
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
