//! Pickers for `Socket::wait_for`: each takes an event and returns what a test looks at when it
//! is the wanted kind, `None` for any other kind. And `send`, the `new_message` command.

use chat_protocol::{
    Chat, ChatId, ClientCommand, ErrorCode, Message, MessageId, ServerEvent, User, UserId,
};
use uuid::Uuid;

/// A `new_message` command with a fresh `client_id`, and that id.
pub fn send(chat_id: ChatId, content: &str) -> (ClientCommand, Uuid) {
    let client_id = Uuid::new_v4();
    (
        ClientCommand::NewMessage {
            chat_id,
            content: content.into(),
            client_id,
            reply_to: None,
            attachments: Vec::new(),
        },
        client_id,
    )
}

pub fn new_message(event: ServerEvent) -> Option<Message> {
    match event {
        ServerEvent::NewMessage { message } => Some(message),
        _ => None,
    }
}

pub fn message_updated(event: ServerEvent) -> Option<Message> {
    match event {
        ServerEvent::MessageUpdated { message } => Some(message),
        _ => None,
    }
}

/// `message_deleted`: (chat id, message id, seq).
pub fn deleted(event: ServerEvent) -> Option<(ChatId, MessageId, i64)> {
    match event {
        ServerEvent::MessageDeleted {
            chat_id,
            message_id,
            seq,
            ..
        } => Some((chat_id, message_id, seq)),
        _ => None,
    }
}

/// A `messages` page: (messages, has_more, request_id).
pub fn page(event: ServerEvent) -> Option<(Vec<Message>, bool, Option<String>)> {
    match event {
        ServerEvent::Messages {
            messages,
            has_more,
            request_id,
            ..
        } => Some((messages, has_more, request_id)),
        _ => None,
    }
}

/// (chat id, who is typing).
pub fn typing(event: ServerEvent) -> Option<(ChatId, User)> {
    match event {
        ServerEvent::Typing { chat_id, user } => Some((chat_id, user)),
        _ => None,
    }
}

/// (chat id, reader, seq).
pub fn read(event: ServerEvent) -> Option<(ChatId, UserId, i64)> {
    match event {
        ServerEvent::Read {
            chat_id,
            user_id,
            seq,
        } => Some((chat_id, user_id, seq)),
        _ => None,
    }
}

/// (user id, online).
pub fn presence(event: ServerEvent) -> Option<(UserId, bool)> {
    match event {
        ServerEvent::Presence { user_id, online } => Some((user_id, online)),
        _ => None,
    }
}

pub fn chat_updated(event: ServerEvent) -> Option<Chat> {
    match event {
        ServerEvent::ChatUpdated { chat } => Some(chat),
        _ => None,
    }
}

/// (code, the command it answers).
pub fn error(event: ServerEvent) -> Option<(ErrorCode, Option<String>)> {
    match event {
        ServerEvent::Error { code, command, .. } => Some((code, command)),
        _ => None,
    }
}

/// A `new_message` command answering `reply_to`, with a fresh `client_id`.
pub fn reply(chat_id: ChatId, content: &str, reply_to: MessageId) -> ClientCommand {
    ClientCommand::NewMessage {
        chat_id,
        content: content.into(),
        client_id: Uuid::new_v4(),
        reply_to: Some(reply_to),
        attachments: Vec::new(),
    }
}

/// `reaction`: (message id, emoji, who, on, version).
pub fn reaction(event: ServerEvent) -> Option<(MessageId, String, UserId, bool, i64)> {
    match event {
        ServerEvent::Reaction {
            message_id,
            emoji,
            user_id,
            on,
            version,
            ..
        } => Some((message_id, emoji, user_id, on, version)),
        _ => None,
    }
}
