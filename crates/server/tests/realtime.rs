//! The contract's WebSocket section, with real sockets against a real server, on SQLite and
//! PostgreSQL. Longer than 400 lines on purpose: each scenario reads as one rule of the
//! contract, in the contract's order, and the file is the index of them.

mod common;

use std::collections::HashMap;
use std::time::Duration;

use chat_protocol::{Chat, ChatId, ClientCommand, ErrorCode, MessagePage, ServerEvent};
use common::events::{
    chat_updated, deleted, error, message_updated, new_message, page, presence, read, send, typing,
};
use common::ws::{Socket, Upgrade};
use common::{Backend, TestServer};
use tokio_tungstenite::tungstenite::Message as Frame;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use uuid::Uuid;

on_both_backends!(
    upgrade_needs_a_valid_token,
    two_users_chat,
    every_socket_of_a_user_gets_every_event,
    concurrent_senders_get_one_gapless_order,
    reconnecting_client_recovers_missed_messages,
    retried_client_id_stores_once,
    bad_frames_get_errors_and_the_socket_stays_open,
    oversized_frames_close_with_1009,
    outsiders_can_do_nothing_in_a_chat,
    edit_and_delete_own_messages_only,
    typing_reaches_others_and_is_throttled,
    read_receipts_drive_unread_counts,
    presence_follows_first_open_and_last_close,
    membership_changes_are_live,
    sends_are_rate_limited,
    silent_peers_are_dropped,
    ping_is_answered_at_once_and_counts_against_the_budget,
    newcomers_and_returners_start_with_nothing_unread,
);

async fn upgrade_needs_a_valid_token(backend: Backend) {
    let server = TestServer::start_with(backend, &[("ACCESS_TOKEN_TTL_SECS", "1")]).await;
    let (_, auth) = server.user("uma").await;
    let url = server.ws_url();
    let refused = |request| async move {
        match Socket::connect(request).await {
            Upgrade::Refused(status) => status,
            Upgrade::Open(_) => panic!("upgrade should be refused"),
        }
    };
    assert_eq!(
        refused(url.clone().into_client_request().unwrap()).await,
        401
    );
    assert_eq!(
        refused(
            format!("{url}?access_token=forged.token.here")
                .into_client_request()
                .unwrap()
        )
        .await,
        401
    );
    // The header works as well as the query parameter.
    let mut request = url.clone().into_client_request().unwrap();
    request.headers_mut().insert(
        "authorization",
        format!("Bearer {}", auth.access_token).parse().unwrap(),
    );
    let Upgrade::Open(mut socket) = Socket::connect(request).await else {
        panic!("header auth refused");
    };
    match socket.next_event().await {
        ServerEvent::Ready { user } => assert_eq!(user, auth.user),
        other => panic!("expected ready, got {other:?}"),
    }
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let expired = format!("{url}?access_token={}", auth.access_token);
    assert_eq!(refused(expired.into_client_request().unwrap()).await, 401);
}

async fn two_users_chat(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (_, a, bob, b, chat, mut sa, mut sb) = server.duo().await;

    let client_id = sa.send_message(chat.id, "hello <b>bob</b>").await;
    let at_bob = sb.wait_for(new_message).await;
    let at_alice = sa.wait_for(new_message).await;
    assert_eq!(at_bob, at_alice);
    assert_eq!(at_bob.seq, 1);
    assert_eq!(at_bob.chat_id, chat.id);
    assert_eq!(
        at_bob.sender, a.user,
        "the sender is the authenticated user"
    );
    assert_eq!(at_bob.content, "hello <b>bob</b>");
    assert_eq!(at_bob.client_id, Some(client_id));
    assert!(!at_bob.deleted && at_bob.edited_at.is_none());

    sb.send_message(chat.id, "hi alice").await;
    let reply = sa.wait_for(new_message).await;
    assert_eq!((reply.seq, reply.sender.clone()), (2, b.user.clone()));

    sb.send(&ClientCommand::FetchMessages {
        chat_id: chat.id,
        before_seq: None,
        after_seq: None,
        after_version: None,
        limit: None,
        request_id: Some("r-1".into()),
    })
    .await;
    let (messages, has_more, request_id) = sb.wait_for(page).await;
    assert_eq!(request_id.as_deref(), Some("r-1"));
    assert!(!has_more);
    assert_eq!(messages, vec![at_bob, reply]);
    let page: MessagePage = bob
        .get_ok(&format!("/api/chats/{}/messages", chat.id))
        .await;
    assert_eq!(page.messages, messages, "REST and WebSocket history agree");
}

