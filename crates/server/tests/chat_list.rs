//! `GET /api/chats` at scale (issue 15): opt-in paging by last activity with a cursor that
//! holds under concurrent activity, unread counts capped at `UNREAD_CAP`, bad paging input
//! refused with the contract's error body; the unpaged list keeps the contract's shape.

mod common;

use std::collections::HashSet;

use chat_protocol::limits::UNREAD_CAP;
use chat_protocol::{CHAT_LIST_NEXT_HEADER, Chat, ChatId};
use common::events::new_message;
use common::ws::Socket;
use common::{Api, Backend, TestServer, assert_error};
use reqwest::StatusCode;

/// No limit on the writes the scenarios make in bulk.
const UNLIMITED: &[(&str, &str)] = &[("REST_WRITE_RATE_LIMIT", "0"), ("MESSAGE_RATE_LIMIT", "0")];

/// One page: its chats and the next page's cursor, if any.
async fn page(api: &Api, query: &str) -> (Vec<Chat>, Option<String>) {
    let mut req = api.http.get(format!("{}/api/chats{query}", api.base));
    if let Some(token) = &api.token {
        req = req.bearer_auth(token);
    }
    let resp = req.send().await.expect("request sent");
    assert_eq!(resp.status(), StatusCode::OK, "GET /api/chats{query}");
    let next = resp
        .headers()
        .get(CHAT_LIST_NEXT_HEADER)
        .map(|v| v.to_str().expect("ascii cursor").to_owned());
    (resp.json().await.expect("[Chat]"), next)
}

/// Sends `content` to `chat` and waits until it is stored (its echo comes back).
async fn say(socket: &mut Socket, chat: ChatId, content: &str) {
    socket.send_message(chat, content).await;
    let wanted = content.to_owned();
    socket
        .wait_for(|e| new_message(e).filter(|m| m.chat_id == chat && m.content == wanted))
        .await;
}

async fn pages_hold_every_chat_once_in_order(backend: Backend) {
    const CHATS: usize = 250;
    let server = TestServer::start_with(backend, UNLIMITED).await;
    let (me, my) = server.user("pager").await;
    let (_, pal) = server.user("pal").await;
    for i in 0..CHATS {
        me.create_chat(&[&pal.user], Some(&format!("room {i}")))
            .await;
    }
    let before: Vec<ChatId> = me
        .get_ok::<Vec<Chat>>("/api/chats")
        .await
        .iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(before.len(), CHATS, "without a limit every chat comes back");

    let mut socket = server.socket(&my.access_token).await;
    let mut seen: Vec<ChatId> = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    let mut last_said = None;
    loop {
        let query = match &cursor {
            Some(c) => format!("?limit=40&before={c}"),
            None => "?limit=40".to_owned(),
        };
        let (chats, next) = page(&me, &query).await;
        assert!(chats.len() <= 40);
        seen.extend(chats.iter().map(|c| c.id));
        pages += 1;
        // Activity while paging: chats already handed out move to the front of the list.
        for chat in chats.iter().take(3) {
            say(
                &mut socket,
                chat.id,
                &format!("while paging {pages} {}", chat.id),
            )
            .await;
            last_said = Some(chat.id);
        }
        match next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(pages, CHATS.div_ceil(40), "no empty last page");
    let distinct: HashSet<ChatId> = seen.iter().copied().collect();
    assert_eq!(distinct.len(), seen.len(), "no chat twice");
    assert_eq!(
        seen, before,
        "every chat once, in the order of the list when paging began"
    );

    // The moved chats lead the list now, the most recent first.
    let (first, _) = page(&me, "?limit=1").await;
    assert_eq!(Some(first[0].id), last_said);
}

async fn unread_counts_stop_at_the_cap(backend: Backend) {
    let server = TestServer::start_with(backend, UNLIMITED).await;
    let (me, my) = server.user("reader").await;
    let (pal, p) = server.user("chatty").await;
    let busy = pal.create_chat(&[&my.user], Some("busy")).await;
    let quiet = pal.create_chat(&[&my.user], Some("quiet")).await;
    let mut socket = server.socket(&p.access_token).await;
    for i in 0..150 {
        socket.send_message(busy.id, &format!("m{i}")).await;
    }
    socket
        .wait_for(|e| new_message(e).filter(|m| m.chat_id == busy.id && m.seq == 150))
        .await;
    for i in 0..5 {
        socket.send_message(quiet.id, &format!("q{i}")).await;
    }
    say(&mut socket, quiet.id, "last").await;

    let listed = me.get_ok::<Vec<Chat>>("/api/chats").await;
    let unread = |id: ChatId| listed.iter().find(|c| c.id == id).map(|c| c.unread_count);
    assert_eq!(
        unread(busy.id),
        Some(UNREAD_CAP),
        "150 unread count as the cap"
    );
    assert_eq!(unread(quiet.id), Some(6), "below the cap, the exact count");
    let one: Chat = me.get_ok(&format!("/api/chats/{}", busy.id)).await;
    assert_eq!(one.unread_count, UNREAD_CAP);
    let theirs = pal.get_ok::<Vec<Chat>>("/api/chats").await;
    assert!(
        theirs.iter().all(|c| c.unread_count == 0),
        "own messages are never unread"
    );
}

async fn bad_paging_input_is_refused(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (me, _) = server.user("strict").await;
    let (_, pal) = server.user("other").await;
    me.create_chat(&[&pal.user], Some("one")).await;
    me.create_chat(&[&pal.user], Some("two")).await;
    for query in [
        "?limit=0",
        "?limit=10000",
        "?limit=-1",
        "?limit=abc",
        "?limit=5&before=garbage",
        "?before=123_not-a-uuid",
        "?limit=5&before=",
        "?limit=5&nonsense=1",
    ] {
        let (status, body) = me.get(&format!("/api/chats{query}")).await;
        assert_error(status, &body, 400, "bad_request");
    }
    // The unpaged list is the contract's array; a page says when more follow, and not after.
    let (status, body) = me.get("/api/chats").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body.as_array().map(Vec::len), Some(2));
    let (one, next) = page(&me, "?limit=1").await;
    let next = next.expect("a second page follows");
    let (two, last) = page(&me, &format!("?limit=1&before={next}")).await;
    assert_eq!(last, None, "nothing after the last page");
    assert_ne!(one[0].id, two[0].id);
    let (none, _) = page(&me, "?limit=2").await;
    assert_eq!(none.len(), 2);
}

on_both_backends!(
    pages_hold_every_chat_once_in_order,
    unread_counts_stop_at_the_cap,
    bad_paging_input_is_refused,
);
