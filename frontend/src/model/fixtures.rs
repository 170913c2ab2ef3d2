//! Builders for the unit tests of every module: messages, users and chats with predictable ids
//! and times. Test-only; production code must never depend on it.

use chat_protocol::{Chat, ChatKind, Message, User};

use super::outbox::Draft;
use chrono::{Duration, TimeZone, Utc};
use uuid::Uuid;

/// A predictable id: `id(1)` is `00000000-…-0001`.
pub(crate) fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

pub(crate) fn user(n: u128, name: &str) -> User {
    User {
        id: id(n),
        username: name.into(),
    }
}

/// Message `seq` of the nil chat, sent by "alice" (nil id) at 10:00 + `seq` minutes, id `1000 + seq`.
pub(crate) fn msg(seq: i64, content: &str) -> Message {
    Message {
        id: 1000 + seq,
        chat_id: Uuid::nil(),
        seq,
        sender: User {
            id: Uuid::nil(),
            username: "alice".into(),
        },
        content: content.into(),
        client_id: None,
        created_at: Utc.with_ymd_and_hms(2026, 11, 22, 10, 0, 0).unwrap() + Duration::minutes(seq),
        edited_at: None,
        deleted: false,
    }
}

/// Chat `id(n)` between "me" (`id(1)`) and "bob" (`id(2)`), created 2026-11-01 09:00 UTC, empty.
pub(crate) fn chat(n: u128, kind: ChatKind) -> Chat {
    Chat {
        id: id(n),
        kind,
        name: None,
        members: vec![user(1, "me"), user(2, "bob")],
        created_at: Utc.with_ymd_and_hms(2026, 11, 1, 9, 0, 0).unwrap(),
        last_message: None,
        unread_count: 0,
        last_seq: 0,
        read_positions: Vec::new(),
        online_members: Vec::new(),
    }
}

/// A message typed into chat `id(chat)` with client id `id(client)`.
pub(crate) fn draft(chat: u128, content: &str, client: u128) -> Draft {
    Draft {
        chat_id: id(chat),
        content: content.into(),
        client_id: id(client),
        created_at: Utc::now(),
    }
}