async fn every_socket_of_a_user_gets_every_event(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (alice, a) = server.user("alice").await;
    let (_, b) = server.user("bob").await;
    let chat = alice.create_chat(&[&b.user], None).await;
    let mut bobs = Vec::new();
    for _ in 0..3 {
        bobs.push(server.socket(&b.access_token).await);
    }
    let mut sa = server.socket(&a.access_token).await;
    sa.send_message(chat.id, "to all your tabs").await;
    for socket in &mut bobs {
        assert_eq!(
            socket.wait_for(new_message).await.content,
            "to all your tabs"
        );
    }
    // Bob's own send reaches his other tabs too.
    bobs[0].send_message(chat.id, "from tab 0").await;
    for socket in &mut bobs {
        assert_eq!(socket.wait_for(new_message).await.content, "from tab 0");
    }
}

async fn concurrent_senders_get_one_gapless_order(backend: Backend) {
    const USERS: usize = 5;
    const EACH: usize = 50;
    let server = TestServer::start(backend).await;
    let mut users = Vec::new();
    for i in 0..USERS {
        users.push(server.user(&format!("u{i}")).await);
    }
    let others: Vec<&chat_protocol::User> = users[1..].iter().map(|(_, a)| &a.user).collect();
    let chat = users[0].0.create_chat(&others, Some("busy")).await;
    let mut sockets = Vec::new();
    for (_, auth) in &users {
        sockets.push(server.socket(&auth.access_token).await);
    }
    // Every user fires all sends without waiting, all users at once.
    let senders: Vec<_> = users
        .iter()
        .map(|(_, auth)| {
            let token = auth.access_token.clone();
            let url = format!("{}?access_token={token}", server.ws_url());
            let chat_id = chat.id;
            tokio::spawn(async move {
                let Upgrade::Open(mut socket) =
                    Socket::connect(url.into_client_request().unwrap()).await
                else {
                    panic!("refused");
                };
                for i in 0..EACH {
                    socket.send_message(chat_id, &format!("msg {i}")).await;
                }
                socket
            })
        })
        .collect();
    let mut sender_sockets = Vec::new();
    for task in senders {
        sender_sockets.push(task.await.unwrap());
    }
    let total = USERS * EACH;
    let mut orders = Vec::new();
    for socket in &mut sockets {
        let mut seen = Vec::with_capacity(total);
        while seen.len() < total {
            if let Some(m) = new_message(socket.next_event().await) {
                seen.push((m.seq, m.id));
            }
        }
        let seqs: Vec<i64> = seen.iter().map(|(s, _)| *s).collect();
        assert_eq!(
            seqs,
            (1..=total as i64).collect::<Vec<_>>(),
            "gapless, in order, once"
        );
        orders.push(seen);
        socket
            .assert_no_chat_events(Duration::from_millis(300))
            .await;
    }
    assert!(
        orders.windows(2).all(|w| w[0] == w[1]),
        "everyone saw the same order"
    );
    let page: MessagePage = users[0]
        .0
        .get_ok(&format!(
            "/api/chats/{}/messages?after_seq=0&limit=100",
            chat.id
        ))
        .await;
    assert_eq!(page.messages.len(), 100);
    assert!(page.has_more);
}

async fn reconnecting_client_recovers_missed_messages(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (_, _, _, b, chat, mut sa, mut sb) = server.duo().await;
    sa.send_message(chat.id, "seen live").await;
    let last_seen = sb.wait_for(new_message).await.seq;
    sb.close().await;

    for i in 0..20 {
        sa.send_message(chat.id, &format!("missed {i}")).await;
    }
    sa.wait_for(|e| new_message(e).filter(|m| m.seq == 21))
        .await;

    let mut sb = server.socket(&b.access_token).await;
    let mut recovered = Vec::new();
    let mut cursor = last_seen;
    loop {
        sb.send(&ClientCommand::FetchMessages {
            chat_id: chat.id,
            before_seq: None,
            after_seq: Some(cursor),
            after_version: None,
            limit: Some(8),
            request_id: None,
        })
        .await;
        let (messages, has_more, _) = sb.wait_for(page).await;
        cursor = messages.last().map_or(cursor, |m| m.seq);
        recovered.extend(messages);
        if !has_more {
            break;
        }
    }
    let seqs: Vec<i64> = recovered.iter().map(|m| m.seq).collect();
    assert_eq!(seqs, (2..=21).collect::<Vec<_>>());
    assert_eq!(recovered[0].content, "missed 0");
}

