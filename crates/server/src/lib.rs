//! The chat server as a library: `chat-server` (`main.rs`) parses configuration and calls
//! [`app::run`]; tests start the binary on a loopback port.

pub mod api;
pub mod app;
pub mod auth;
pub mod config;
pub mod db;
pub mod error;
pub mod http_log;
pub mod metrics;
pub mod realtime;
pub mod store;
