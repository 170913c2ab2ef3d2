//! The chaos run (issue 11): two instances on PostgreSQL fanned out through a private Redis,
//! clients on both sending, editing and deleting under steady load, while the run in turn
//! SIGKILLs an instance and restarts it, restarts Redis, cuts PostgreSQL (every connection of
//! the database terminated; or a real restart, see `CHAOS_PG_RESTART`), and freezes an
//! instance (SIGSTOP, then SIGCONT). Then every client's log is judged against the database:
//! each stored message reached every member exactly once on each socket, in seq order, live or
//! by resume, in its final state (edits and deletes included), and each acknowledged send is
//! stored once.
//!
//! `CHAOS_ROUNDS` (default 1) repeats the four faults; `CHAOS_REPORT=<file>` writes the figures
//! as JSON. The long run's command and figures are in BENCHMARKS.md.

#[path = "../common/mod.rs"]
mod common;

mod client;
mod faults;
mod log;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chat_protocol::{Chat, ChatId, MessagePage};
use common::cluster::{Cluster, cluster};
use serde_json::json;

use client::{Client, Record};
use faults::Fault;
use log::Faults;

/// Steady load between two faults.
const STEADY: Duration = Duration::from_millis(1500);
/// How long every client may take to hold everything stored before a fault was healed.
const RECOVERY_LIMIT: Duration = Duration::from_secs(30);

struct Member {
    record: Arc<Mutex<Record>>,
    chats: Vec<ChatId>,
}

