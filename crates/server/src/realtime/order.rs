//! Where an event goes among the others of its chat: new messages in seq order, edits and
//! deletes behind whatever of their chat is held back. Shared by the local broker and the
//! Redis envelope, so both place events the same way.

use bytestring::ByteString;
use chat_protocol::{ChatId, ServerEvent, UserId};

use super::hub::Hub;

/// Where a new message stands in its chat, and when it was stored (Unix milliseconds: the
/// sockets that write it out measure fan-out latency from it, on any instance).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Place {
    pub seq: i64,
    pub version: i64,
    pub stored_at_ms: i64,
}

/// How an event is placed among the others of its chat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Order {
    /// A new message of a chat: handed out in seq order.
    Seq(ChatId, Place),
    /// About an existing message (chat, version; an edit, a delete, a reaction): never before what is
    /// held back in the chat.
    After(ChatId, i64),
}

impl Order {
    /// New messages carry their chat and seq, so every hub can hand them out in seq order;
    /// edits and deletes follow whatever of their chat a hub still holds back.
    pub(super) fn of(event: &ServerEvent) -> Option<Self> {
        match event {
            ServerEvent::NewMessage { message } => Some(Self::Seq(
                message.chat_id,
                Place {
                    seq: message.seq,
                    version: message.version,
                    stored_at_ms: message.created_at.timestamp_millis(),
                },
            )),
            ServerEvent::MessageUpdated { message } => {
                Some(Self::After(message.chat_id, message.version))
            }
            ServerEvent::MessageDeleted {
                chat_id, version, ..
            }
            | ServerEvent::Reaction {
                chat_id, version, ..
            } => Some(Self::After(*chat_id, *version)),
            _ => None,
        }
    }

    /// Hands `payload` to the hub in its place among its chat's events.
    pub(super) fn deliver(
        order: Option<Self>,
        hub: &Hub,
        recipients: Vec<UserId>,
        payload: ByteString,
    ) {
        match order {
            Some(Self::Seq(chat, place)) => hub.deliver_in_order(
                chat,
                (place.seq, place.version),
                recipients,
                payload,
                Some(place.stored_at_ms),
            ),
            Some(Self::After(chat, version)) => {
                hub.deliver_after(chat, version, recipients, payload)
            }
            None => hub.deliver(&recipients, &payload),
        }
    }
}
