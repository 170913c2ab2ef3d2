//! `GET /api/search` latency over a large history: a user in `member_chats` of `chats` chats,
//! `messages` messages in all, in mixed scripts (Latin, Cyrillic, CJK). Users and chats are made
//! through the API; the messages are written straight into the database by the database's own
//! command-line tool (`--seed`), because a million messages through the API would take most of
//! an hour on PostgreSQL, and storing is not what this scenario measures. Then only the API is
//! timed: each query class is searched `--queries` times, one request at a time.

use std::process::{Command, Stdio};
use std::time::Instant;

use futures_util::{StreamExt, stream};
use serde_json::{Value, json};

use crate::BenchError;
use crate::report::{Percentiles, Report};
use crate::setup::{BenchUser, Context};
use crate::stats::histogram;

#[derive(Debug, Clone, clap::Args)]
pub(crate) struct Args {
    /// Chats in all.
    #[arg(long, default_value_t = 1000)]
    pub chats: usize,
    /// Chats the searching user is a member of.
    #[arg(long, default_value_t = 50)]
    pub member_chats: usize,
    /// Messages in all, spread evenly over the chats.
    #[arg(long, default_value_t = 1_000_000)]
    pub messages: u64,
    /// Where to write the messages: `postgres://…` (through psql) or a SQLite file (through
    /// sqlite3). Without it, the chats are searched as they are (seeded by an earlier run).
    #[arg(long)]
    pub seed: Option<String>,
    /// Requests per query class.
    #[arg(long, default_value_t = 200)]
    pub queries: u64,
}

/// Words of the generated messages. Each message takes six, so a word is in about 1 message in
/// 25; the rare word is put into 1 message in 100,000.
const WORDS: &[&str] = &[
    "meeting",
    "project",
    "coffee",
    "deadline",
    "review",
    "release",
    "weekend",
    "travel",
    "budget",
    "design",
    "server",
    "client",
    "ticket",
    "lunch",
    "report",
    "update",
    "morning",
    "evening",
    "document",
    "schedule",
    "office",
    "holiday",
    "question",
    "answer",
    "problem",
    "solution",
    "feature",
    "market",
    "garden",
    "window",
    "привет",
    "встреча",
    "проект",
    "кофе",
    "отчёт",
    "сервер",
    "работа",
    "вечером",
    "завтра",
    "вопрос",
    "ответ",
    "документ",
    "праздник",
    "погода",
    "команда",
    "東京",
    "会議",
    "資料",
    "週末",
    "確認",
    "予定",
    "お願い",
    "ありがとう",
    "明日",
    "今日",
    "北京",
    "项目",
    "会议",
    "周末",
    "文件",
    "问题",
    "咖啡",
    "报告",
    "服务器",
    "晚上",
    "早上",
    "天气",
    "团队",
    "旅行",
    "预算",
];
const RARE: &str = "zebrafish";

/// What is searched, by class: (label, needle).
const CLASSES: &[(&str, &str)] = &[
    ("rare_latin", RARE),
    ("rare_substring", "ebrafi"),
    ("common_latin", "meeting"),
    ("common_substring", "eadlin"),
    ("cyrillic", "встреч"),
    ("cjk_2", "会議"),
    ("cjk_3", "服务器"),
    ("absent", "qqxqqz"),
];

fn chat_name(i: usize) -> String {
    format!("bench-search-{i:05}")
}

/// Creates the chats: the first `member_chats` with the searcher, the others among the rest.
async fn make_chats(ctx: &Context, users: &[BenchUser], args: &Args) -> Result<(), BenchError> {
    let others = &users[1..];
    let made: Vec<Result<String, BenchError>> = stream::iter(0..args.chats)
        .map(|i| {
            let pair = if i < args.member_chats {
                vec![users[0].clone(), others[i % others.len()].clone()]
            } else {
                vec![
                    others[i % others.len()].clone(),
                    others[(i + 1) % others.len()].clone(),
                ]
            };
            let name = chat_name(i);
            async move { ctx.room(&pair, &name).await }
        })
        .buffer_unordered(16)
        .collect()
        .await;
    made.into_iter().collect::<Result<Vec<_>, _>>().map(|_| ())
}

