//! Delivery under faults (contract, round 2): SIGTERM drains the outbound fan-out too, so the
//! events of messages committed before exit reach the other instances even when Redis is slow
//! to take them.

mod common;

use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use common::events::new_message;
use common::redis::TestRedis;
use common::{Backend, TestDatabase, TestServer};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_publishes_what_was_committed_before_exit() {
    let redis = TestRedis::start().await;
    let db = Arc::new(TestDatabase::create(Backend::Postgres));
    let url = redis.url();
    let env = [("REDIS_URL", url.as_str())];
    let mut one = TestServer::start_on(db.clone(), &env).await;
    let two = TestServer::start_on(db, &env).await;
    let (alice, a) = one.user("alice").await;
    let (_, b) = two.user("bob").await;
    let chat = alice.create_chat(&[&b.user], None).await;
    let mut on_one = one.socket(&a.access_token).await;
    let mut on_two = two.socket(&b.access_token).await;
    on_one.send_message(chat.id, "before").await;
    assert_eq!(on_two.wait_for(new_message).await.content, "before");
    assert_eq!(on_one.wait_for(new_message).await.content, "before");

    // Redis stops answering for a while; alice's message commits and echoes on instance one,
    // whose publish to Redis now has to wait.
    let paused = Command::new("redis-cli")
        .args([
            "-p",
            &redis.port.to_string(),
            "CLIENT",
            "PAUSE",
            "1500",
            "ALL",
        ])
        .status()
        .expect("redis-cli");
    assert!(paused.success());
    on_one.send_message(chat.id, "last words").await;
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
