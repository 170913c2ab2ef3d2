//! R rooms × M members; S members of each room send, every member's socket receives. Closed
//! loop (each sender keeps `window` messages unconfirmed until its own echo) or open loop at a
//! fixed total `rate`.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use chat_protocol::ChatId;
use chat_protocol::ClientCommand;
use serde_json::json;
use tokio::sync::{Semaphore, watch};
use uuid::Uuid;

use super::{Live, connect_all, progress, settle};
use crate::BenchError;
use crate::client::{self, Reader, Writer};
use crate::report::Report;
use crate::setup::Context;
use crate::stats::Receipts;

#[derive(Debug, Clone, clap::Args)]
pub(crate) struct Args {
    #[arg(long, default_value_t = 10)]
    pub rooms: usize,
    #[arg(long, default_value_t = 10)]
    pub members: usize,
    /// Senders per room.
    #[arg(long, default_value_t = 1)]
    pub senders: usize,
    /// Closed loop: messages each sender may have unconfirmed.
    #[arg(long, default_value_t = 8)]
    pub window: usize,
    /// Open loop: total messages per second over all senders (disables the window).
    #[arg(long)]
    pub rate: Option<f64>,
    /// Messages per sender.
    #[arg(long, default_value_t = 2000)]
    pub messages: u64,
    /// Upper bound on the sending phase, seconds.
    #[arg(long, default_value_t = 30)]
    pub duration: u64,
}

fn now_ns(start: Instant) -> u64 {
    start.elapsed().as_nanos() as u64
}

/// Reads one socket's events until told to stop; releases the sender's window on its echoes.
pub(crate) async fn read_deliveries(
    mut reader: Reader,
    me: Option<usize>,
    window: Option<Arc<Semaphore>>,
    live: Arc<Live>,
    start: Instant,
    mut stop: watch::Receiver<bool>,
) -> Receipts {
    let mut receipts = Receipts::default();
    loop {
        let text = tokio::select! {
            text = client::next_text(&mut reader) => match text {
                Some(text) => text,
                None => break,
            },
            _ = stop.changed() => break,
        };
        let Some(event) = client::parse(&text) else {
            continue;
        };
        if event.kind != "new_message" {
            continue;
        }
        let Some(message) = event.message else {
            continue;
        };
        let Some((sender, counter, sent_ns)) = client::parse_body(message.content) else {
            continue;
        };
        let at = now_ns(start);
        receipts.record(
            message.chat_id,
            message.seq,
            sender,
            counter,
            Some(at.saturating_sub(sent_ns) / 1000),
        );
        live.delivered(at);
        if Some(sender) == me
            && let Some(window) = &window
        {
            window.add_permits(1);
        }
    }
    receipts
}

pub(crate) async fn run(ctx: &Context, args: Args) -> Result<Report, BenchError> {
    if args.rooms == 0 || args.members == 0 || args.senders == 0 || args.senders > args.members {
        return Err(BenchError::Setup(
            "need rooms, members ≥ senders ≥ 1".into(),
        ));
    }
    let users = ctx.users(args.rooms * args.members).await?;
    let mut rooms = Vec::with_capacity(args.rooms);
    for r in 0..args.rooms {
        let members = &users[r * args.members..(r + 1) * args.members];
        let id = ctx.room(members, &format!("bench-{r}")).await?;
        rooms.push(
            id.parse::<ChatId>()
                .map_err(|e| BenchError::Setup(e.to_string()))?,
        );
    }
    let sockets = connect_all(ctx, &users, 64).await?;
    // Give the server a moment to finish its per-socket setup (presence) before measuring.
    tokio::time::sleep(Duration::from_millis(300)).await;

    let start = Instant::now();
    let live = Arc::new(Live::default());
    let (stop_tx, stop_rx) = watch::channel(false);
    let closed_loop = args.rate.is_none();
    let mut readers = Vec::new();
    let mut senders: Vec<(usize, ChatId, Writer, Option<Arc<Semaphore>>)> = Vec::new();
    let mut keep_writers = Vec::new();
    for (i, (writer, reader)) in sockets.into_iter().enumerate() {
        let (room, position) = (i / args.members, i % args.members);
        let me = (position < args.senders).then_some(room * args.senders + position);
        let window = (me.is_some() && closed_loop).then(|| Arc::new(Semaphore::new(args.window)));
        if let Some(sender) = me {
            senders.push((sender, rooms[room], writer.clone(), window.clone()));
        }
        keep_writers.push(writer);
        readers.push(tokio::spawn(read_deliveries(
            reader,
            me,
            window,
            live.clone(),
            start,
            stop_rx.clone(),
        )));
    }
    let ticker = progress(live.clone(), start);
    let deadline = start + Duration::from_secs(args.duration);
    let per_sender_interval = args
        .rate
        .map(|rate| Duration::from_secs_f64(senders.len() as f64 / rate.max(0.001)));
    let mut sending = Vec::new();
    for (sender, chat_id, writer, window) in senders {
        let live = live.clone();
        let messages = args.messages;
        sending.push(tokio::spawn(async move {
            let mut sent = 0u64;
            let mut next = Instant::now();
            for counter in 0..messages {
                if Instant::now() >= deadline {
                    break;
                }
                if let Some(window) = &window {
                    match tokio::time::timeout_at(deadline.into(), window.acquire()).await {
                        Ok(Ok(permit)) => permit.forget(),
                        _ => break,
                    }
                } else if let Some(interval) = per_sender_interval {
                    next += interval;
                    tokio::time::sleep_until(next.into()).await;
                }
                let command = ClientCommand::NewMessage {
                    chat_id,
                    content: client::body(sender, counter, now_ns(start)),
                    client_id: Uuid::new_v4(),
                    reply_to: None,
                    attachments: Vec::new(),
                };
                if !writer.command(&command) {
                    break;
                }
                sent += 1;
                live.sent.fetch_add(1, Ordering::Relaxed);
            }
            (sender, sent)
        }));
    }
    let mut sent_by: HashMap<usize, u64> = HashMap::new();
    for task in sending {
        if let Ok((sender, sent)) = task.await {
            sent_by.insert(sender, sent);
        }
    }
    let sent: u64 = sent_by.values().sum();
    let expected = sent * args.members as u64;
    settle(&live, expected, Duration::from_secs(10)).await;
    let _ = stop_tx.send(true);
    ticker.abort();
    let mut all = Receipts::default();
    for reader in readers {
        if let Ok(receipts) = reader.await {
            all.merge(&receipts);
        }
    }
    drop(keep_writers);
    let active_s = live.last_delivery_ns.load(Ordering::Relaxed) as f64 / 1e9;
    let params = json!({
        "rooms": args.rooms, "members": args.members, "senders": args.senders,
        "window": if closed_loop { Some(args.window) } else { None },
        "rate": args.rate, "messages": args.messages, "duration": args.duration,
    });
    Ok(Report::deliveries(
        "fanout", params, sent, expected, &all, active_s,
    ))
}
