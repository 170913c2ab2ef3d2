//! `fetch_messages` round trips: each client keeps one request in flight on its own socket.

use std::time::{Duration, Instant};

use chat_protocol::ChatId;
use chat_protocol::ClientCommand;
use serde_json::json;
use uuid::Uuid;

use super::connect_all;
use crate::BenchError;
use crate::client;
use crate::report::{Percentiles, Report};
use crate::setup::Context;
use crate::stats::histogram;

#[derive(Debug, Clone, clap::Args)]
pub(crate) struct Args {
    #[arg(long, default_value_t = 10)]
    pub clients: usize,
    /// Round trips per client.
    #[arg(long, default_value_t = 2000)]
    pub requests: u64,
    /// Page size asked for.
    #[arg(long, default_value_t = 50)]
    pub limit: u32,
    /// Messages stored in the room first.
    #[arg(long, default_value_t = 200)]
    pub prefill: u64,
    /// Upper bound, seconds.
    #[arg(long, default_value_t = 30)]
    pub duration: u64,
}

pub(crate) async fn run(ctx: &Context, args: Args) -> Result<Report, BenchError> {
    let users = ctx.users(args.clients.max(2)).await?;
    let room = ctx.room(&users, "bench-history").await?;
    let chat_id: ChatId = room
        .parse()
        .map_err(|e: uuid::Error| BenchError::Setup(e.to_string()))?;
    let mut sockets = connect_all(ctx, &users, 64).await?;
    {
        let (writer, reader) = &mut sockets[0];
        for i in 0..args.prefill {
            writer.command(&ClientCommand::NewMessage {
                chat_id,
                content: format!("history {i}"),
                client_id: Uuid::new_v4(),
                reply_to: None,
                attachments: Vec::new(),
            });
        }
        let mut echoed = 0;
        while echoed < args.prefill {
            let text = tokio::time::timeout(Duration::from_secs(30), client::next_text(reader))
                .await
                .ok()
                .flatten()
                .ok_or_else(|| BenchError::Setup("prefill did not complete".into()))?;
            if client::parse(&text).is_some_and(|e| e.kind == "new_message") {
                echoed += 1;
            }
        }
    }
    let start = Instant::now();
    let deadline = start + Duration::from_secs(args.duration);
    let mut tasks = Vec::new();
    for (writer, mut reader) in sockets {
        let requests = args.requests;
        let limit = args.limit;
        tasks.push(tokio::spawn(async move {
            let mut rtt = histogram();
            let mut short_pages = 0u64;
            for i in 0..requests {
                if Instant::now() >= deadline {
                    break;
                }
                let asked = Instant::now();
                writer.command(&ClientCommand::FetchMessages {
                    chat_id,
                    before_seq: None,
                    after_seq: None,
                    after_version: None,
                    limit: Some(limit),
                    request_id: Some(i.to_string()),
                });
                loop {
                    let Some(text) = client::next_text(&mut reader).await else {
                        return (rtt, short_pages);
                    };
                    let wanted = i.to_string();
                    if let Some(event) = client::parse(&text)
                        && event.kind == "messages"
                        && event.request_id.is_none_or(|r| r == wanted)
                    {
                        if event.messages.map_or(0, |m| m.len()) < limit as usize {
                            short_pages += 1;
                        }
                        break;
                    }
                }
                let _ = rtt.record(asked.elapsed().as_micros().max(1) as u64);
            }
            (rtt, short_pages)
        }));
    }
    let mut all = histogram();
    let mut short = 0;
    for task in tasks {
        if let Ok((h, s)) = task.await {
            let _ = all.add(&h);
            short += s;
        }
    }
    let elapsed = start.elapsed().as_secs_f64();
    let mut extra = serde_json::Map::new();
    extra.insert("short_pages".into(), json!(short));
    Ok(Report {
        scenario: "history".into(),
        params: json!({"clients": args.clients, "requests": args.requests, "limit": args.limit, "prefill": args.prefill}),
        duration_s: elapsed,
        sent: all.len(),
        per_second: all.len() as f64 / elapsed.max(1e-9),
        latency_ms: Percentiles::from_us(&all),
        extra,
        ..Report::default()
    })
}
