//! A realistic mix: many idle sockets, a few active rooms sending at a steady rate, and
//! reconnect churn: members of active rooms drop their socket, reconnect and resume with
//! `after_seq`, and must still end up with every message exactly once. Needs the chat server
//! (the baseline has no `seq`).

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use chat_protocol::ChatId;
use chat_protocol::ClientCommand;
use serde_json::json;
use tokio::sync::{Notify, watch};
use uuid::Uuid;

use super::{Live, connect_all, progress, settle};
use crate::BenchError;
use crate::client;
use crate::report::Report;
use crate::setup::{BenchUser, Context};
use crate::stats::Receipts;

#[derive(Debug, Clone, clap::Args)]
pub(crate) struct Args {
    /// Idle sockets.
    #[arg(long, default_value_t = 2000)]
    pub idle: usize,
    /// Users the idle sockets belong to.
    #[arg(long, default_value_t = 100)]
    pub idle_users: usize,
    #[arg(long, default_value_t = 5)]
    pub rooms: usize,
    #[arg(long, default_value_t = 10)]
    pub members: usize,
    /// Messages per second per active room.
    #[arg(long, default_value_t = 50.0)]
    pub rate: f64,
    /// Reconnects per second among active members.
    #[arg(long, default_value_t = 5.0)]
    pub churn: f64,
    /// Seconds of sending.
    #[arg(long, default_value_t = 20)]
    pub duration: u64,
}

/// One active member: reads live, and after each forced reconnect recovers with `after_seq`.
async fn member(
    target: crate::Target,
    user: BenchUser,
    chat: ChatId,
    kick: Arc<Notify>,
    live: Arc<Live>,
    start: Instant,
    mut stop: watch::Receiver<bool>,
) -> (Receipts, u64) {
    let key = chat.to_string();
    let mut receipts = Receipts::default();
    let mut reconnects = 0;
    let mut resume: Option<i64> = None;
    'connection: loop {
        let Ok((writer, mut reader)) = client::connect(&target, &user.token, None).await else {
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        };
        let fetch = |after: i64| ClientCommand::FetchMessages {
            chat_id: chat,
            before_seq: None,
            after_seq: Some(after),
            after_version: None,
            limit: Some(100),
            request_id: None,
        };
        if let Some(after) = resume {
            writer.command(&fetch(after));
        }
        loop {
            let text = tokio::select! {
                text = client::next_text(&mut reader) => match text {
                    Some(t) => t,
                    None => { resume = receipts.last_seq(&key).or(resume); continue 'connection; }
                },
                _ = kick.notified() => {
                    writer.close();
                    reconnects += 1;
                    resume = Some(receipts.last_seq(&key).unwrap_or(0));
                    continue 'connection;
                }
                _ = stop.changed() => break 'connection,
            };
            let Some(event) = client::parse(&text) else {
                continue;
            };
            let at = start.elapsed().as_nanos() as u64;
            match (event.kind, event.message, event.messages) {
                ("new_message", Some(m), _) => {
                    if let Some((sender, counter, sent)) = client::parse_body(m.content) {
                        receipts.record(
                            &key,
                            m.seq,
                            sender,
                            counter,
                            Some(at.saturating_sub(sent) / 1000),
                        );
                        live.delivered(at);
                    }
                }
                ("messages", _, Some(page)) => {
                    let mut last = None;
                    for m in &page {
                        if let (Some(seq), Some((sender, counter, _))) =
                            (m.seq, m.content.as_deref().and_then(client::parse_body))
                        {
                            let before = receipts.delivered;
                            receipts.record(&key, Some(seq), sender, counter, None);
                            if receipts.delivered > before {
                                live.delivered(at);
                            }
                            last = Some(seq);
                        }
                    }
                    if let Some(last) = last {
                        receipts.set_last_seq(&key, last);
                        if event.has_more == Some(true) {
                            writer.command(&fetch(last));
                        }
                    }
                }
                _ => {}
            }
        }
    }
    (receipts, reconnects)
}

