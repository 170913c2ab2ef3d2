//! The chat server: REST + one WebSocket per client over SQLite or PostgreSQL, fanned out
//! in process or through Redis. `main.rs` parses [`Config`] and calls [`run`]; nothing else is
//! exported, so rustc reports any item nothing uses.
//!
//! Layers, each using only those below it (checked by `scripts/import-cycles.py`):
//! - edges: `http` (REST handlers, extractors, request log, web app files) and `ws` (the socket
//!   loop and one function per command); `startup` wires everything and runs the server;
//!   `admin` runs an operator's command on the database instead;
//! - `services`: what a chat does beyond one query (announcing presence and chat changes);
//!   `push`: Web Push to browsers without an open socket, off the message path;
//! - `state`: the shared context handed to the edges;
//! - `realtime`: delivery plumbing (hub, reorder buffer, broker, writer, presence, Redis);
//! - `store` (queries), `db` (connections, schema, migrations), `auth` (hashing, tokens),
//!   `limits`, `metrics`, `error`, `config`.

mod admin;
mod auth;
mod config;
mod db;
mod error;
mod http;
mod limits;
mod metrics;
mod push;
mod realtime;
mod services;
mod startup;
mod state;
mod store;
mod uploads;
mod ws;

pub use admin::{AdminError, run as admin};
pub use config::{AdminCommand, Command, Config, LogFormat};
pub use startup::{StartError, run};