fn lock(record: &Mutex<Record>) -> std::sync::MutexGuard<'_, Record> {
    record.lock().unwrap_or_else(|p| p.into_inner())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_message_survives_every_fault_exactly_once_in_order() {
    let rounds: usize = std::env::var("CHAOS_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(1);
    let Cluster {
        mut redis,
        one,
        two,
    } = cluster(&[("COMMAND_RATE_LIMIT", "0"), ("REST_WRITE_RATE_LIMIT", "0")]).await;
    let bases = [one.base.clone(), two.base.clone()];
    let urls = vec![one.ws_url(), two.ws_url()];

    // Six people, two groups and two direct chats between them.
    let mut people = Vec::new();
    for i in 0..6 {
        people.push(one.user(&format!("c{i}")).await);
    }
    let user = |i: usize| &people[i].1.user;
    let chats: Vec<Chat> = vec![
        people[0]
            .0
            .create_chat(&(1..6).map(user).collect::<Vec<_>>(), Some("all"))
            .await,
        people[1]
            .0
            .create_chat(&[user(2), user(3)], Some("trio"))
            .await,
        people[3].0.create_chat(&[user(4)], None).await,
        people[5].0.create_chat(&[user(0)], None).await,
    ];

    let sending = Arc::new(AtomicBool::new(true));
    let stop = Arc::new(AtomicBool::new(false));
    let mut members = Vec::new();
    let mut tasks = Vec::new();
    for (i, (_, auth)) in people.iter().enumerate() {
        let mine: Vec<ChatId> = chats
            .iter()
            .filter(|c| c.members.iter().any(|m| m.id == auth.user.id))
            .map(|c| c.id)
            .collect();
        let record = Arc::new(Mutex::new(Record::default()));
        members.push(Member {
            record: record.clone(),
            chats: mine.clone(),
        });
        tasks.push(tokio::spawn(
            Client {
                user: auth.user.id,
                token: auth.access_token.clone(),
                chats: mine,
                urls: urls.clone(),
                preferred: i % 2,
                record,
                sending: sending.clone(),
                stop: stop.clone(),
            }
            .run(),
        ));
    }
    let observer = Observer {
        bases: bases.to_vec(),
        tokens: chats
            .iter()
            .map(|c| {
                let member = people
                    .iter()
                    .find(|(_, a)| a.user.id == c.members[0].id)
                    .expect("a member signed in");
                (c.id, member.1.access_token.clone())
            })
            .collect(),
        http: reqwest::Client::new(),
    };

    let started = Instant::now();
    tokio::time::sleep(STEADY).await;
    let mut servers = faults::Servers { one, two, round: 0 };
    let mut recoveries = Vec::new();
    for round in 0..rounds {
        servers.round = round;
        for fault in Fault::ALL {
            let before = faults_so_far(&members);
            let healed = fault.inject(&mut servers, &mut redis).await;
            let marks = observer.last_seqs().await;
            let recovery = wait_until_caught_up(&members, &marks, RECOVERY_LIMIT).await;
            tokio::time::sleep(STEADY).await;
            let mut during = faults_so_far(&members);
            during.subtract(before);
            eprintln!(
                "chaos: {}: clients caught up {recovery:?} after healing; delivery faults {during:?}",
                fault.name()
            );
            recoveries.push(Recovery {
                fault: fault.name(),
                outage: healed,
                caught_up: recovery,
                faults: during,
            });
        }
    }

    // Quiet down: no new sends, every pending one answered, every client up to date.
    sending.store(false, Ordering::Relaxed);
    let deadline = Instant::now() + Duration::from_secs(30);
    while members.iter().any(|m| lock(&m.record).pending() > 0) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let marks = observer.last_seqs().await;
    let settled = wait_until_caught_up(&members, &marks, Duration::from_secs(20)).await;
    // Edits and deletes carry no seq: give their events the same time to land.
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.store(true, Ordering::Relaxed);
    let run_time = started.elapsed();

    let stored = observer.all_messages(&chats).await;
    let report = judge(&members, &stored, &recoveries, run_time);
    eprintln!("chaos: {report:#}");
    if let Ok(path) = std::env::var("CHAOS_REPORT") {
        std::fs::write(path, format!("{report:#}")).expect("write CHAOS_REPORT");
    }
    for task in tasks {
        let _ = tokio::time::timeout(Duration::from_secs(5), task).await;
    }
    assert!(
        settled.is_some(),
        "clients never caught up after the run: {report:#}"
    );
    for recovery in &recoveries {
        assert!(
            recovery.caught_up.is_some(),
            "clients never caught up after {}: {report:#}",
            recovery.fault
        );
    }
    for key in [
        "lost",
        "stale",
        "duplicates",
        "out_of_order",
        "gaps",
        "unstored_acks",
    ] {
        assert_eq!(report[key], 0, "{key}: {report:#}");
    }
    assert!(
        report["messages"].as_u64().unwrap_or(0) > 100,
        "too little traffic to judge: {report:#}"
    );
}

/// Reads the database's view through the REST API of whichever instance answers.
struct Observer {
    bases: Vec<String>,
    tokens: HashMap<ChatId, String>,
    http: reqwest::Client,
}

impl Observer {
    async fn get<T: serde::de::DeserializeOwned>(&self, chat: ChatId, path: &str) -> T {
        let token = &self.tokens[&chat];
        for attempt in 0..200 {
            let base = &self.bases[attempt % self.bases.len()];
            let answer = self
                .http
                .get(format!("{base}{path}"))
                .bearer_auth(token)
                .timeout(Duration::from_secs(2))
                .send()
                .await;
            if let Ok(response) = answer
                && response.status().is_success()
                && let Ok(value) = response.json::<T>().await
            {
                return value;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("no instance answered {path}");
    }

    /// The last stored seq of every chat.
    async fn last_seqs(&self) -> HashMap<ChatId, i64> {
        let mut marks = HashMap::new();
        for &chat in self.tokens.keys() {
            let found: Chat = self.get(chat, &format!("/api/chats/{chat}")).await;
            marks.insert(chat, found.last_seq);
        }
        marks
    }

    /// Every stored message of every chat: (seq, content, deleted), in seq order.
    async fn all_messages(&self, chats: &[Chat]) -> HashMap<ChatId, Vec<(i64, String, bool)>> {
        let mut all = HashMap::new();
        for chat in chats {
            let mut messages = Vec::new();
            let mut after = 0;
            loop {
                let page: MessagePage = self
                    .get(
                        chat.id,
                        &format!(
                            "/api/chats/{}/messages?after_seq={after}&limit=100",
                            chat.id
                        ),
                    )
                    .await;
                for m in &page.messages {
                    messages.push((m.seq, m.content.clone(), m.deleted));
                    after = m.seq;
                }
                if !page.has_more {
                    break;
                }
            }
            all.insert(chat.id, messages);
        }
        all
    }
}

/// Waits until every client holds, in every chat, every seq up to `marks` (without asking for
/// it: clients fetch only when they reconnect or are told to resync). `None` past `limit`.
async fn wait_until_caught_up(
    members: &[Member],
    marks: &HashMap<ChatId, i64>,
    limit: Duration,
) -> Option<Duration> {
    let start = Instant::now();
    while start.elapsed() < limit {
        let behind = members.iter().any(|m| {
            let record = lock(&m.record);
            m.chats.iter().any(|chat| {
                record
                    .chats
                    .get(chat)
                    .is_none_or(|log| log.contiguous() < marks[chat])
            })
        });
        if !behind {
            return Some(start.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    None
}

/// One fault's figures: how long it lasted, how long after healing every client held every
/// message stored by then, and the delivery faults seen from its start to the next fault.
struct Recovery {
    fault: &'static str,
    outage: Duration,
    caught_up: Option<Duration>,
    faults: Faults,
}

fn faults_so_far(members: &[Member]) -> Faults {
    let mut total = Faults::default();
    for member in members {
        for log in lock(&member.record).chats.values() {
            total.add(log.faults);
        }
    }
    total
}

fn judge(
    members: &[Member],
    stored: &HashMap<ChatId, Vec<(i64, String, bool)>>,
    recoveries: &[Recovery],
    run_time: Duration,
) -> serde_json::Value {
    let mut faults = Faults::default();
    let (mut lost, mut stale, mut live, mut resumed) = (0, 0, 0, 0);
    let (mut sent, mut acked, mut retries, mut edits, mut deletes, mut reconnects) =
        (0, 0, 0, 0, 0, 0);
    let mut unstored_acks = 0;
    let stored_seqs: HashMap<ChatId, std::collections::HashSet<i64>> = stored
        .iter()
        .map(|(chat, messages)| (*chat, messages.iter().map(|m| m.0).collect()))
        .collect();
    for member in members {
        let record = lock(&member.record);
        for chat in &member.chats {
            let log = &record.chats[chat];
            let (l, s) = log.judge(&stored[chat]);
            lost += l;
            stale += s;
            faults.add(log.faults);
            live += log.live;
            resumed += log.resumed;
        }
        sent += record.sent;
        acked += record.acked.len() as u64;
        retries += record.retries() as u64;
        edits += record.edits;
        deletes += record.deletes;
        reconnects += record.reconnects;
        unstored_acks += record
            .acked
            .values()
            .filter(|(chat, seq)| !stored_seqs[chat].contains(seq))
            .count() as u64;
    }
    let messages: usize = stored.values().map(Vec::len).sum();
    json!({
        "run_secs": run_time.as_secs_f64(),
        "messages": messages,
        "sent": sent,
        "acked": acked,
        "send_retries": retries,
        "edits_sent": edits,
        "deletes_sent": deletes,
        "reconnects": reconnects,
        "deliveries_live": live,
        "deliveries_by_resume": resumed,
        "lost": lost,
        "stale": stale,
        "duplicates": faults.duplicates,
        "out_of_order": faults.out_of_order,
        "gaps": faults.gaps,
        "unstored_acks": unstored_acks,
        "faults": recoveries.iter().map(|r| json!({
            "fault": r.fault,
            "outage_ms": r.outage.as_millis() as u64,
            "caught_up_ms": r.caught_up.map(|d| d.as_millis() as u64),
            "duplicates": r.faults.duplicates,
            "out_of_order": r.faults.out_of_order,
            "gaps": r.faults.gaps,
        })).collect::<Vec<_>>(),
    })
}