pub(crate) async fn run(ctx: &Context, args: Args) -> Result<Report, BenchError> {
    let active_users = args.rooms * args.members;
    let users = ctx.users(active_users + args.idle_users.max(1)).await?;
    let (active, idle_users) = users.split_at(active_users);
    let mut rooms = Vec::new();
    for r in 0..args.rooms {
        let id = ctx
            .room(
                &active[r * args.members..(r + 1) * args.members],
                &format!("mixed-{r}"),
            )
            .await?;
        rooms.push(
            id.parse::<ChatId>()
                .map_err(|e| BenchError::Setup(e.to_string()))?,
        );
    }
    let idle_owners: Vec<BenchUser> = (0..args.idle)
        .map(|i| idle_users[i % idle_users.len()].clone())
        .collect();
    let idle = connect_all(ctx, &idle_owners, 128).await?;
    let idle_readers: Vec<_> = idle
        .into_iter()
        .map(|(w, mut r)| {
            tokio::spawn(async move {
                let _keep = w;
                while client::next_text(&mut r).await.is_some() {}
            })
        })
        .collect();

    let start = Instant::now();
    let live = Arc::new(Live::default());
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut kicks = Vec::new();
    let mut members = Vec::new();
    for (i, user) in active.iter().enumerate() {
        let kick = Arc::new(Notify::new());
        if i % args.members != 0 {
            kicks.push(kick.clone());
        }
        members.push(tokio::spawn(member(
            ctx.socket_target(i).clone(),
            user.clone(),
            rooms[i / args.members],
            kick,
            live.clone(),
            start,
            stop_rx.clone(),
        )));
    }
    // Senders: the first member of each room, on a socket of their own.
    let senders = connect_all(
        ctx,
        &active
            .iter()
            .step_by(args.members)
            .cloned()
            .collect::<Vec<_>>(),
        16,
    )
    .await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let ticker = progress(live.clone(), start);
    let deadline = Instant::now() + Duration::from_secs(args.duration);
    let churn = {
        let interval = Duration::from_secs_f64(1.0 / args.churn.max(0.001));
        tokio::spawn(async move {
            let mut n = 0usize;
            while Instant::now() < deadline && !kicks.is_empty() {
                tokio::time::sleep(interval).await;
                kicks[(n * 7919) % kicks.len()].notify_one();
                n += 1;
            }
        })
    };
    let interval = Duration::from_secs_f64(1.0 / args.rate.max(0.001));
    let mut next = Instant::now();
    let mut counter = 0u64;
    while Instant::now() < deadline {
        next += interval;
        tokio::time::sleep_until(next.into()).await;
        for (room, (writer, _)) in senders.iter().enumerate() {
            writer.command(&ClientCommand::NewMessage {
                chat_id: rooms[room],
                content: client::body(room, counter, start.elapsed().as_nanos() as u64),
                client_id: Uuid::new_v4(),
                reply_to: None,
                attachments: Vec::new(),
            });
            live.sent.fetch_add(1, Ordering::Relaxed);
        }
        counter += 1;
    }
    let _ = churn.await;
    let sent = live.sent.load(Ordering::Relaxed);
    // Senders' own sockets do not count; every member task (sender included) should see all.
    let expected = sent * args.members as u64;
    settle(&live, expected, Duration::from_secs(10)).await;
    let _ = stop_tx.send(true);
    ticker.abort();
    let mut all = Receipts::default();
    let mut reconnects = 0;
    for task in members {
        if let Ok((r, n)) = task.await {
            all.merge(&r);
            reconnects += n;
        }
    }
    for reader in idle_readers {
        reader.abort();
    }
    let active_s = live.last_delivery_ns.load(Ordering::Relaxed) as f64 / 1e9;
    let mut extra = serde_json::Map::new();
    extra.insert("reconnects".into(), json!(reconnects));
    extra.insert("idle_sockets".into(), json!(args.idle));
    let params = json!({"idle": args.idle, "rooms": args.rooms, "members": args.members, "rate": args.rate, "churn": args.churn, "duration": args.duration});
    Ok(Report {
        extra,
        ..Report::deliveries("mixed", params, sent, expected, &all, active_s)
    })
}
