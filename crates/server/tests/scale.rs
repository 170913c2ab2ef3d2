//! Several instances behave as one through Redis: two server processes on different loopback
//! ports share one PostgreSQL database and one Redis (a private `redis-server` per test).

mod common;

use std::time::Duration;

use chat_protocol::{ClientCommand, MessagePage, ServerEvent};
use common::cluster::{cluster, wait_ready};
use common::events::{chat_updated, new_message, page, presence, read, typing};
use common::ws::Socket;
use reqwest::StatusCode;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_on_different_instances_chat() {
    let c = cluster(&[]).await;
    let (alice, a) = c.one.user("alice").await;
    let (_, b) = c.two.user("bob").await;
    let mut sa = c.one.socket(&a.access_token).await;
    let mut sb = c.two.socket(&b.access_token).await;

    let chat = alice.create_chat(&[&b.user], None).await;
    let told = sb.wait_for(chat_updated).await;
    assert_eq!(told.id, chat.id, "chat_updated crosses instances");

    for i in 0..30 {
        sa.send_message(chat.id, &format!("a{i}")).await;
    }
    let mut seen = Vec::new();
    while seen.len() < 30 {
        seen.push(sb.wait_for(new_message).await.seq);
    }
    assert_eq!(seen, (1..=30).collect::<Vec<_>>());
    sb.send_message(chat.id, "hi from two").await;
    let reply = sa
        .wait_for(|e| new_message(e).filter(|m| m.seq == 31))
        .await;
    assert_eq!(reply.sender, b.user);

    sa.send(&ClientCommand::Typing { chat_id: chat.id }).await;
    sb.wait_for(typing).await;
    sb.send(&ClientCommand::MarkRead {
        chat_id: chat.id,
        seq: 31,
    })
    .await;
    for socket in [&mut sa, &mut sb] {
        assert_eq!(socket.wait_for(read).await, (chat.id, b.user.id, 31));
    }
    sb.assert_no_chat_events(Duration::from_millis(300)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_writing_one_chat_keep_one_gapless_order() {
    const EACH: usize = 50;
    let c = cluster(&[]).await;
    let mut users = Vec::new();
    for (i, server) in [&c.one, &c.two, &c.one, &c.two].into_iter().enumerate() {
        users.push((server, server.user(&format!("w{i}")).await));
    }
    let others: Vec<&chat_protocol::User> = users[1..].iter().map(|(_, (_, a))| &a.user).collect();
    let chat = users[0].1.0.create_chat(&others, Some("race")).await;
    let mut sockets = Vec::new();
    for (server, (_, auth)) in &users {
        sockets.push(server.socket(&auth.access_token).await);
    }
    // Every hub learns where the chat stands before the race starts.
    sockets[0].send_message(chat.id, "warm-up").await;
    for socket in &mut sockets {
        socket.wait_for(new_message).await;
    }
    let writers: Vec<_> = users
        .iter()
        .map(|(server, (_, auth))| {
            let url = format!("{}?access_token={}", server.ws_url(), auth.access_token);
            let chat_id = chat.id;
            tokio::spawn(async move {
                use tokio_tungstenite::tungstenite::client::IntoClientRequest;
                let common::ws::Upgrade::Open(mut socket) =
                    Socket::connect(url.into_client_request().unwrap()).await
                else {
                    panic!("refused");
                };
                for i in 0..EACH {
                    socket.send_message(chat_id, &format!("m{i}")).await;
                }
                socket
            })
        })
        .collect();
    let mut keep = Vec::new();
    for writer in writers {
        keep.push(writer.await.unwrap());
    }
    let total = 1 + users.len() * EACH;
    for socket in &mut sockets {
        let mut seqs = vec![1];
        while seqs.len() < total {
            seqs.push(socket.wait_for(new_message).await.seq);
        }
        assert_eq!(
            seqs,
            (1..=total as i64).collect::<Vec<_>>(),
            "once each, in order"
        );
        socket
            .assert_no_chat_events(Duration::from_millis(300))
            .await;
    }
    let api = &users[0].1.0;
    let mut stored = Vec::new();
    let mut after = 0;
    loop {
        let page: MessagePage = api
            .get_ok(&format!(
                "/api/chats/{}/messages?after_seq={after}&limit=100",
                chat.id
            ))
            .await;
        stored.extend(page.messages.iter().map(|m| m.seq));
        after = *stored.last().unwrap();
        if !page.has_more {
            break;
        }
    }
    assert_eq!(
        stored,
        (1..=total as i64).collect::<Vec<_>>(),
        "gapless in storage"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_is_online_while_any_instance_has_a_socket() {
    let c = cluster(&[]).await;
    let (alice, a) = c.one.user("alice").await;
    let (carl_api, carl) = c.two.user("carl").await;
    // Each adds the other: carl shows alice his presence (consent).
    assert!(alice.add_contact(&carl.user).await.0.is_success());
    assert!(carl_api.add_contact(&a.user).await.0.is_success());
    let mut sa = c.one.socket(&a.access_token).await;

    let on_one = c.one.socket(&carl.access_token).await;
    assert_eq!(sa.wait_for(presence).await, (carl.user.id, true));
    let on_two = c.two.socket(&carl.access_token).await;
    sa.assert_quiet(Duration::from_millis(500)).await;
    for server in [&c.one, &c.two] {
        let contacts: Vec<chat_protocol::Contact> = server
            .client()
            .with_token(Some(&a.access_token))
            .get_ok("/api/contacts")
            .await;
        assert_eq!(
            contacts[0].online,
            Some(true),
            "online as seen from {}",
            server.base
        );
    }

    on_one.close().await;
    sa.assert_quiet(Duration::from_millis(500)).await;
    on_two.close().await;
    assert_eq!(sa.wait_for(presence).await, (carl.user.id, false));
    let contacts: Vec<chat_protocol::Contact> = alice.get_ok("/api/contacts").await;
    assert_eq!(contacts[0].online, Some(false));
}

/// Carl's only socket closes and a new one opens at once, ten times over: each close and
/// reopen are settled in order, so alice's last word on carl is "online" and the server agrees.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_quick_reconnect_never_leaves_a_user_shown_offline() {
    let c = cluster(&[]).await;
    let (alice, a) = c.one.user("alice").await;
    let (carl_api, carl) = c.two.user("carl").await;
    assert!(alice.add_contact(&carl.user).await.0.is_success());
    assert!(carl_api.add_contact(&a.user).await.0.is_success());
    let mut sa = c.one.socket(&a.access_token).await;
    let mut socket = c.two.socket(&carl.access_token).await;
    assert_eq!(sa.wait_for(presence).await, (carl.user.id, true));
    for _ in 0..10 {
        socket.close().await;
        socket = c.two.socket(&carl.access_token).await;
    }
    // Let every edge settle, then read what alice was told last.
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let mut last = true;
    while let Some(event) = sa.next_within(Duration::from_millis(300)).await {
        if let Some((user, online)) = presence(event)
            && user == carl.user.id
        {
            last = online;
        }
    }
    assert!(
        last,
        "alice was last told carl is offline while he is connected"
    );
    let contacts: Vec<chat_protocol::Contact> = alice.get_ok("/api/contacts").await;
    assert_eq!(contacts[0].online, Some(true));
    drop(socket);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_instances_users_go_offline_within_the_ttl() {
    let mut c = cluster(&[]).await;
    let (alice, a) = c.one.user("alice").await;
    let (carl_api, carl) = c.two.user("carl").await;
    // Each adds the other: carl shows alice his presence (consent).
    assert!(alice.add_contact(&carl.user).await.0.is_success());
    assert!(carl_api.add_contact(&a.user).await.0.is_success());
    let mut sa = c.one.socket(&a.access_token).await;
    let _carl_socket = c.two.socket(&carl.access_token).await;
    assert_eq!(sa.wait_for(presence).await, (carl.user.id, true));

    let killed_at = std::time::Instant::now();
    let _ = std::process::Command::new("kill")
        .args(["-KILL", &c.two.pid().to_string()])
        .status();
    // TTL 3 s, renewed every second: offline within ~4 s of the last renewal.
    assert_eq!(sa.wait_for(presence).await, (carl.user.id, false));
    let took = killed_at.elapsed();
    assert!(took < Duration::from_secs(8), "took {took:?}");
    let contacts: Vec<chat_protocol::Contact> = alice.get_ok("/api/contacts").await;
    assert_eq!(contacts[0].online, Some(false));
    c.redis.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_restart_loses_no_stored_message() {
    let mut c = cluster(&[]).await;
    let (alice, a) = c.one.user("alice").await;
    let (bob, b) = c.two.user("bob").await;
    let chat = alice.create_chat(&[&b.user], None).await;
    let mut sa = c.one.socket(&a.access_token).await;
    let mut sb = c.two.socket(&b.access_token).await;
    sa.send_message(chat.id, "before").await;
    let last_seen = sb.wait_for(new_message).await.seq;

    c.redis.stop();
    wait_ready(&c.one, false).await;
    wait_ready(&c.two, false).await;
    // Each instance keeps serving its own sockets and storing messages.
    sa.send_message(chat.id, "during the outage").await;
    let stored = sa
        .wait_for(|e| new_message(e).filter(|m| m.content == "during the outage"))
        .await;
    let (status, _) = bob.get(&format!("/api/chats/{}", chat.id)).await;
    assert_eq!(status, StatusCode::OK, "REST works without Redis");

    c.redis.restart().await;
    wait_ready(&c.one, true).await;
    wait_ready(&c.two, true).await;
    // Bob's instance tells him to resync; he asks for what he missed.
    sb.wait_for(|e| matches!(e, ServerEvent::Resync).then_some(()))
        .await;
    sb.send(&ClientCommand::FetchMessages {
        chat_id: chat.id,
        before_seq: None,
        after_seq: Some(last_seen),
        after_version: None,
        limit: None,
        request_id: None,
    })
    .await;
    let recovered = sb.wait_for(page).await.0;
    assert_eq!(recovered, vec![stored]);

    // The conversation goes on live, both ways.
    sa.send_message(chat.id, "after").await;
    let live = sb
        .wait_for(|e| new_message(e).filter(|m| m.content == "after"))
        .await;
    assert_eq!(live.seq, 3);
    sb.send_message(chat.id, "back at you").await;
    sa.wait_for(|e| new_message(e).filter(|m| m.content == "back at you"))
        .await;
}
