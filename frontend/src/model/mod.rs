//! The app's data and the pure rules that change it: a chat's timeline, the outbox of unconfirmed
//! sends, the chat list order, typing indicators, the conversation's rows and the list of
//! signed-in devices, the emoji picker's set, `@` autocompletion and which messages notify. Plain Rust, tested natively; no signals, no browser, no network.

pub(crate) mod alerts;
pub(crate) mod chat_list;
pub(crate) mod emoji;
#[cfg(test)]
pub(crate) mod fixtures;
pub(crate) mod mentions;
pub(crate) mod outbox;
pub(crate) mod rows;
pub(crate) mod sessions;
pub(crate) mod timeline;
pub(crate) mod typing;
pub(crate) mod uploads;
