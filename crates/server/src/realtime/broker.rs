//! Where events go after they are committed: straight to this instance's hub, or (with
//! `REDIS_URL`) to the local hub at once and through Redis to the hubs of every other instance.
//! Everything above only calls [`Broker::publish`], so the transport can change under it.

use std::sync::Arc;

use chat_protocol::{ChatId, ServerEvent, UserId};

use super::events::encode;
use super::hub::Hub;
use super::redis::RedisBroker;

/// How an event is placed among the others of its chat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Order {
    /// A new message: handed out in seq order.
    Seq(ChatId, i64),
    /// About existing messages (edit, delete): never before what is held back in the chat.
    After(ChatId),
}

impl Order {
    /// New messages carry their chat and seq, so every hub can hand them out in seq order;
    /// edits and deletes follow whatever of their chat a hub still holds back.
    fn of(event: &ServerEvent) -> Option<Self> {
        match event {
            ServerEvent::NewMessage { message } => Some(Self::Seq(message.chat_id, message.seq)),
            ServerEvent::MessageUpdated { message } => Some(Self::After(message.chat_id)),
            ServerEvent::MessageDeleted { chat_id, .. } => Some(Self::After(*chat_id)),
            _ => None,
        }
    }

    /// Hands `payload` to the hub in its place among its chat's events.
    pub(super) fn deliver(
        order: Option<Self>,
        hub: &Hub,
        recipients: Vec<UserId>,
        payload: bytestring::ByteString,
    ) {
        match order {
            Some(Self::Seq(chat, seq)) => hub.deliver_in_order(chat, seq, recipients, payload),
            Some(Self::After(chat)) => hub.deliver_after(chat, recipients, payload),
            None => hub.deliver(&recipients, &payload),
        }
    }
}

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
            Self::Local(hub) => hub.deliver(recipients, &payload),
            Self::Redis(redis) => redis.publish(recipients, payload, Order::of(event)),
        }
    }

    /// Events that never reached the other instances (always 0 without Redis).
    pub(super) fn publish_failures(&self) -> u64 {
        match self {
            Self::Local(_) => 0,
            Self::Redis(redis) => redis.publish_failures(),
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
