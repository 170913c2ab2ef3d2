//! The chat list and group membership at scale (issue 15): one user in `--chats` chats (direct
//! chats with the others and one big group) reads `GET /api/chats`, whole and as a first page;
//! then members are added one at a time to the `--members`-member group. Request latency only:
//! no sockets are open, so what is measured is the request path (the `chat_updated` fan-out of
//! an add runs after the response).

use std::time::Instant;

use chat_protocol::AddMemberRequest;
use futures_util::{StreamExt, stream};
use serde_json::{Value, json};

use crate::BenchError;
use crate::report::{Percentiles, Report};
use crate::setup::{BenchUser, Context};
use crate::stats::histogram;

#[derive(Debug, Clone, clap::Args)]
pub(crate) struct Args {
    /// Chats the reading user is in (one group, the rest direct chats).
    #[arg(long, default_value_t = 1000)]
    pub chats: usize,
    /// Members of the group (the reading user included) before the adds.
    #[arg(long, default_value_t = 1000)]
    pub members: usize,
    /// `GET /api/chats` requests, each way (whole list, first page).
    #[arg(long, default_value_t = 200)]
    pub lists: u64,
    /// Page size of the first-page requests.
    #[arg(long, default_value_t = 50)]
    pub page: u32,
    /// Members added to the group, one request each.
    #[arg(long, default_value_t = 50)]
    pub adds: usize,
}

async fn check(resp: reqwest::Response, what: &str) -> Result<Value, BenchError> {
    if !resp.status().is_success() {
        return Err(BenchError::Setup(format!(
            "{what}: {} {}",
            resp.status(),
            resp.text().await.unwrap_or_default()
        )));
    }
    Ok(resp.json().await?)
}

/// `count` GETs of `url` as `user`, one at a time; their latencies and the last body's length.
async fn lists(
    ctx: &Context,
    user: &BenchUser,
    url: &str,
    count: u64,
) -> Result<(Option<Percentiles>, usize), BenchError> {
    let mut h = histogram();
    let mut len = 0;
    for _ in 0..count {
        let asked = Instant::now();
        let resp = ctx.http.get(url).bearer_auth(&user.token).send().await?;
        let body = check(resp, "list chats").await?;
        let _ = h.record(asked.elapsed().as_micros().max(1) as u64);
        len = body.as_array().map_or(0, Vec::len);
    }
    Ok((Percentiles::from_us(&h), len))
}

pub(crate) async fn run(ctx: &Context, args: Args) -> Result<Report, BenchError> {
    let direct = args.chats.saturating_sub(1);
    let needed = (direct + 1).max(args.members) + args.adds;
    let users = ctx.users(needed).await?;
    let me = &users[0];
    let base = &ctx.target.http;
    let setup = Instant::now();
    // The group: me and the next members - 1 users.
    let group = ctx.room(&users[..args.members], "bench-chats").await?;
    // Direct chats, a few requests at a time.
    let created: Vec<Result<Value, BenchError>> = stream::iter(&users[1..=direct])
        .map(|other| async move {
            let resp = ctx
                .http
                .post(format!("{base}/api/chats"))
                .bearer_auth(&me.token)
                .json(&json!({"members": [other.username]}))
                .send()
                .await?;
            check(resp, "open direct chat").await
        })
        .buffer_unordered(8)
        .collect()
        .await;
    for c in created {
        c?;
    }
    eprintln!(
        "set up {} chats in {:.1}s",
        args.chats,
        setup.elapsed().as_secs_f64()
    );
    let (all, all_len) = lists(ctx, me, &format!("{base}/api/chats"), args.lists).await?;
    let (first, first_len) = lists(
        ctx,
        me,
        &format!("{base}/api/chats?limit={}", args.page),
        args.lists,
    )
    .await?;
    let mut adds = histogram();
    let start = Instant::now();
    for newcomer in &users[needed - args.adds..needed] {
        let asked = Instant::now();
        let resp = ctx
            .http
            .post(format!("{base}/api/chats/{group}/members"))
            .bearer_auth(&me.token)
            .json(&AddMemberRequest {
                username: newcomer.username.clone(),
            })
            .send()
            .await?;
        check(resp, "add member").await?;
        let _ = adds.record(asked.elapsed().as_micros().max(1) as u64);
    }
    let elapsed = start.elapsed().as_secs_f64();
    let mut extra = serde_json::Map::new();
    extra.insert("list_all_ms".into(), json!(all));
    extra.insert("list_all_len".into(), json!(all_len));
    extra.insert("list_first_page_ms".into(), json!(first));
    extra.insert("list_first_page_len".into(), json!(first_len));
    extra.insert("add_member_ms".into(), json!(Percentiles::from_us(&adds)));
    Ok(Report {
        scenario: "chats".into(),
        params: json!({"chats": args.chats, "members": args.members, "lists": args.lists,
                       "page": args.page, "adds": args.adds}),
        duration_s: elapsed,
        sent: adds.len(),
        per_second: adds.len() as f64 / elapsed.max(1e-9),
        latency_ms: all,
        extra,
        ..Report::default()
    })
}
