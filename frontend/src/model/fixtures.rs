//! Builders for the unit tests of every module: messages, users and chats with predictable ids
//! and times. Test-only; production code must never depend on it.

use chat_protocol::{Chat, ChatId, ChatKind, Message, MessageId, User, UserId};
use chrono::{Duration, TimeZone, Utc};
use uuid::Uuid;

use super::outbox::Draft;

/// A predictable id: `id(1)` is `00000000-…-0001` (client ids are bare UUIDs).
pub(crate) fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

/// User `n`; `user_id(1)` is "me" in [`chat`].
pub(crate) fn user_id(n: u128) -> UserId {
    UserId::from(id(n))
}

pub(crate) fn chat_id(n: u128) -> ChatId {
    ChatId::from(id(n))
}

pub(crate) fn user(n: u128, name: &str) -> User {
    User {
        id: user_id(n),
        username: name.into(),
    }
}

/// Message `seq` of chat 0, sent by "alice" (user 0) at 10:00 + `seq` minutes, id `1000 + seq`.
pub(crate) fn msg(seq: i64, content: &str) -> Message {
    Message {
        id: MessageId::from(1000 + seq),
        chat_id: chat_id(0),
        seq,
        sender: user(0, "alice"),
        content: content.into(),
        client_id: None,
        created_at: Utc.with_ymd_and_hms(2026, 11, 22, 10, 0, 0).unwrap() + Duration::minutes(seq),
        edited_at: None,
        deleted: false,
        version: seq,
        reply_to: None,
        reactions: Vec::new(),
        mentions: Vec::new(),
        attachments: Vec::new(),
        system: None,
    }
}

/// Chat `chat_id(n)` between "me" (user 1) and "bob" (user 2), created 2026-11-01 09:00 UTC, empty.
pub(crate) fn chat(n: u128, kind: ChatKind) -> Chat {
    Chat {
        id: chat_id(n),
        kind,
        name: None,
        members: vec![user(1, "me"), user(2, "bob")],
        created_at: Utc.with_ymd_and_hms(2026, 11, 1, 9, 0, 0).unwrap(),
        last_message: None,
        unread_count: 0,
        last_seq: 0,
        last_version: 0,
        read_positions: Vec::new(),
        online_members: Vec::new(),
        admins: Vec::new(),
        retention_days: None,
        muted: false,
        public: false,
        unread_mentions: 0,
    }
}

/// A message typed into chat `chat_id(chat)` with client id `id(client)`.
pub(crate) fn draft(chat: u128, content: &str, client: u128) -> Draft {
    Draft {
        chat_id: chat_id(chat),
        content: content.into(),
        client_id: id(client),
        created_at: Utc::now(),
        reply_to: None,
        attachments: Vec::new(),
    }
}
