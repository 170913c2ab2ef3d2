//! WebSocket frames: commands the client sends (tagged by `command`) and events the server sends
//! (tagged by `type`). One JSON object per text frame.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::ErrorCode;
use crate::ids::{ChatId, MessageId, UploadId, UserId};
use crate::model::{Chat, Message, User};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case", deny_unknown_fields)]
pub enum ClientCommand {
    FetchMessages {
        chat_id: ChatId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        before_seq: Option<i64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        after_seq: Option<i64>,
        /// Every message changed after this version, in version order (not with the seqs).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        after_version: Option<i64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        limit: Option<u32>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
    },
    NewMessage {
        chat_id: ChatId,
        content: String,
        /// Chosen by the client; a retry with the same id stores nothing new.
        client_id: Uuid,
        /// A message of the same chat this one answers.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reply_to: Option<MessageId>,
        /// Up to 10 of the sender's own uploads not attached yet; `content` may then be empty.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        attachments: Vec<UploadId>,
    },
    EditMessage {
        message_id: MessageId,
        content: String,
    },
    DeleteMessage {
        message_id: MessageId,
    },
    Typing {
        chat_id: ChatId,
    },
    MarkRead {
        chat_id: ChatId,
        seq: i64,
    },
    /// Adds (`on`) or takes back the caller's `emoji` on a message.
    React {
        message_id: MessageId,
        emoji: String,
        on: bool,
    },
    /// Added to the contract: "are you there?". The server answers `pong` at once, without
    /// touching the database, so a client can tell a socket that is open but no longer
    /// answered (a frozen server, a dead path) from a quiet chat.
    Ping {},
}

impl ClientCommand {
    /// Every `command` tag, so a frame whose body does not parse can still be answered with the
    /// command it named (and an unknown name is never echoed back).
    pub const NAMES: [&'static str; 8] = [
        "fetch_messages",
        "new_message",
        "edit_message",
        "delete_message",
        "typing",
        "mark_read",
        "react",
        "ping",
    ];

    /// The `command` tag, echoed in `error` events.
    pub fn name(&self) -> &'static str {
        match self {
            Self::FetchMessages { .. } => "fetch_messages",
            Self::NewMessage { .. } => "new_message",
            Self::EditMessage { .. } => "edit_message",
            Self::DeleteMessage { .. } => "delete_message",
            Self::Typing { .. } => "typing",
            Self::MarkRead { .. } => "mark_read",
            Self::React { .. } => "react",
            Self::Ping {} => "ping",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerEvent {
    Ready {
        user: User,
    },
    Messages {
        chat_id: ChatId,
        messages: Vec<Message>,
        has_more: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
    },
    NewMessage {
        message: Message,
    },
    MessageUpdated {
        message: Message,
    },
    MessageDeleted {
        chat_id: ChatId,
        message_id: MessageId,
        seq: i64,
        version: i64,
    },
    Typing {
        chat_id: ChatId,
        user: User,
    },
    Presence {
        user_id: UserId,
        online: bool,
    },
    Read {
        chat_id: ChatId,
        user_id: UserId,
        seq: i64,
    },
    ChatUpdated {
        chat: Chat,
    },
    /// Someone added (`on`) or took back an emoji on a message; `version` is the message's new
    /// version.
    Reaction {
        chat_id: ChatId,
        message_id: MessageId,
        emoji: String,
        user_id: UserId,
        on: bool,
        version: i64,
    },
    /// Added to the contract: the server may have missed fan-out for a while (e.g. its Redis
    /// link dropped); the client should refetch with `after_seq` in every chat it shows.
    Resync,
    /// Added to the contract: the answer to `ping`.
    Pong,
    Error {
        code: ErrorCode,
        message: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        command: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        client_id: Option<Uuid>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
    },
}
