//! `GET /api/search` (contract, round 2) on both databases: substrings in any script,
//! case-insensitively, only in the caller's chats (also after leaving one), edits searched by
//! their new text, deletes never, paging, and every query character matched literally.

mod common;

use chat_protocol::{ClientCommand, SearchResults};
use common::events::{self, new_message};
use common::{Backend, TestServer, assert_error};

on_both_backends!(
    finds_substrings_in_any_script_only_in_my_chats,
    query_characters_are_literal_and_bad_queries_refused,
);

fn encode(q: &str) -> String {
    serde_urlencoded::to_string([("q", q)]).expect("encode")
}

async fn finds_substrings_in_any_script_only_in_my_chats(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (alice, a) = server.user("alice").await;
    let (bob, b) = server.user("bob").await;
    let (carol, c) = server.user("carol").await;
    let group = alice.create_chat(&[&b.user], Some("team")).await;
    let secret = bob.create_chat(&[&c.user], None).await;
    let mut sa = server.socket(&a.access_token).await;
    let mut sb = server.socket(&b.access_token).await;
    let texts = [
        "Meet at the Café Zürich tomorrow",
        "Привет, как дела?",
        "東京で会いましょう",
        "unrelated",
        "the PASSWORD is elsewhere",
    ];
    let mut stored = Vec::new();
    for text in texts {
        sa.send_message(group.id, text).await;
        stored.push(sa.wait_for(new_message).await);
    }
    sb.send_message(secret.id, "the password is hunter2").await;
    sb.wait_for(|e| new_message(e).filter(|m| m.chat_id == secret.id))
        .await;
    let search = |who: &common::Api, q: &str| {
        let who = who.clone();
        let path = format!("/api/search?{}", encode(q));
        async move { who.get_ok::<SearchResults>(&path).await }
    };
    let contents = |r: &SearchResults| -> Vec<String> {
        r.results.iter().map(|m| m.content.clone()).collect()
    };
    assert_eq!(contents(&search(&alice, "café zü").await), [texts[0]]);
    assert_eq!(
        contents(&search(&alice, "ПРИВЕТ").await),
        [texts[1]],
        "Cyrillic, any case"
    );
    assert_eq!(
        contents(&search(&alice, "東京").await),
        [texts[2]],
        "two CJK characters"
    );
    assert_eq!(contents(&search(&alice, "会いまし").await), [texts[2]]);
    assert_eq!(
        contents(&search(&alice, "sewh").await),
        [texts[4]],
        "inside a word"
    );
    // Bob's other chat is his alone; alice never sees it. Bob sees both, newest first.
    assert_eq!(contents(&search(&alice, "password").await), [texts[4]]);
    let both = search(&bob, "password").await;
    assert_eq!(both.results.len(), 2);
    assert!(both.results[0].id > both.results[1].id, "newest first");
    assert!(search(&carol, "café").await.results.is_empty());
    // Within one chat.
    let path = format!("/api/search?{}&chat_id={}", encode("password"), group.id);
    let in_group: SearchResults = bob.get_ok(&path).await;
    assert_eq!(contents(&in_group), [texts[4]]);

    // Edited: found by the new text only. Deleted: never.
    sa.send(&ClientCommand::EditMessage {
        message_id: stored[3].id,
        content: "now about zebras".into(),
    })
    .await;
    sa.wait_for(events::message_updated).await;
    assert!(search(&alice, "unrelated").await.results.is_empty());
    assert_eq!(search(&alice, "zebra").await.results[0].id, stored[3].id);
    sa.send(&ClientCommand::DeleteMessage {
        message_id: stored[0].id,
    })
    .await;
    sa.wait_for(events::deleted).await;
    assert!(search(&alice, "Zürich").await.results.is_empty());

    // Paging: three pages of two over five matches.
    for i in 0..5 {
        sa.send_message(group.id, &format!("page item {i}")).await;
        sa.wait_for(new_message).await;
    }
    let mut seen = Vec::new();
    let mut before = None;
    loop {
        let mut path = format!("/api/search?{}&limit=2", encode("page item"));
        if let Some(b) = before {
            path.push_str(&format!("&before={b}"));
        }
        let page: SearchResults = alice.get_ok(&path).await;
        seen.extend(contents(&page));
        match page.next_before {
            Some(next) => before = Some(next),
            None => break,
        }
    }
    assert_eq!(
        seen,
        (0..5)
            .rev()
            .map(|i| format!("page item {i}"))
            .collect::<Vec<_>>()
    );

    // Having left the group, bob finds nothing of it any more.
    let (status, _) = bob
        .delete(&format!("/api/chats/{}/members/{}", group.id, b.user.id))
        .await;
    assert_eq!(status.as_u16(), 204);
    assert!(search(&bob, "zebra").await.results.is_empty());
    let path = format!("/api/search?{}&chat_id={}", encode("zebra"), group.id);
    assert!(bob.get_ok::<SearchResults>(&path).await.results.is_empty());
}

