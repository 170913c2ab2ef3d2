//! The chat web app. Plain-Rust logic (tested natively with `cargo test -p chat-web`) lives in
//! `reconnect`, `timeline`, `outbox`, `chat_list`, `typing`, `rows`, `format` and `errors`; the
//! browser side is `api` (REST), `session` (tokens), `socket` (the one WebSocket), `store`
//! (reactive state) and the `ui` components.

pub mod chat_list;
pub mod errors;
pub mod format;
pub mod outbox;
pub mod reconnect;
pub mod rows;
pub mod timeline;
pub mod typing;

pub mod api;
pub mod route;
pub mod session;
pub mod socket;
pub mod store;
pub mod ui;
