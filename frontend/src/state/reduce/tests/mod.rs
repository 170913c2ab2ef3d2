//! The reducer, one input at a time: what the data becomes and which effects follow. Shared
//! builders here; `events` has a test for every `ServerEvent` variant, `inputs` the rest, `trust`
//! blocks, closed chats, unknown presence and rate limits, `resume` catching up by version.

use chat_protocol::{ChatKind, ErrorCode, Message, MessagePage, ReadPosition};

use super::*;
use crate::model::fixtures::{chat, chat_id, draft, id, msg, user, user_id};
use crate::model::outbox::{Link, PendingState};

mod events;
mod inputs;
mod resume;
mod trust;

const CHAT: u128 = 10;

fn me() -> UserId {
    user_id(1)
}

fn moment() -> Moment {
    Moment {
        me: me(),
        open: None,
        viewing: None,
        now_ms: 1_000.0,
    }
}

fn viewing(chat: u128) -> Moment {
    Moment {
        open: Some(chat_id(chat)),
        viewing: Some(chat_id(chat)),
        ..moment()
    }
}

/// Message `seq` in chat `CHAT` from user `sender` ("bob" is 2, me is 1).
fn message(seq: i64, sender: u128) -> Message {
    let mut m = msg(seq, "hi");
    m.chat_id = chat_id(CHAT);
    m.sender = user(sender, if sender == 1 { "me" } else { "bob" });
    m
}

fn page(seqs: std::ops::RangeInclusive<i64>) -> MessagePage {
    MessagePage {
        messages: seqs.map(|s| message(s, 2)).collect(),
        has_more: false,
    }
}

/// The chat `CHAT` in the list, with messages 1..=`loaded` loaded in its timeline.
fn data_with_chat(loaded: i64) -> ChatData {
    let mut data = ChatData::default();
    data.chats_fetched(vec![chat(CHAT, ChatKind::Direct)], &moment());
    data.timeline_requested(chat_id(CHAT));
    data.latest_page(chat_id(CHAT), page(1..=loaded));
    data.take_changed();
    data
}

fn seqs(data: &ChatData, chat: u128) -> Vec<i64> {
    data.timelines[&chat_id(chat)]
        .messages()
        .iter()
        .map(|m| m.seq)
        .collect()
}

fn error(message: &str, command: Option<&str>, client_id: Option<uuid::Uuid>) -> ServerEvent {
    error_coded(ErrorCode::ValidationFailed, message, command, client_id)
}

fn error_coded(
    code: ErrorCode,
    message: &str,
    command: Option<&str>,
    client_id: Option<uuid::Uuid>,
) -> ServerEvent {
    ServerEvent::Error {
        code,
        message: message.into(),
        command: command.map(str::to_owned),
        client_id,
        request_id: None,
    }
}
