//! Components. Message text is only ever rendered as text nodes (never as HTML).

mod app;
mod auth;
mod avatar;
mod contacts;
mod conversation;
mod members;
mod message;
mod new_chat;
mod shell;
mod sidebar;
mod status;

pub use app::App;