async fn retried_client_id_stores_once(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (_, a, _, _, chat, mut sa, mut sb) = server.duo().await;
    let (cmd, client_id) = send(chat.id, "once");
    sa.send(&cmd).await;
    let first = sa.wait_for(new_message).await;
    assert_eq!(sb.wait_for(new_message).await, first);

    // A retry on another socket (say, after a reconnect) gets the stored message back,
    let mut sa2 = server.socket(&a.access_token).await;
    sa2.send(&cmd).await;
    let again = sa2.wait_for(new_message).await;
    assert_eq!(again, first);
    assert_eq!(again.client_id, Some(client_id));
    // ...while sockets that already have it get no repeat, and the seq did not move.
    sa.send_message(chat.id, "next").await;
    assert_eq!(sb.wait_for(new_message).await.seq, 2);
    assert_eq!(sa.wait_for(new_message).await.seq, 2);
    assert_eq!(sa2.wait_for(new_message).await.seq, 2);
}

async fn bad_frames_get_errors_and_the_socket_stays_open(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (alice, a) = server.user("alice").await;
    let (_, b) = server.user("bob").await;
    let chat = alice.create_chat(&[&b.user], None).await;
    let mut socket = server.socket(&a.access_token).await;
    let long = "x".repeat(4001);
    let cases: Vec<(String, ErrorCode, Option<&str>)> = vec![
        ("this is not json".into(), ErrorCode::BadRequest, None),
        ("[1, 2, 3]".into(), ErrorCode::BadRequest, None),
        (r#"{"chat_id": "x"}"#.into(), ErrorCode::BadRequest, None),
        (r#"{"command": "launch_rockets"}"#.into(), ErrorCode::BadRequest, None),
        (r#"{"command": 7}"#.into(), ErrorCode::BadRequest, None),
        (format!(r#"{{"command": "new_message", "chat_id": "{}", "content": 5, "client_id": "{}"}}"#, chat.id, Uuid::new_v4()), ErrorCode::ValidationFailed, Some("new_message")),
        (format!(r#"{{"command": "new_message", "chat_id": "{}", "content": "no client id"}}"#, chat.id), ErrorCode::ValidationFailed, Some("new_message")),
        (r#"{"command": "new_message", "chat_id": "not-a-uuid", "content": "x", "client_id": "y"}"#.into(), ErrorCode::ValidationFailed, Some("new_message")),
        (format!(r#"{{"command": "new_message", "chat_id": "{}", "content": "x", "client_id": "{}", "sender": "{}"}}"#, chat.id, Uuid::new_v4(), b.user.id), ErrorCode::ValidationFailed, Some("new_message")),
        (format!(r#"{{"command": "new_message", "chat_id": "{}", "content": "   ", "client_id": "{}"}}"#, chat.id, Uuid::new_v4()), ErrorCode::ValidationFailed, Some("new_message")),
        (format!(r#"{{"command": "new_message", "chat_id": "{}", "content": "{long}", "client_id": "{}"}}"#, chat.id, Uuid::new_v4()), ErrorCode::ValidationFailed, Some("new_message")),
        (format!(r#"{{"command": "fetch_messages", "chat_id": "{}", "limit": 500}}"#, chat.id), ErrorCode::ValidationFailed, Some("fetch_messages")),
        (format!(r#"{{"command": "mark_read", "chat_id": "{}", "seq": -3}}"#, chat.id), ErrorCode::ValidationFailed, Some("mark_read")),
        (r#"{"command": "edit_message", "message_id": 999999, "content": "x"}"#.into(), ErrorCode::NotFound, Some("edit_message")),
    ];
    for (frame, code, command) in cases {
        socket.send_raw(Frame::text(frame.clone())).await;
        let (got, echoed) = socket.wait_for(error).await;
        assert_eq!(got, code, "frame {frame}");
        assert_eq!(echoed.as_deref(), command, "frame {frame}");
    }
    socket.send_raw(Frame::binary(vec![1u8, 2, 3])).await;
    assert_eq!(socket.wait_for(error).await.0, ErrorCode::BadRequest);

    let client_id = Uuid::new_v4();
    socket
        .send_raw(Frame::text(format!(
            r#"{{"command": "new_message", "chat_id": "{}", "content": "", "client_id": "{client_id}"}}"#,
            chat.id
        )))
        .await;
    match socket.next_event().await {
        ServerEvent::Error {
            client_id: echoed, ..
        } => assert_eq!(echoed, Some(client_id)),
        other => panic!("expected error, got {other:?}"),
    }
    // Still open, and nothing was stored by any of it.
    socket.send_message(chat.id, "still here").await;
    assert_eq!(socket.wait_for(new_message).await.seq, 1);
}

async fn oversized_frames_close_with_1009(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (_, a) = server.user("alice").await;
    let mut socket = server.socket(&a.access_token).await;
    socket.send_raw(Frame::text("x".repeat(70 * 1024))).await;
    let frame = socket.closed().await.expect("close frame");
    assert_eq!(u16::from(frame.code), 1009);
}

async fn outsiders_can_do_nothing_in_a_chat(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (alice, a) = server.user("alice").await;
    let (_, b) = server.user("bob").await;
    let (_, e) = server.user("eve").await;
    let chat = alice.create_chat(&[&b.user], None).await;
    let mut sa = server.socket(&a.access_token).await;
    sa.send_message(chat.id, "secret").await;
    let secret = sa.wait_for(new_message).await;
    let mut sb = server.socket(&b.access_token).await;
    let mut se = server.socket(&e.access_token).await;

    let attempts = vec![
        send(chat.id, "let me in").0,
        ClientCommand::FetchMessages {
            chat_id: chat.id,
            before_seq: None,
            after_seq: None,
            after_version: None,
            limit: None,
            request_id: None,
        },
        ClientCommand::FetchMessages {
            chat_id: chat.id,
            before_seq: None,
            after_seq: Some(0),
            after_version: None,
            limit: None,
            request_id: None,
        },
        ClientCommand::Typing { chat_id: chat.id },
        ClientCommand::MarkRead {
            chat_id: chat.id,
            seq: 1,
        },
        ClientCommand::EditMessage {
            message_id: secret.id,
            content: "pwned".into(),
        },
        ClientCommand::DeleteMessage {
            message_id: secret.id,
        },
        send(ChatId::from(Uuid::new_v4()), "no such chat").0,
    ];
    for attempt in attempts {
        se.send(&attempt).await;
        let (code, command) = se.wait_for(error).await;
        assert_eq!(code, ErrorCode::NotFound, "{attempt:?}");
        assert_eq!(command.as_deref(), Some(attempt.name()));
    }
    sa.assert_no_chat_events(Duration::from_millis(400)).await;
    sb.assert_no_chat_events(Duration::from_millis(100)).await;
    let page: MessagePage = alice
        .get_ok(&format!("/api/chats/{}/messages", chat.id))
        .await;
    assert_eq!(page.messages, vec![secret]);
    let chats: Vec<Chat> = alice.get_ok("/api/chats").await;
    assert_eq!(chats[0].last_seq, 1);
}

async fn edit_and_delete_own_messages_only(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (alice, _, _, _, chat, mut sa, mut sb) = server.duo().await;
    sa.send_message(chat.id, "tpyo").await;
    let original = sb.wait_for(new_message).await;
    sa.wait_for(new_message).await;
    sa.send_message(chat.id, "second").await;
    sb.wait_for(new_message).await;

    sb.send(&ClientCommand::EditMessage {
        message_id: original.id,
        content: "bob was here".into(),
    })
    .await;
    assert_eq!(sb.wait_for(error).await.0, ErrorCode::Forbidden);
    sb.send(&ClientCommand::DeleteMessage {
        message_id: original.id,
    })
    .await;
    assert_eq!(sb.wait_for(error).await.0, ErrorCode::Forbidden);

    sa.send(&ClientCommand::EditMessage {
        message_id: original.id,
        content: "typo".into(),
    })
    .await;
    for socket in [&mut sa, &mut sb] {
        let edited = socket.wait_for(message_updated).await;
        assert_eq!(edited.content, "typo");
        assert_eq!(edited.seq, original.seq);
        assert!(edited.edited_at.is_some());
    }
    sa.send(&ClientCommand::DeleteMessage {
        message_id: original.id,
    })
    .await;
    for socket in [&mut sa, &mut sb] {
        assert_eq!(
            socket.wait_for(deleted).await,
            (chat.id, original.id, original.seq)
        );
    }
    sa.send(&ClientCommand::EditMessage {
        message_id: original.id,
        content: "back".into(),
    })
    .await;
    assert_eq!(sa.wait_for(error).await.0, ErrorCode::NotFound);

    let page: MessagePage = alice
        .get_ok(&format!("/api/chats/{}/messages", chat.id))
        .await;
    let tombstone = &page.messages[0];
    assert!(tombstone.deleted);
    assert_eq!(tombstone.content, "");
    assert_eq!(tombstone.seq, 1);
    assert_eq!(page.messages[1].seq, 2);
}

async fn typing_reaches_others_and_is_throttled(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (_, a, _, _, chat, mut sa, mut sb) = server.duo().await;
    sa.send(&ClientCommand::Typing { chat_id: chat.id }).await;
    assert_eq!(sb.wait_for(typing).await, (chat.id, a.user.clone()));
    for _ in 0..5 {
        sa.send(&ClientCommand::Typing { chat_id: chat.id }).await;
    }
    sb.assert_no_chat_events(Duration::from_millis(500)).await;
    sa.assert_no_chat_events(Duration::from_millis(50)).await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    sa.send(&ClientCommand::Typing { chat_id: chat.id }).await;
    sb.wait_for(typing).await;
}

async fn read_receipts_drive_unread_counts(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (alice, a, bob, b, chat, mut sa, mut sb) = server.duo().await;
    for i in 0..3 {
        sa.send_message(chat.id, &format!("n{i}")).await;
    }
    sb.wait_for(|e| new_message(e).filter(|m| m.seq == 3)).await;
    let chats: Vec<Chat> = bob.get_ok("/api/chats").await;
    assert_eq!(chats[0].unread_count, 3);

    sb.send(&ClientCommand::MarkRead {
        chat_id: chat.id,
        seq: 2,
    })
    .await;
    for socket in [&mut sa, &mut sb] {
        assert_eq!(socket.wait_for(read).await, (chat.id, b.user.id, 2));
    }
    let chats: Vec<Chat> = bob.get_ok("/api/chats").await;
    assert_eq!(chats[0].unread_count, 1);
    // Going back changes nothing; going past the end stops at the end.
    sb.send(&ClientCommand::MarkRead {
        chat_id: chat.id,
        seq: 1,
    })
    .await;
    sa.assert_no_chat_events(Duration::from_millis(300)).await;
    sb.send(&ClientCommand::MarkRead {
        chat_id: chat.id,
        seq: 99,
    })
    .await;
    assert_eq!(sa.wait_for(read).await.2, 3);
    let chats: Vec<Chat> = bob.get_ok("/api/chats").await;
    assert_eq!(chats[0].unread_count, 0);
    // Read positions survive a reload: they come with the chat, for every member.
    let seen_by_alice: Chat = alice.get_ok(&format!("/api/chats/{}", chat.id)).await;
    let bob_read = seen_by_alice
        .read_positions
        .iter()
        .find(|r| r.user_id == b.user.id);
    assert_eq!(bob_read.map(|r| r.seq), Some(3));
    let alice_read = seen_by_alice
        .read_positions
        .iter()
        .find(|r| r.user_id == a.user.id);
    assert_eq!(alice_read.map(|r| r.seq), Some(0));
}

async fn presence_follows_first_open_and_last_close(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (alice, a) = server.user("alice").await;
    let (carl, c) = server.user("carl").await;
    let (status, _) = alice
        .post(
            "/api/contacts",
            serde_json::json!({"username": c.user.username}),
        )
        .await;
    assert!(status.is_success());
    // Carl shows his presence to alice by adding her (consent).
    let (status, _) = carl
        .post(
            "/api/contacts",
            serde_json::json!({"username": a.user.username}),
        )
        .await;
    assert!(status.is_success());
    let mut sa = server.socket(&a.access_token).await;

    let shared = alice.create_chat(&[&c.user], None).await;
    assert!(
        shared.online_members.contains(&a.user.id),
        "{:?}",
        shared.online_members
    );
    assert!(!shared.online_members.contains(&c.user.id));
    let first = server.socket(&c.access_token).await;
    assert_eq!(sa.wait_for(presence).await, (c.user.id, true));
    let seen: Chat = alice.get_ok(&format!("/api/chats/{}", shared.id)).await;
    assert!(
        seen.online_members.contains(&c.user.id),
        "members' presence comes with the chat"
    );
    let contacts: Vec<chat_protocol::Contact> = alice.get_ok("/api/contacts").await;
    assert_eq!(contacts[0].online, Some(true));
    let second = server.socket(&c.access_token).await;
    sa.assert_quiet(Duration::from_millis(400)).await;

    first.close().await;
    sa.assert_quiet(Duration::from_millis(400)).await;
    let contacts: Vec<chat_protocol::Contact> = alice.get_ok("/api/contacts").await;
    assert_eq!(
        contacts[0].online,
        Some(true),
        "still online with one socket left"
    );

    second.close().await;
    assert_eq!(sa.wait_for(presence).await, (c.user.id, false));
    let contacts: Vec<chat_protocol::Contact> = alice.get_ok("/api/contacts").await;
    assert_eq!(contacts[0].online, Some(false));
}

async fn membership_changes_are_live(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (alice, a) = server.user("alice").await;
    let (_, b) = server.user("bob").await;
    let (carol, c) = server.user("carol").await;
    let mut sa = server.socket(&a.access_token).await;
    let mut sb = server.socket(&b.access_token).await;
    let mut sc = server.socket(&c.access_token).await;

    let group = alice.create_chat(&[&b.user], Some("plans")).await;
    assert_eq!(sa.wait_for(chat_updated).await.id, group.id);
    assert_eq!(sb.wait_for(chat_updated).await.members.len(), 2);
    sc.assert_no_chat_events(Duration::from_millis(300)).await;

    let (status, _) = alice
        .post(
            &format!("/api/chats/{}/members", group.id),
            serde_json::json!({"username": c.user.username}),
        )
        .await;
    assert!(status.is_success());
    let seen = sc.wait_for(chat_updated).await;
    assert_eq!(seen.members.len(), 3);
    // Carol talks at once on the socket she already had.
    sc.send_message(group.id, "hi all").await;
    let written = |e| new_message(e).filter(|m| m.system.is_none());
    assert_eq!(sa.wait_for(written).await.sender, c.user);
    assert_eq!(sb.wait_for(written).await.content, "hi all");

    let (status, _) = carol
        .delete(&format!("/api/chats/{}/members/{}", group.id, c.user.id))
        .await;
    assert!(status.is_success());
    let after = sa.wait_for(chat_updated).await;
    assert_eq!(after.members.len(), 2);
    let told = sc.wait_for(chat_updated).await;
    assert!(told.members.iter().all(|m| m.id != c.user.id));
    sc.send_message(group.id, "am I still here?").await;
    assert_eq!(sc.wait_for(error).await.0, ErrorCode::NotFound);
}

async fn sends_are_rate_limited(backend: Backend) {
    let server = TestServer::start_with(backend, &[("MESSAGE_RATE_LIMIT", "1")]).await;
    let (alice, a) = server.user("alice").await;
    let (_, b) = server.user("bob").await;
    let chat = alice.create_chat(&[&b.user], None).await;
    let mut sa = server.socket(&a.access_token).await;
    for i in 0..8 {
        sa.send_message(chat.id, &format!("burst {i}")).await;
    }
    let mut outcomes: HashMap<&str, usize> = HashMap::new();
    for _ in 0..8 {
        match sa.next_event().await {
            ServerEvent::NewMessage { .. } => *outcomes.entry("stored").or_default() += 1,
            ServerEvent::Error {
                code: ErrorCode::RateLimited,
                command,
                ..
            } => {
                assert_eq!(command.as_deref(), Some("new_message"));
                *outcomes.entry("limited").or_default() += 1
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(
        outcomes.get("stored"),
        Some(&5),
        "burst of 5x the rate: {outcomes:?}"
    );
    assert_eq!(outcomes.get("limited"), Some(&3), "{outcomes:?}");
}

async fn silent_peers_are_dropped(backend: Backend) {
    let server = TestServer::start_with(backend, &[("WS_IDLE_TIMEOUT_SECS", "2")]).await;
    let (_, a) = server.user("alice").await;
    let mut socket = server.socket(&a.access_token).await;
    // Not reading means not answering pings: the server must give up on us.
    tokio::time::sleep(Duration::from_millis(3500)).await;
    let frame = socket.closed().await;
    assert!(
        frame.as_ref().is_none_or(|f| u16::from(f.code) == 1000),
        "{frame:?}"
    );
}

async fn ping_is_answered_at_once_and_counts_against_the_budget(backend: Backend) {
    let server = TestServer::start_with(backend, &[("COMMAND_RATE_LIMIT", "1")]).await;
    let (_, a) = server.user("alice").await;
    let mut socket = server.socket(&a.access_token).await;
    socket.send(&ClientCommand::Ping {}).await;
    match socket.next_event().await {
        ServerEvent::Pong => {}
        other => panic!("expected pong, got {other:?}"),
    }
    // A ping with anything else in it is refused like any malformed command.
    socket
        .send_raw(Frame::text(r#"{"command": "ping", "nonce": 1}"#))
        .await;
    let (code, echoed) = socket.wait_for(error).await;
    assert_eq!(code, ErrorCode::ValidationFailed);
    assert_eq!(echoed.as_deref(), Some("ping"));
    // A flood of pings is held to the socket's budget like any other command.
    for _ in 0..40 {
        socket.send(&ClientCommand::Ping {}).await;
    }
    let mut pongs = 0;
    let mut refused = 0;
    while pongs + refused < 40 {
        match socket.next_event().await {
            ServerEvent::Pong => pongs += 1,
            ServerEvent::Error { code, command, .. } => {
                assert_eq!(code, ErrorCode::RateLimited);
                assert_eq!(command.as_deref(), Some("ping"));
                refused += 1;
            }
            other => panic!("expected pong or error, got {other:?}"),
        }
    }
    assert!(refused > 0 && pongs > 0, "{pongs} pongs, {refused} refused");
}

async fn newcomers_and_returners_start_with_nothing_unread(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (alice, a) = server.user("alice").await;
    let (_, b) = server.user("bob").await;
    let (carol, c) = server.user("carol").await;
    let chat = alice.create_chat(&[&b.user], Some("team")).await;
    let mut sa = server.socket(&a.access_token).await;
    for i in 0..3 {
        sa.send_message(chat.id, &format!("before carol {i}")).await;
    }
    sa.wait_for(|e| new_message(e).filter(|m| m.seq == 3)).await;
    let unread = |chats: Vec<Chat>| {
        chats
            .iter()
            .find(|x| x.id == chat.id)
            .map(|x| x.unread_count)
    };
    let add_carol = || async {
        let (status, _) = alice
            .post(
                &format!("/api/chats/{}/members", chat.id),
                serde_json::json!({"username": c.user.username}),
            )
            .await;
        assert!(status.is_success(), "{status}");
    };

    add_carol().await;
    assert_eq!(unread(carol.get_ok("/api/chats").await), Some(0));
    sa.send_message(chat.id, "welcome carol").await;
    sa.wait_for(|e| new_message(e).filter(|m| m.content == "welcome carol"))
        .await;
    assert_eq!(unread(carol.get_ok("/api/chats").await), Some(1));
    // The history is still there to read.
    let page: MessagePage = carol
        .get_ok(&format!("/api/chats/{}/messages?limit=10", chat.id))
        .await;
    // Three before her, the line that added her, and the welcome.
    assert_eq!(page.messages.len(), 5);

    // Carol leaves, misses two messages, and is added back: nothing unread again.
    let (status, _) = carol
        .delete(&format!("/api/chats/{}/members/{}", chat.id, c.user.id))
        .await;
    assert!(status.is_success(), "{status}");
    for i in 0..2 {
        sa.send_message(chat.id, &format!("while away {i}")).await;
    }
    sa.wait_for(|e| new_message(e).filter(|m| m.content == "while away 1"))
        .await;
    add_carol().await;
    assert_eq!(unread(carol.get_ok("/api/chats").await), Some(0));
}