async fn query_characters_are_literal_and_bad_queries_refused(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (alice, a) = server.user("alice").await;
    let (_bob, b) = server.user("bob").await;
    let chat = alice.create_chat(&[&b.user], Some("notes")).await;
    let mut sa = server.socket(&a.access_token).await;
    let texts = [
        "100% sure",
        "snake_case name",
        "a\\b path",
        "say \"hi\" now",
        "it's fine",
        "NEAR(x y) AND OR * ^col:",
        "plain words",
    ];
    for text in texts {
        sa.send_message(chat.id, text).await;
        sa.wait_for(new_message).await;
    }
    for (q, want) in [
        ("0%", vec![texts[0]]),
        ("e_c", vec![texts[1]]),
        ("a\\b", vec![texts[2]]),
        ("\"hi\"", vec![texts[3]]),
        ("'s", vec![texts[4]]),
        ("'s f", vec![texts[4]]),
        ("AND OR *", vec![texts[5]]),
        ("^col:", vec![texts[5]]),
        ("%%", vec![]),
        ("__", vec![]),
        ("* ", vec![texts[5]]),
        ("*x", vec![]),
    ] {
        let found: SearchResults = alice.get_ok(&format!("/api/search?{}", encode(q))).await;
        let got: Vec<&str> = found.results.iter().map(|m| m.content.as_str()).collect();
        assert_eq!(got, want, "query {q:?}");
    }
    for q in ["a", &"x".repeat(201), "ab\u{0}c", "tab\u{7}"] {
        let (status, body) = alice.get(&format!("/api/search?{}", encode(q))).await;
        assert_error(status, &body, 422, "validation_failed");
    }
    for extra in ["&limit=0", "&limit=51", "&chat_id=not-a-uuid", "&before=x"] {
        let (status, body) = alice
            .get(&format!("/api/search?{}{extra}", encode("plain")))
            .await;
        assert!(status.is_client_error(), "{extra}: {status} {body}");
        assert!(body["error"]["code"].is_string(), "{extra}: {body}");
    }
    let (status, body) = alice.get("/api/search").await;
    assert!(status.is_client_error() && body["error"]["code"].is_string());
    let (status, _) = alice
        .with_token(None)
        .get(&format!("/api/search?{}", encode("plain")))
        .await;
    assert_eq!(status.as_u16(), 401);
}

/// Searches have a budget of their own per user (`SEARCH_RATE_LIMIT`, burst 5×); one user's
/// refusal leaves another's searches alone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn searches_are_rate_limited_per_user() {
    let server = TestServer::start_with(Backend::Sqlite, &[("SEARCH_RATE_LIMIT", "1")]).await;
    let (alice, _) = server.user("alice").await;
    let (bob, _) = server.user("bob").await;
    let path = format!("/api/search?{}", encode("anything"));
    let mut refused = None;
    for attempt in 1..=10 {
        let (status, body) = alice.get(&path).await;
        if status.as_u16() == 429 {
            assert_error(status, &body, 429, "rate_limited");
            refused = Some(attempt);
            break;
        }
        assert_eq!(status.as_u16(), 200, "{body}");
    }
    assert!(
        refused.is_some_and(|n| n > 5),
        "refused after the burst of 5: {refused:?}"
    );
    let (status, _) = bob.get(&path).await;
    assert_eq!(status.as_u16(), 200, "another user's budget is untouched");
}
