//! The load scenarios, one module each; each sets up its users and rooms through the REST API,
//! drives sockets and returns a report. They never reach into the server under test.

pub(crate) mod chats;
pub(crate) mod connections;
pub(crate) mod fanout;
pub(crate) mod history;
pub(crate) mod mixed;
pub(crate) mod search;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures_util::{StreamExt, stream};

use crate::BenchError;
use crate::client::{self, Reader, Writer};
use crate::setup::{BenchUser, Context};

/// Opens one socket per user, `parallel` handshakes at a time.
pub(crate) async fn connect_all(
    ctx: &Context,
    users: &[BenchUser],
    parallel: usize,
) -> Result<Vec<(Writer, Reader)>, BenchError> {
    let results: Vec<Result<(Writer, Reader), BenchError>> = stream::iter(users.iter().enumerate())
        .map(|(n, u)| client::connect(ctx.socket_target(n), &u.token, None))
        .buffered(parallel)
        .collect()
        .await;
    results.into_iter().collect()
}

/// Counters shared by readers and the progress line.
#[derive(Default)]
pub(crate) struct Live {
    pub delivered: AtomicU64,
    pub sent: AtomicU64,
    /// Nanoseconds since the run's start of the latest delivery.
    pub last_delivery_ns: AtomicU64,
}

impl Live {
    pub(crate) fn delivered(&self, at_ns: u64) {
        self.delivered.fetch_add(1, Ordering::Relaxed);
        self.last_delivery_ns.fetch_max(at_ns, Ordering::Relaxed);
    }
}

/// Prints a progress line to stderr every second until dropped.
pub(crate) fn progress(live: Arc<Live>, start: Instant) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        tick.tick().await;
        let mut before = 0;
        loop {
            tick.tick().await;
            let delivered = live.delivered.load(Ordering::Relaxed);
            eprintln!(
                "  t={:>4.0}s  sent {:>9}  delivered {:>10}  {:>9}/s",
                start.elapsed().as_secs_f64(),
                live.sent.load(Ordering::Relaxed),
                delivered,
                delivered - before
            );
            before = delivered;
        }
    })
}

/// Waits until `done()` holds, or no progress was made for `idle`.
pub(crate) async fn settle(live: &Live, expected: u64, idle: Duration) {
    let mut last = live.delivered.load(Ordering::Relaxed);
    let mut since = Instant::now();
    while last < expected && since.elapsed() < idle {
        tokio::time::sleep(Duration::from_millis(20)).await;
        let now = live.delivered.load(Ordering::Relaxed);
        if now != last {
            last = now;
            since = Instant::now();
        }
    }
}
