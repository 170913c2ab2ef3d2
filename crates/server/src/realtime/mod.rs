//! Real-time delivery: the socket loop, one handler per client command, the local hub of open
//! sockets, the broker that fans events out (in process, or through Redis across instances),
//! presence, and the per-user limits.
//!
//! A message's path: socket loop → `commands` → `writer` (one transaction per batch assigns
//! each `seq` and inserts) → `Broker::publish` → `Hub::deliver` → each member socket's bounded queue.

pub mod broker;
pub mod commands;
pub mod events;
pub mod hub;
pub mod limits;
pub mod presence;
pub mod redis;
pub mod session;
pub mod writer;

use std::sync::Arc;

use tokio::sync::watch;

pub use broker::Broker;
pub use hub::Hub;
pub use presence::Presence;

use limits::{RateLimiter, TypingThrottle};
use writer::MessageWriter;

/// Everything the sockets share.
pub struct Realtime {
    pub hub: Arc<Hub>,
    pub broker: Arc<Broker>,
    pub presence: Presence,
    pub rate_limiter: RateLimiter,
    pub typing: TypingThrottle,
    pub writer: MessageWriter,
    /// A socket silent for this long is dropped; the server pings at a third of it.
    pub idle_timeout: std::time::Duration,
    /// Flips to `true` when the server drains; sockets close with 1001.
    pub shutdown: watch::Receiver<bool>,
}