/// A word picked by a multiplicative hash of (chat, seq, slot).
fn word_expr(slot: u64, postgres: bool) -> String {
    let n = WORDS.len();
    let index = format!("((c.ci * 2654435761 + s.n * 40503 + {slot} * 97) % 1000003) % {n}");
    if postgres {
        format!("w.words[1 + {index}]")
    } else {
        format!("(SELECT w FROM bench_words WHERE i = {index})")
    }
}

fn content_expr(postgres: bool) -> String {
    let words: Vec<String> = (0..6).map(|k| word_expr(k, postgres)).collect();
    format!(
        "{} || CASE WHEN (c.ci * 7919 + s.n) % 100000 = 7 THEN ' {RARE}' ELSE '' END",
        words.join(" || ' ' || ")
    )
}

fn quoted(word: &str) -> String {
    format!("'{}'", word.replace('\'', "''"))
}

/// The seeding SQL for the database behind `seed`.
fn seed_sql(args: &Args, postgres: bool) -> String {
    let per_chat = args.messages / args.chats as u64;
    let chats = "SELECT id, row_number() OVER (ORDER BY name) AS ci, \
        (SELECT user_id FROM chat_members m WHERE m.chat_id = chats.id ORDER BY user_id LIMIT 1) \
        AS sender FROM chats WHERE name LIKE 'bench-search-%' AND last_seq = 0";
    let content = content_expr(postgres);
    if postgres {
        let words: Vec<String> = WORDS.iter().map(|w| quoted(w)).collect();
        format!(
            "BEGIN;\n\
             WITH c AS ({chats}), w AS (SELECT ARRAY[{}]::text[] AS words)\n\
             INSERT INTO messages (chat_id, seq, sender_id, content, created_at, deleted, version)\n\
             SELECT c.id, s.n, c.sender, {content},\n\
               (now() AT TIME ZONE 'utc') - make_interval(secs => {per_chat} - s.n), FALSE, s.n\n\
             FROM c CROSS JOIN generate_series(1, {per_chat}) AS s(n) CROSS JOIN w\n\
             ORDER BY s.n, c.ci;\n\
             UPDATE chats SET last_seq = {per_chat}, last_version = {per_chat} \
               WHERE name LIKE 'bench-search-%' AND last_seq = 0;\n\
             COMMIT;\nANALYZE messages;\n",
            words.join(", ")
        )
    } else {
        let words: Vec<String> = WORDS
            .iter()
            .enumerate()
            .map(|(i, w)| format!("({i}, {})", quoted(w)))
            .collect();
        format!(
            "PRAGMA busy_timeout = 60000;\n\
             BEGIN IMMEDIATE;\n\
             CREATE TEMP TABLE bench_words (i INTEGER PRIMARY KEY, w TEXT);\n\
             INSERT INTO bench_words VALUES {};\n\
             WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < {per_chat}),\n\
               c AS ({chats})\n\
             INSERT INTO messages (chat_id, seq, sender_id, content, created_at, deleted, version)\n\
             SELECT c.id, s.n, c.sender, {content},\n\
               strftime('%Y-%m-%d %H:%M:%f', 'now', '-' || ({per_chat} - s.n) || ' seconds'), 0, s.n\n\
             FROM c CROSS JOIN s ORDER BY s.n, c.ci;\n\
             UPDATE chats SET last_seq = {per_chat}, last_version = {per_chat} \
               WHERE name LIKE 'bench-search-%' AND last_seq = 0;\n\
             INSERT INTO messages_fts(rowid, content) SELECT id, content FROM messages \
               WHERE id > (SELECT indexed_upto FROM messages_fts_progress);\n\
             UPDATE messages_fts_progress SET indexed_upto = (SELECT MAX(id) FROM messages);\n\
             COMMIT;\nANALYZE;\n",
            words.join(", ")
        )
    }
}

