//! The binary frame one event travels in on the Redis channel. Binary, to avoid escaping the
//! JSON payload; decoding never trusts a length it cannot back with bytes.

use bytestring::ByteString;
use chat_protocol::{ChatId, UserId};
use uuid::Uuid;

use crate::realtime::hub::Hub;
use crate::realtime::order::{Order, Place};

/// One event on the channel. Binary, to avoid escaping the JSON payload:
/// `origin(16) | flags(1) | [chat(16) seq(8) version(8) [stored_at_ms(8) unless after]] |
/// count(4) | recipients(16 × count) | payload`.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Envelope {
    pub origin: Uuid,
    /// Every socket on every instance (e.g. `resync`), ignoring `recipients`.
    pub broadcast: bool,
    pub order: Option<Order>,
    pub recipients: Vec<UserId>,
    pub payload: ByteString,
}

const FLAG_BROADCAST: u8 = 1;
const FLAG_ORDERED: u8 = 2;
/// `order` names the chat and version only (seq 0): deliver after whatever of the chat is held
/// back.
const FLAG_AFTER: u8 = 4;

impl Envelope {
    pub(super) fn encode(&self) -> Vec<u8> {
        let mut out =
            Vec::with_capacity(16 + 1 + 32 + 4 + 16 * self.recipients.len() + self.payload.len());
        out.extend_from_slice(self.origin.as_bytes());
        let mut flags = 0;
        if self.broadcast {
            flags |= FLAG_BROADCAST;
        }
        let (chat, seq, version, stored_at_ms) = match self.order {
            Some(Order::Seq(chat, place)) => {
                flags |= FLAG_ORDERED;
                (
                    Some(chat),
                    place.seq,
                    place.version,
                    Some(place.stored_at_ms),
                )
            }
            Some(Order::After(chat, version)) => {
                flags |= FLAG_ORDERED | FLAG_AFTER;
                (Some(chat), 0, version, None)
            }
            None => (None, 0, 0, None),
        };
        out.push(flags);
        if let Some(chat) = chat {
            out.extend_from_slice(chat.as_uuid().as_bytes());
            out.extend_from_slice(&seq.to_be_bytes());
            out.extend_from_slice(&version.to_be_bytes());
        }
        if let Some(at) = stored_at_ms {
            out.extend_from_slice(&at.to_be_bytes());
        }
        // A publish names at most a chat's members, far below u32::MAX.
        let count = u32::try_from(self.recipients.len()).unwrap_or(u32::MAX);
        out.extend_from_slice(&count.to_be_bytes());
        for user in &self.recipients {
            out.extend_from_slice(user.as_uuid().as_bytes());
        }
        out.extend_from_slice(self.payload.as_bytes());
        out
    }

    pub(super) fn decode(bytes: &[u8]) -> Option<Self> {
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
            let chat = ChatId::from(uuid(take(&mut rest, 16)?)?);
            let seq = i64::from_be_bytes(take(&mut rest, 8)?.try_into().ok()?);
            let version = i64::from_be_bytes(take(&mut rest, 8)?.try_into().ok()?);
            Some(if flags & FLAG_AFTER != 0 {
                Order::After(chat, version)
            } else {
                let stored_at_ms = i64::from_be_bytes(take(&mut rest, 8)?.try_into().ok()?);
                Order::Seq(
                    chat,
                    Place {
                        seq,
                        version,
                        stored_at_ms,
                    },
                )
            })
        } else {
            None
        };
        let count = u32::from_be_bytes(take(&mut rest, 4)?.try_into().ok()?) as usize;
        let mut recipients = Vec::with_capacity(count.min(rest.len() / 16));
        for _ in 0..count {
            recipients.push(UserId::from(uuid(take(&mut rest, 16)?)?));
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

    pub(super) fn dispatch(self, hub: &Hub) {
        if self.broadcast {
            hub.deliver_all(&self.payload);
        } else {
            Order::deliver(self.order, hub, self.recipients, self.payload);
        }
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
            order: Some(Order::Seq(
                ChatId::from(Uuid::new_v4()),
                Place {
                    seq: 42,
                    version: 57,
                    stored_at_ms: 1_764_000_000_123,
                },
            )),
            recipients: vec![UserId::from(Uuid::new_v4()), UserId::from(Uuid::new_v4())],
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
            order: Some(Order::After(ChatId::from(Uuid::new_v4()), 58)),
            ..plain.clone()
        };
        assert_eq!(Envelope::decode(&after.encode()), Some(after));
        let bytes = plain.encode();
        for cut in 0..21 {
            assert_eq!(Envelope::decode(&bytes[..cut]), None, "truncated at {cut}");
        }
        let mut lying = Envelope {
            recipients: vec![UserId::from(Uuid::new_v4())],
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
