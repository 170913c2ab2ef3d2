//! Abuse limits (contract, round 2): per-address sign-in limits that see through trusted
//! proxies only, the per-username login lockout, refreshes in their own bucket, the per-socket
//! command budget, per-user REST write limits and the group size cap.

mod common;

use std::time::Duration;

use chat_protocol::{AuthResponse, ClientCommand, ErrorCode};
use common::events::error;
use common::{Backend, TEST_PASSWORD, TestServer, assert_error};
use reqwest::StatusCode;
use serde_json::json;

on_both_backends!(
    ten_failed_logins_lock_a_username_from_any_address,
    rest_writes_and_group_sizes_are_capped,
);

/// A login for `username` claiming to come from `forwarded_for`.
async fn login_from(
    server: &TestServer,
    username: &str,
    password: &str,
    forwarded_for: &str,
) -> StatusCode {
    reqwest::Client::new()
        .post(format!("{}/api/auth/login", server.base))
        .header("x-forwarded-for", forwarded_for)
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .expect("request")
        .status()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forwarded_for_is_believed_only_from_trusted_proxies() {
    // Burst of 5 sign-ins per address.
    let direct = TestServer::start_with(Backend::Sqlite, &[("AUTH_RATE_LIMIT", "1")]).await;
    let mut statuses = Vec::new();
    for i in 0..6 {
        statuses.push(login_from(&direct, "nobody", TEST_PASSWORD, &format!("10.9.9.{i}")).await);
    }
    assert_eq!(
        statuses.last(),
        Some(&StatusCode::TOO_MANY_REQUESTS),
        "a forged X-Forwarded-For from an untrusted peer buys no new bucket: {statuses:?}"
    );

    let proxied = TestServer::start_with(
        Backend::Sqlite,
        &[
            ("AUTH_RATE_LIMIT", "1"),
            ("TRUSTED_PROXIES", "127.0.0.1/32,::1/128"),
        ],
    )
    .await;
    for _ in 0..5 {
        let status = login_from(&proxied, "nobody", TEST_PASSWORD, "198.51.100.1").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let over = login_from(&proxied, "nobody", TEST_PASSWORD, "198.51.100.1").await;
    assert_eq!(over, StatusCode::TOO_MANY_REQUESTS);
    let other_client = login_from(&proxied, "nobody", TEST_PASSWORD, "198.51.100.2").await;
    assert_eq!(
        other_client,
        StatusCode::UNAUTHORIZED,
        "another client behind the proxy"
    );
    let spoofed = login_from(&proxied, "nobody", TEST_PASSWORD, "6.6.6.6, 198.51.100.1").await;
    assert_eq!(
        spoofed,
        StatusCode::TOO_MANY_REQUESTS,
        "what the client wrote left of the proxy's entry is ignored"
    );
}

async fn ten_failed_logins_lock_a_username_from_any_address(backend: Backend) {
    let server =
        TestServer::start_with(backend, &[("TRUSTED_PROXIES", "127.0.0.1/32,::1/128")]).await;
    let (_, alice) = server.user("alice").await;
    let name = alice.user.username.clone();
    for i in 0..10 {
        let status = login_from(&server, &name, "wrong-password", &format!("192.0.2.{i}")).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let status = login_from(&server, &name.to_uppercase(), TEST_PASSWORD, "203.0.113.50").await;
    assert_eq!(
        status,
        StatusCode::TOO_MANY_REQUESTS,
        "the right password from a new address is refused during the lockout"
    );
    let (_, bob) = server.user("bob").await;
    let status = login_from(&server, &bob.user.username, TEST_PASSWORD, "192.0.2.1").await;
    assert_eq!(status, StatusCode::OK, "other usernames are unaffected");
    // Refreshing is no password guess: it goes on.
    let (status, body) = server.client().refresh(&alice.refresh_token).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refreshes_have_a_bucket_of_their_own() {
    let server = TestServer::start_with(Backend::Sqlite, &[("AUTH_RATE_LIMIT", "1")]).await;
    let anon = server.client();
    let (_, body) = anon.register("refresher", TEST_PASSWORD).await;
    let mut auth: AuthResponse = serde_json::from_value(body).expect("AuthResponse");
    for _ in 0..6 {
        anon.login("nobody", TEST_PASSWORD).await;
    }
    let (status, _) = anon.login("refresher", TEST_PASSWORD).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "sign-ins exhausted");
    for _ in 0..10 {
        let (status, body) = anon.refresh(&auth.refresh_token).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        auth = serde_json::from_value(body).expect("AuthResponse");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_command_counts_against_the_socket_budget() {
    let server = TestServer::start_with(Backend::Sqlite, &[("COMMAND_RATE_LIMIT", "1")]).await;
    let (alice, a) = server.user("alice").await;
    let (_, b) = server.user("bob").await;
    let chat = alice.create_chat(&[&b.user], None).await;
    let mut socket = server.socket(&a.access_token).await;
    // A burst of 5, then refusals: every kind of command counts.
    for _ in 0..3 {
        socket
            .send(&ClientCommand::Typing { chat_id: chat.id })
            .await;
        socket
            .send(&ClientCommand::MarkRead {
                chat_id: chat.id,
                seq: 0,
            })
            .await;
    }
    assert_eq!(
        socket.wait_for(error).await,
        (ErrorCode::RateLimited, Some("mark_read".into()))
    );
    let mut other = server.socket(&a.access_token).await;
    other
        .send(&ClientCommand::Typing { chat_id: chat.id })
        .await;
    other.assert_quiet(Duration::from_millis(300)).await;
}

async fn rest_writes_and_group_sizes_are_capped(backend: Backend) {
    let server = TestServer::start_with(
        backend,
        &[("REST_WRITE_RATE_LIMIT", "1"), ("MAX_GROUP_MEMBERS", "3")],
    )
    .await;
    let (alice, _) = server.user("alice").await;
    let mut people = Vec::new();
    for name in ["bob", "carl", "dora"] {
        people.push(server.user(name).await.1.user);
    }
    let (status, body) = alice
        .post(
            "/api/chats",
            json!({"members": people.iter().map(|u| &u.username).collect::<Vec<_>>(), "name": "four"}),
        )
        .await;
    assert_error(status, &body, 422, "validation_failed");
    let group = alice
        .create_chat(&[&people[0], &people[1]], Some("three"))
        .await;
    let (status, body) = alice
        .post(
            &format!("/api/chats/{}/members", group.id),
            json!({"username": people[2].username}),
        )
        .await;
    assert_error(status, &body, 422, "validation_failed");
    // Burst of 5 writes per user (two used above): the sixth is refused.
    let mut statuses = Vec::new();
    for who in &people {
        statuses.push(
            alice
                .post("/api/contacts", json!({"username": who.username}))
                .await
                .0,
        );
    }
    statuses.push(
        alice
            .delete(&format!("/api/contacts/{}", people[0].id))
            .await
            .0,
    );
    assert_eq!(
        statuses,
        [
            StatusCode::CREATED,
            StatusCode::CREATED,
            StatusCode::TOO_MANY_REQUESTS,
            StatusCode::TOO_MANY_REQUESTS
        ]
    );
}
