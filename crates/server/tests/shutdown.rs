//! Stopping under load: SIGTERM while messages are being written and fanned out always drains
//! and exits 0, on both databases, with and without Redis (a SIGSEGV was once seen here while a
//! loaded test run stopped a server).

mod common;

use std::time::Duration;

use common::redis::TestRedis;
use common::{Backend, TestServer};

on_both_backends!(sigterm_under_load_always_exits_cleanly);

async fn sigterm_under_load_always_exits_cleanly(backend: Backend) {
    let redis = TestRedis::start().await;
    let url = redis.url();
    for with_redis in [false, true] {
        for round in 0..3 {
            let env: Vec<(&str, &str)> = if with_redis {
                vec![("REDIS_URL", url.as_str())]
            } else {
                Vec::new()
            };
            let mut server = TestServer::start_with(backend, &env).await;
            let (alice, a) = server.user("alice").await;
            let (_, b) = server.user("bob").await;
            let chat = alice.create_chat(&[&b.user], None).await;
            let mut senders = Vec::new();
            for _ in 0..3 {
                let mut socket = server.socket(&a.access_token).await;
                senders.push(tokio::spawn(async move {
                    // Ends with a panic when the server closes the socket: expected here.
                    for i in 0.. {
                        socket.send_message(chat.id, &format!("load {i}")).await;
                    }
                }));
            }
            let _reader = server.socket(&b.access_token).await;
            tokio::time::sleep(Duration::from_millis(300)).await;
            let status = tokio::task::spawn_blocking(move || server.terminate())
                .await
                .expect("join");
            assert!(
                status.success(),
                "round {round}, redis {with_redis}: exit status {status:?}"
            );
            for sender in senders {
                sender.abort();
            }
        }
    }
}
