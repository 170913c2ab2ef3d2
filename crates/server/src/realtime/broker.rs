//! Where events go after they are committed: straight to this instance's hub, or (with
//! `REDIS_URL`) to the local hub at once and through Redis to the hubs of every other instance.
//! Everything above only calls [`Broker::publish`], so the transport can change under it.

use std::sync::Arc;

use bytestring::ByteString;
use chat_protocol::{ServerEvent, UserId};

use super::events::encode;
use super::hub::Hub;
use super::order::Order;
use super::redis::RedisBroker;

pub(super) enum Broker {
    /// One instance: publish is delivery.
    Local(Arc<Hub>),
    /// Several instances sharing a Redis.
    Redis(Box<RedisBroker>),
}

impl Broker {
    /// Sends `event` to every socket of every recipient, on every instance. Never waits on a
    /// socket or the network.
    pub(super) fn publish(&self, recipients: &[UserId], event: &ServerEvent) {
        if recipients.is_empty() {
            return;
        }
        let payload = encode(event);
        match self {
            Self::Local(hub) => {
                let stored_at_ms = match event {
                    ServerEvent::NewMessage { message } => {
                        Some(message.created_at.timestamp_millis())
                    }
                    _ => None,
                };
                hub.deliver_stamped(recipients, &payload, stored_at_ms)
            }
            Self::Redis(redis) => redis.publish(recipients, payload, Order::of(event)),
        }
    }

    /// Sends an event serialised already, which has no place among its chat's messages.
    pub(super) fn publish_encoded(&self, recipients: &[UserId], payload: ByteString) {
        if recipients.is_empty() {
            return;
        }
        match self {
            Self::Local(hub) => hub.deliver(recipients, &payload),
            Self::Redis(redis) => redis.publish(recipients, payload, None),
        }
    }

    /// Whether other instances receive what is published here (with Redis).
    pub(super) fn is_shared(&self) -> bool {
        matches!(self, Self::Redis(_))
    }

    /// Events that never reached the other instances (always 0 without Redis).
    pub(super) fn publish_failures(&self) -> u64 {
        match self {
            Self::Local(_) => 0,
            Self::Redis(redis) => redis.publish_failures(),
        }
    }

    /// Times the Redis subscriber reconnected (always 0 without Redis).
    pub(super) fn redis_reconnects(&self) -> u64 {
        match self {
            Self::Local(_) => 0,
            Self::Redis(redis) => redis.reconnects(),
        }
    }

    /// Waits until what was published has left this instance (at most `limit`).
    pub(super) async fn flush(&self, limit: std::time::Duration) {
        if let Self::Redis(redis) = self {
            redis.flush(limit).await;
        }
    }

    /// Whether events from other instances may have been missed since the last call.
    pub(super) fn take_resubscribed(&self) -> bool {
        match self {
            Self::Local(_) => false,
            Self::Redis(redis) => redis.take_resubscribed(),
        }
    }

    /// Whether the fan-out backend answers right now (for `/readyz`).
    pub(super) async fn ping(&self) -> bool {
        match self {
            Self::Local(_) => true,
            Self::Redis(redis) => redis.ping().await && redis.is_healthy(),
        }
    }
}
