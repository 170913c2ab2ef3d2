//! Rows as the database holds them, and how they become wire objects. Typed ids and chat kinds
//! are decoded by diesel (`db::types`), so a corrupt value fails the query instead of being
//! guessed at here.

use chat_protocol::{ChatId, ChatKind, Message, MessageId, User, UserId};
use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::to_utc;
use crate::db::ClientKey;
use crate::db::schema::{chats, users};

/// An account as sign-in needs it (select with `UserRow::as_select()`).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub(crate) struct UserRow {
    pub id: UserId,
    pub username: String,
    pub password_hash: String,
    /// Set by an operator: the account cannot sign in.
    pub disabled_at: Option<NaiveDateTime>,
}

impl UserRow {
    pub(crate) fn to_user(&self) -> User {
        User {
            id: self.id,
            username: self.username.clone(),
        }
    }
}

/// A chat as rendering needs it (select with `ChatRow::as_select()`).
/// `(id, username)` pairs as joins select them, as wire users.
pub(crate) fn users_of(rows: Vec<(UserId, String)>) -> Vec<User> {
    rows.into_iter()
        .map(|(id, username)| User { id, username })
        .collect()
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = chats)]
pub(crate) struct ChatRow {
    pub id: ChatId,
    pub kind: ChatKind,
    pub name: Option<String>,
    pub created_at: NaiveDateTime,
    pub last_seq: i64,
    pub last_version: i64,
    pub public: bool,
    pub retention_days: Option<i32>,
}

#[derive(Debug, Clone, Queryable)]
pub(crate) struct MessageRow {
    pub id: MessageId,
    pub chat_id: ChatId,
    pub seq: i64,
    pub sender_id: UserId,
    pub content: String,
    pub client_id: Option<ClientKey>,
    pub created_at: NaiveDateTime,
    pub edited_at: Option<NaiveDateTime>,
    pub deleted: bool,
    pub version: i64,
    pub reply_to_id: Option<MessageId>,
    /// A system line's event as stored (see `store::system_lines`); `None` for what people write.
    pub system_event: Option<String>,
}

impl MessageRow {
    pub(crate) fn into_message(self, sender_name: &str) -> Message {
        Message {
            id: self.id,
            chat_id: self.chat_id,
            seq: self.seq,
            sender: User {
                id: self.sender_id,
                username: sender_name.to_owned(),
            },
            // A tombstone never carries its old text, whatever the row still holds.
            content: if self.deleted {
                String::new()
            } else {
                self.content
            },
            client_id: self.client_id.map(|key| key.0),
            created_at: to_utc(self.created_at),
            edited_at: self.edited_at.map(to_utc),
            deleted: self.deleted,
            version: self.version,
            // Filled in by `store::message_parts::render` where the message is rendered.
            reply_to: None,
            reactions: Vec::new(),
            mentions: Vec::new(),
            attachments: Vec::new(),
            system: None,
        }
    }
}
