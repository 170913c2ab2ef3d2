//! `MESSAGE_RETENTION_DAYS`: messages older than the period become tombstones (seq kept, text
//! erased) in the background, while people go on writing, on both databases; a client that
//! resumes by version sees them go.

mod common;

use std::time::{Duration, Instant};

use chat_protocol::{Chat, MessagePage};
use common::events::{deleted, new_message};
use common::{Backend, TestServer, age_messages};

on_both_backends!(
    old_messages_become_tombstones_under_write_load,
    a_group_keeps_messages_as_long_as_its_admins_say
);

/// Every message of the chat, oldest first.
async fn history(api: &common::Api, chat: &Chat) -> Vec<chat_protocol::Message> {
    let mut all = Vec::new();
    let mut after = 0;
    loop {
        let page: MessagePage = api
            .get_ok(&format!(
                "/api/chats/{}/messages?after_seq={after}&limit=100",
                chat.id
            ))
            .await;
        after = page.messages.last().map_or(after, |m| m.seq);
        all.extend(page.messages);
        if !page.has_more {
            return all;
        }
    }
}

async fn old_messages_become_tombstones_under_write_load(backend: Backend) {
    let server = TestServer::start_with(
        backend,
        &[
            ("MESSAGE_RETENTION_DAYS", "30"),
            ("COMMAND_RATE_LIMIT", "0"),
        ],
    )
    .await;
    let (alice, a, _, b, chat, mut sa, mut sb) = server.duo().await;
    for i in 0..250 {
        sa.send_message(chat.id, &format!("old {i}")).await;
    }
    for _ in 0..250 {
        sb.wait_for(new_message).await;
    }
    let recent = history(&alice, &chat).await;
    assert!(recent.iter().all(|m| !m.deleted), "nothing is old yet");

    // 220 of them are years old now; the restarted server sweeps at start while alice writes.
    age_messages(&server.db.url, 220);
    drop((sa, sb));
    let server = server.restart().await;
    let mut sa = server.socket(&a.access_token).await;
    let mut sb = server.socket(&b.access_token).await;
    for i in 0..100 {
        sa.send_message(chat.id, &format!("new {i}")).await;
    }
    let mut seqs = Vec::new();
    for _ in 0..100 {
        seqs.push(sb.wait_for(new_message).await.seq);
    }
    assert_eq!(
        seqs,
        (251..=350).collect::<Vec<i64>>(),
        "writers went on, in order"
    );

    let deadline = Instant::now() + Duration::from_secs(15);
    let all = loop {
        let all = history(&alice, &chat).await;
        if all.iter().filter(|m| m.deleted).count() == 220 || Instant::now() > deadline {
            break all;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(all.len(), 350, "seqs are kept");
    for m in &all {
        if m.seq <= 220 {
            assert!(m.deleted && m.content.is_empty(), "seq {} expired", m.seq);
        } else {
            assert!(
                !m.deleted && !m.content.is_empty(),
                "seq {} is recent",
                m.seq
            );
        }
    }

    // Versions stay gapless, and a client that last saw version 250 learns of every change.
    let chats: Vec<Chat> = alice.get_ok("/api/chats").await;
    assert_eq!(chats[0].last_version, 250 + 100 + 220);
    let mut changed = 0;
    let mut after = 250;
    loop {
        let page: MessagePage = alice
            .get_ok(&format!(
                "/api/chats/{}/messages?after_version={after}&limit=100",
                chat.id
            ))
            .await;
        changed += page.messages.len();
        after = page.messages.last().map_or(after, |m| m.version);
        if !page.has_more {
            break;
        }
    }
    assert_eq!(changed, 220 + 100);
}

/// No server-wide period: a group's admin sets one, and what it makes old goes at once (not at
/// the next periodic sweep), in that group only.
async fn a_group_keeps_messages_as_long_as_its_admins_say(backend: Backend) {
    let server = TestServer::start_with(backend, &[("COMMAND_RATE_LIMIT", "0")]).await;
    let (alice, a) = server.user("alice").await;
    let (_bob, b) = server.user("bob").await;
    let kept = alice.create_chat(&[&b.user], Some("kept")).await;
    let short = alice.create_chat(&[&b.user], Some("short")).await;
    let mut sa = server.socket(&a.access_token).await;
    let mut sb = server.socket(&b.access_token).await;
    for chat in [&kept, &short] {
        for i in 0..20 {
            sa.send_message(
                chat.id,
                &format!("{} {i}", chat.name.as_deref().unwrap_or("")),
            )
            .await;
        }
    }
    for _ in 0..40 {
        sb.wait_for(new_message).await;
    }
    age_messages(&server.db.url, 10);

    let (status, body) = alice
        .call(
            reqwest::Method::PATCH,
            &format!("/api/chats/{}", short.id),
            Some(&serde_json::json!({"retention_days": 30})),
        )
        .await;
    assert_eq!(status.as_u16(), 200, "{body}");
    let mut gone = Vec::new();
    while gone.len() < 10 {
        let (chat, _, seq) = sb.wait_for(deleted).await;
        assert_eq!(chat, short.id, "only the group with the period");
        gone.push(seq);
    }
    gone.sort_unstable();
    assert_eq!(gone, (1..=10).collect::<Vec<i64>>());

    let short_now = history(&alice, &short).await;
    let kept_now = history(&alice, &kept).await;
    assert_eq!(short_now.len(), 20, "seqs are kept");
    for m in &short_now {
        assert_eq!(m.deleted, m.seq <= 10, "seq {}", m.seq);
        assert_eq!(m.content.is_empty(), m.deleted, "seq {}", m.seq);
    }
    assert!(
        kept_now.iter().all(|m| !m.deleted),
        "a group without a period keeps everything"
    );
}
