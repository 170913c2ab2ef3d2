//! Where events go after they are committed: straight to this instance's hub, or (with
//! `REDIS_URL`) through Redis to the hubs of every instance. Session and API code only ever call
//! [`Broker::publish`], so the transport can change without touching them.

use std::sync::Arc;

use bytestring::ByteString;
use chat_protocol::ServerEvent;
use uuid::Uuid;

use super::events::encode;
use super::hub::Hub;

pub enum Broker {
    /// One instance: publish is delivery.
    Local(Arc<Hub>),
}

impl Broker {
    /// Sends `event` to every socket of every recipient, on every instance. Never waits on a
    /// socket or the network.
    pub fn publish(&self, recipients: &[Uuid], event: &ServerEvent) {
        if recipients.is_empty() {
            return;
        }
        self.publish_encoded(recipients, encode(event));
    }

    pub fn publish_encoded(&self, recipients: &[Uuid], payload: ByteString) {
        match self {
            Self::Local(hub) => hub.deliver(recipients, &payload),
        }
    }

    /// False when fan-out beyond this instance is currently broken (for `/readyz`).
    pub fn is_healthy(&self) -> bool {
        match self {
            Self::Local(_) => true,
        }
    }
}
