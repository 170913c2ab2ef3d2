//! Where events go after they are committed: straight to this instance's hub, or (with
//! `REDIS_URL`) to the local hub at once and through Redis to the hubs of every other instance.
//! Session and API code only ever call [`Broker::publish`], so the transport can change without
//! touching them.

use std::sync::Arc;

use chat_protocol::ServerEvent;
use uuid::Uuid;

use super::events::encode;
use super::hub::Hub;
use super::redis::{Order, RedisBroker};

pub enum Broker {
    /// One instance: publish is delivery.
    Local(Arc<Hub>),
    /// Several instances sharing a Redis.
    Redis(Box<RedisBroker>),
}

/// New messages carry their chat and seq, so every hub can hand them out in seq order; edits
/// and deletes follow whatever of their chat a hub still holds back.
fn ordering(event: &ServerEvent) -> Option<Order> {
    match event {
        ServerEvent::NewMessage { message } => Some(Order::Seq(message.chat_id, message.seq)),
        ServerEvent::MessageUpdated { message } => Some(Order::After(message.chat_id)),
        ServerEvent::MessageDeleted { chat_id, .. } => Some(Order::After(*chat_id)),
        _ => None,
    }
}

impl Broker {
    /// Sends `event` to every socket of every recipient, on every instance. Never waits on a
    /// socket or the network.
    pub fn publish(&self, recipients: &[Uuid], event: &ServerEvent) {
        if recipients.is_empty() {
            return;
        }
        let payload = encode(event);
        match self {
            Self::Local(hub) => hub.deliver(recipients, &payload),
            Self::Redis(redis) => redis.publish(recipients, payload, ordering(event)),
        }
    }

    /// False when fan-out beyond this instance is currently broken.
    pub fn is_healthy(&self) -> bool {
        match self {
            Self::Local(_) => true,
            Self::Redis(redis) => redis.is_healthy(),
        }
    }

    /// Whether the fan-out backend answers right now (for `/readyz`).
    pub async fn ping(&self) -> bool {
        match self {
            Self::Local(_) => true,
            Self::Redis(redis) => redis.ping().await && redis.is_healthy(),
        }
    }
}
