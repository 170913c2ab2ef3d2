//! Delivery under faults (contract, round 2): SIGTERM drains the outbound fan-out too, so the
//! events of messages committed before exit reach the other instances even when Redis is slow
//! to take them.

mod common;

use std::process::Command;
use std::time::Duration;

use chat_protocol::ChatId;
use common::cluster::{Cluster, cluster};
use common::events::new_message;
use common::redis::TestRedis;
use common::ws::Socket;
use common::{Backend, TestServer};

/// Alice on instance one and bob on instance two, their direct chat, a socket each.
async fn alice_on_one_bob_on_two(one: &TestServer, two: &TestServer) -> (ChatId, Socket, Socket) {
    let (alice, a) = one.user("alice").await;
    let (_, b) = two.user("bob").await;
    let chat = alice.create_chat(&[&b.user], None).await;
    let on_one = one.socket(&a.access_token).await;
    let on_two = two.socket(&b.access_token).await;
    (chat.id, on_one, on_two)
}

/// Runs a command against the test's Redis.
fn redis_cli(redis: &TestRedis, args: &[&str]) {
    let port = redis.port.to_string();
    let status = Command::new("redis-cli")
        .args(["-p", port.as_str()])
        .args(args)
        .status()
        .expect("redis-cli");
    assert!(status.success(), "redis-cli {args:?}");
}

/// The seqs of the next `n` messages the socket receives (10 s at most for each).
async fn receive_seqs(socket: &mut Socket, n: usize) -> Vec<i64> {
    let mut seqs = Vec::new();
    while seqs.len() < n {
        let message = tokio::time::timeout(Duration::from_secs(10), socket.wait_for(new_message))
            .await
            .unwrap_or_else(|_| panic!("only got {seqs:?}"));
        seqs.push(message.seq);
    }
    seqs
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_publishes_what_was_committed_before_exit() {
    let Cluster {
        redis,
        mut one,
        two,
    } = cluster(&[]).await;
    let (chat, mut on_one, mut on_two) = alice_on_one_bob_on_two(&one, &two).await;
    on_one.send_message(chat, "before").await;
    assert_eq!(on_two.wait_for(new_message).await.content, "before");
    assert_eq!(on_one.wait_for(new_message).await.content, "before");

    // Redis stops answering for a while; alice's message commits and echoes on instance one,
    // whose publish to Redis now has to wait.
    redis_cli(&redis, &["CLIENT", "PAUSE", "1500", "ALL"]);
    on_one.send_message(chat, "last words").await;
    assert_eq!(on_one.wait_for(new_message).await.content, "last words");
    let status = tokio::task::spawn_blocking(move || one.terminate())
        .await
        .expect("join");
    assert!(status.success(), "exit status {status:?}");
    let got = tokio::time::timeout(Duration::from_secs(8), on_two.wait_for(new_message))
        .await
        .expect("the message reached the other instance");
    assert_eq!((got.content.as_str(), got.seq), ("last words", 2));
}

/// A peer that stops reading (its receive window full) cannot hold its socket, or its owner's
/// presence, open: the server's send gives up after its deadline, the socket is closed as too
/// slow, and the user goes offline for those who see their presence.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peer_that_never_reads_is_dropped_and_goes_offline() {
    use common::events::presence;
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;

    let server = TestServer::start_with(Backend::Sqlite, &[("COMMAND_RATE_LIMIT", "0")]).await;
    let (alice, a) = server.user("alice").await;
    let (bob, b) = server.user("bob").await;
    // Carol sees bob's presence and nothing of the flood, so her socket never falls behind.
    let (_, c) = server.user("carol").await;
    bob.add_contact(&c.user).await;
    let chat = alice.create_chat(&[&b.user], None).await;
    let mut watcher = server.socket(&c.access_token).await;

    // Bob's socket: a tiny receive buffer, the upgrade, then never another read.
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket.set_recv_buffer_size(4096).expect("rcvbuf");
    let stream = socket
        .connect(server.addr.parse().expect("addr"))
        .await
        .expect("connect");
    let url = format!("{}?access_token={}", server.ws_url(), b.access_token);
    let (stalled, _) =
        tokio_tungstenite::client_async(url.into_client_request().expect("url"), stream)
            .await
            .expect("upgrade");
    assert_eq!(watcher.wait_for(presence).await, (b.user.id, true));

    // Alice floods the chat: bob's events pile up in the kernel, then in his queue.
    let text = "x".repeat(3900);
    let mut sender = server.socket(&a.access_token).await;
    let started = std::time::Instant::now();
    for _ in 0..2500 {
        // Alice reads her echoes as she goes: only bob stops reading.
        sender.send_message(chat.id, &text).await;
        sender.wait_for(new_message).await;
    }
    let offline = tokio::time::timeout(Duration::from_secs(40), watcher.wait_for(presence))
        .await
        .expect("bob went offline although his socket never read");
    assert_eq!(offline, (b.user.id, false));
    assert!(started.elapsed() < Duration::from_secs(40));
    drop(stalled);
}

