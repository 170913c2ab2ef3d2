//! C idle authenticated sockets: how fast they connect, how many fail, how many survive a hold
//! period, and (given the server's pid) how much server memory each one costs. Sockets can be
//! spread over several 127.0.0.x source addresses to get past the ~28k ephemeral ports of one
//! address pair.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures_util::{StreamExt, stream};
use serde_json::json;

use crate::BenchError;
use crate::client;
use crate::report::Report;
use crate::setup::Context;

#[derive(Debug, Clone, clap::Args)]
pub(crate) struct Args {
    /// Sockets to open.
    #[arg(long, default_value_t = 10_000)]
    pub count: usize,
    /// Users the sockets are spread over (a user may hold many sockets).
    #[arg(long, default_value_t = 100)]
    pub users: usize,
    /// Handshakes in flight at once.
    #[arg(long, default_value_t = 256)]
    pub parallel: usize,
    /// Source addresses 127.0.0.1 ..= 127.0.0.N.
    #[arg(long, default_value_t = 1)]
    pub sources: u8,
    /// Seconds to hold the sockets open after connecting.
    #[arg(long, default_value_t = 5)]
    pub hold: u64,
    /// The server's pid, to read its resident memory from /proc.
    #[arg(long)]
    pub server_pid: Option<u32>,
}

/// Resident set size of `pid` in KiB.
pub(crate) fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

pub(crate) async fn run(ctx: &Context, args: Args) -> Result<Report, BenchError> {
    let users = ctx.users(args.users.max(1)).await?;
    let rss_before = args.server_pid.and_then(rss_kib);
    let open = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let sources = args.sources.max(1);
    let progress = {
        let open = open.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_secs(1)).await;
                eprintln!(
                    "  t={:>4.0}s  open {:>7}",
                    start.elapsed().as_secs_f64(),
                    open.load(Ordering::Relaxed)
                );
            }
        })
    };
    let writers: Vec<_> = stream::iter(0..args.count)
        .map(|i| {
            let user = &users[i % users.len()];
            let source = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 1 + (i % sources as usize) as u8));
            let (open, failed) = (open.clone(), failed.clone());
            async move {
                match client::connect(ctx.socket_target(i), &user.token, Some(source)).await {
                    Ok((writer, mut reader)) => {
                        open.fetch_add(1, Ordering::Relaxed);
                        let open = open.clone();
                        tokio::spawn(async move {
                            // Reading answers the server's pings.
                            while client::next_text(&mut reader).await.is_some() {}
                            open.fetch_sub(1, Ordering::Relaxed);
                        });
                        Some(writer)
                    }
                    Err(e) => {
                        if failed.fetch_add(1, Ordering::Relaxed) < 5 {
                            eprintln!("  connect failed: {e}");
                        }
                        None
                    }
                }
            }
        })
        .buffer_unordered(args.parallel.max(1))
        .collect()
        .await;
    let connect_s = start.elapsed().as_secs_f64();
    let connected = open.load(Ordering::Relaxed);
    tokio::time::sleep(Duration::from_secs(1)).await;
    let rss_after = args.server_pid.and_then(rss_kib);
    tokio::time::sleep(Duration::from_secs(args.hold)).await;
    let still_open = open.load(Ordering::Relaxed);
    progress.abort();
    let per_socket = match (rss_before, rss_after) {
        (Some(b), Some(a)) if connected > 0 => {
            Some((a.saturating_sub(b)) as f64 / connected as f64)
        }
        _ => None,
    };
    drop(writers);
    let mut extra = serde_json::Map::new();
    extra.insert("connected".into(), json!(connected));
    extra.insert("failed".into(), json!(failed.load(Ordering::Relaxed)));
    extra.insert("connect_s".into(), json!(connect_s));
    extra.insert(
        "dropped_in_hold".into(),
        json!(connected - still_open.min(connected)),
    );
    extra.insert("server_rss_before_kib".into(), json!(rss_before));
    extra.insert("server_rss_after_kib".into(), json!(rss_after));
    extra.insert("server_kib_per_socket".into(), json!(per_socket));
    Ok(Report {
        scenario: "connections".into(),
        params: json!({"count": args.count, "users": args.users, "parallel": args.parallel, "sources": sources, "hold": args.hold}),
        duration_s: connect_s,
        per_second: connected as f64 / connect_s.max(1e-9),
        extra,
        ..Report::default()
    })
}