/// Runs the seeding SQL through psql or sqlite3.
fn seed(target: &str, args: &Args) -> Result<(), BenchError> {
    let postgres = target.starts_with("postgres://") || target.starts_with("postgresql://");
    let sql = seed_sql(args, postgres);
    let mut command = if postgres {
        let mut c = Command::new("psql");
        c.args(["-v", "ON_ERROR_STOP=1", "-q", target]);
        c
    } else {
        let mut c = Command::new("sqlite3");
        c.args(["-bail", target.trim_start_matches("sqlite://")]);
        c
    };
    let mut child = command
        .stdin(Stdio::piped())
        .spawn()
        .map_err(|e| BenchError::Setup(format!("cannot run the database's tool: {e}")))?;
    if let Some(mut stdin) = child.stdin.take() {
        std::io::Write::write_all(&mut stdin, sql.as_bytes())?;
    }
    let status = child.wait()?;
    if status.success() {
        Ok(())
    } else {
        Err(BenchError::Setup(format!("seeding failed: {status}")))
    }
}

pub(crate) async fn run(ctx: &Context, args: Args) -> Result<Report, BenchError> {
    let users = ctx.users(21).await?;
    let searcher = users[0].clone();
    if let Some(target) = &args.seed {
        let started = Instant::now();
        make_chats(ctx, &users, &args).await?;
        eprintln!(
            "  {} chats made in {:.1} s",
            args.chats,
            started.elapsed().as_secs_f64()
        );
        let started = Instant::now();
        let (target, args) = (target.clone(), args.clone());
        tokio::task::spawn_blocking(move || seed(&target, &args))
            .await
            .map_err(|e| BenchError::Setup(e.to_string()))??;
        eprintln!(
            "  messages seeded in {:.1} s",
            started.elapsed().as_secs_f64()
        );
    }
    let start = Instant::now();
    let mut classes = serde_json::Map::new();
    let mut all = histogram();
    for (label, needle) in CLASSES {
        let mut h = histogram();
        let mut found = 0;
        for _ in 0..args.queries {
            let asked = Instant::now();
            let resp = ctx
                .http
                .get(format!("{}/api/search", ctx.target.http))
                .query(&[("q", *needle)])
                .bearer_auth(&searcher.token)
                .send()
                .await?;
            if !resp.status().is_success() {
                return Err(BenchError::Setup(format!("search: {}", resp.status())));
            }
            let body: Value = resp.json().await?;
            let _ = h.record(asked.elapsed().as_micros().max(1) as u64);
            found = body["results"].as_array().map_or(0, Vec::len);
        }
        let _ = all.add(&h);
        classes.insert(
            (*label).into(),
            json!({"needle": needle, "results": found, "latency_ms": Percentiles::from_us(&h)}),
        );
    }
    let elapsed = start.elapsed().as_secs_f64();
    let mut extra = serde_json::Map::new();
    extra.insert("classes".into(), Value::Object(classes));
    Ok(Report {
        scenario: "search".into(),
        params: json!({"chats": args.chats, "member_chats": args.member_chats, "messages": args.messages, "queries": args.queries}),
        duration_s: elapsed,
        sent: all.len(),
        per_second: all.len() as f64 / elapsed.max(1e-9),
        latency_ms: Percentiles::from_us(&all),
        extra,
        ..Report::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeding_sql_names_every_word_and_both_tools_get_theirs() {
        let args = Args {
            chats: 10,
            member_chats: 2,
            messages: 100,
            seed: None,
            queries: 1,
        };
        let pg = seed_sql(&args, true);
        assert!(pg.contains("generate_series(1, 10)") && pg.contains("'ありがとう'"));
        let lite = seed_sql(&args, false);
        assert!(lite.contains("WITH RECURSIVE") && lite.contains("bench_words"));
        assert!(!lite.contains("w.words["));
    }
}