/// Redis drops instance two's subscriber mid-stream: the publications it missed are read from
/// the database, so bob, connected there, still gets every message once, in seq order,
/// without asking.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_a_subscriber_missed_are_filled_from_the_database() {
    let Cluster { redis, one, two } = cluster(&[]).await;
    let (chat, mut on_one, mut on_two) = alice_on_one_bob_on_two(&one, &two).await;
    for i in 1..=40 {
        on_one.send_message(chat, &format!("m{i}")).await;
        if i == 12 {
            redis_cli(&redis, &["CLIENT", "KILL", "TYPE", "pubsub"]);
        }
        tokio::time::sleep(Duration::from_millis(15)).await;
    }
    assert_eq!(
        receive_seqs(&mut on_two, 40).await,
        (1..=40).collect::<Vec<i64>>()
    );
    // Operators see it happen: each instance's subscriber reconnected once (instance one's
    // may still be on its way back).
    for server in [&one, &two] {
        let mut text = String::new();
        for _ in 0..50 {
            text = reqwest::get(format!("{}/metrics", server.base))
                .await
                .expect("scrape")
                .text()
                .await
                .expect("text");
            if text.lines().any(|l| l == "chat_redis_reconnects_total 1") {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(
            text.lines().any(|l| l == "chat_redis_reconnects_total 1"),
            "{text}"
        );
    }
}

/// The subscriber loses its connection right before the last messages of a burst: no later
/// message reveals the gap, so after reconnecting the instance compares its chats with the
/// database and delivers what it missed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_last_messages_before_a_reconnect_are_not_lost() {
    let Cluster { redis, one, two } = cluster(&[]).await;
    let (chat, mut on_one, mut on_two) = alice_on_one_bob_on_two(&one, &two).await;
    for i in 1..=20 {
        if i == 18 {
            redis_cli(&redis, &["CLIENT", "KILL", "TYPE", "pubsub"]);
        }
        on_one.send_message(chat, &format!("m{i}")).await;
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(
        receive_seqs(&mut on_two, 20).await,
        (1..=20).collect::<Vec<i64>>()
    );
}

/// The storing instance dies between its commit and its publish: when its users' presence
/// expires, the other instance checks its chats against the database and delivers the message.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_whose_instance_died_before_publishing_is_still_delivered() {
    let Cluster { redis, one, two } = cluster(&[]).await;
    let (chat, mut on_one, mut on_two) = alice_on_one_bob_on_two(&one, &two).await;
    on_one.send_message(chat, "first").await;
    assert_eq!(on_two.wait_for(new_message).await.seq, 1);
    assert_eq!(on_one.wait_for(new_message).await.seq, 1);

    // Redis holds writes: the next publish waits, and instance one dies with it in hand.
    redis_cli(&redis, &["CLIENT", "PAUSE", "1500", "WRITE"]);
    on_one
        .send_message(chat, "committed, never published")
        .await;
    assert_eq!(
        on_one.wait_for(new_message).await.seq,
        2,
        "stored and echoed"
    );
    let killed = Command::new("kill")
        .args(["-KILL", &one.pid().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    let got = tokio::time::timeout(Duration::from_secs(15), on_two.wait_for(new_message))
        .await
        .expect("the message reached bob after its instance died");
    assert_eq!(
        (got.seq, got.content.as_str()),
        (2, "committed, never published")
    );
}

/// The same for an edit and a delete: they carry no seq, so no gap shows them missing; when the
/// storing instance's users expire, the other instance compares the chat's version with the
/// database and sends bob what changed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_and_a_delete_whose_instance_died_before_publishing_still_arrive() {
    use chat_protocol::ClientCommand;
    use common::events::{deleted, message_updated as updated};

    let Cluster { redis, one, two } = cluster(&[]).await;
    let (chat, mut on_one, mut on_two) = alice_on_one_bob_on_two(&one, &two).await;
    for text in ["first", "second"] {
        on_one.send_message(chat, text).await;
        on_two.wait_for(new_message).await;
    }
    let first = on_one.wait_for(new_message).await;
    let second = on_one.wait_for(new_message).await;

    redis_cli(&redis, &["CLIENT", "PAUSE", "1500", "WRITE"]);
    on_one
        .send(&ClientCommand::EditMessage {
            message_id: first.id,
            content: "first, fixed".into(),
        })
        .await;
    assert_eq!(on_one.wait_for(updated).await.content, "first, fixed");
    on_one
        .send(&ClientCommand::DeleteMessage {
            message_id: second.id,
        })
        .await;
    on_one.wait_for(deleted).await;
    let killed = Command::new("kill")
        .args(["-KILL", &one.pid().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());

    let edit = tokio::time::timeout(Duration::from_secs(15), on_two.wait_for(updated))
        .await
        .expect("the edit reached bob after its instance died");
    assert_eq!((edit.id, edit.content.as_str()), (first.id, "first, fixed"));
    let gone = tokio::time::timeout(Duration::from_secs(5), on_two.wait_for(deleted))
        .await
        .expect("the delete reached bob after its instance died");
    assert_eq!(gone, (chat, second.id, second.seq));
}
