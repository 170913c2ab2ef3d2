//! Sessions (contract, round 2): listed to their owner; ended by logout, from another device,
//! or by refresh-token reuse; an ended session's access tokens get 401 and its sockets close
//! with 4001 within 2 s, on every instance; sockets close with 4001 when their token expires;
//! one socket beyond `MAX_SOCKETS_PER_USER` is refused with 429.

mod common;

use std::time::{Duration, Instant};

use chat_protocol::{AuthResponse, SessionInfo};
use common::cluster::{Cluster, cluster};
use common::ws::{Socket, Upgrade};
use common::{Api, Backend, TEST_PASSWORD, TestServer, assert_error};
use reqwest::StatusCode;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use uuid::Uuid;

on_both_backends!(
    sessions_are_listed_and_ended_from_another_device,
    logout_ends_the_session_and_its_sockets,
    refresh_token_reuse_ends_the_session_everywhere,
    sockets_close_when_their_token_expires,
    one_socket_too_many_is_refused,
);

/// Signs in again as `auth`'s user: a second session.
async fn login(server: &TestServer, auth: &AuthResponse) -> (Api, AuthResponse) {
    let anon = server.client();
    let (status, body) = anon.login(&auth.user.username, TEST_PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let again: AuthResponse = serde_json::from_value(body).expect("AuthResponse");
    (anon.with_token(Some(&again.access_token)), again)
}

/// Asserts the socket is closed with 4001 and returns how long that took.
async fn closed_with_4001(socket: &mut Socket, why: &str) -> Duration {
    let started = Instant::now();
    let frame = socket.closed().await.expect("a close frame");
    assert_eq!(u16::from(frame.code), 4001, "{frame:?}");
    assert_eq!(frame.reason.as_str(), why);
    started.elapsed()
}

async fn sessions_are_listed_and_ended_from_another_device(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (laptop, first) = server.user("alice").await;
    let (phone, second) = login(&server, &first).await;
    let (_, mallory) = server.user("mallory").await;
    let mut phone_socket = server.socket(&second.access_token).await;

    let listed: Vec<SessionInfo> = laptop.get_ok("/api/sessions").await;
    assert_eq!(listed.len(), 2, "{listed:?}");
    assert_eq!(listed.iter().filter(|s| s.current).count(), 1);
    let phone_session = listed
        .iter()
        .find(|s| !s.current)
        .expect("the other one")
        .id;
    let seen_from_phone: Vec<SessionInfo> = phone.get_ok("/api/sessions").await;
    assert!(
        seen_from_phone
            .iter()
            .any(|s| s.id == phone_session && s.current)
    );

    let stranger = server.client().with_token(Some(&mallory.access_token));
    let (status, body) = stranger
        .delete(&format!("/api/sessions/{phone_session}"))
        .await;
    assert_error(status, &body, 404, "not_found");
    let (status, body) = laptop
        .delete(&format!("/api/sessions/{}", Uuid::new_v4()))
        .await;
    assert_error(status, &body, 404, "not_found");

    let (status, _) = laptop
        .delete(&format!("/api/sessions/{phone_session}"))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let took = closed_with_4001(&mut phone_socket, "session_revoked").await;
    assert!(took < Duration::from_secs(2), "{took:?}");
    let (status, body) = phone.get("/api/me").await;
    assert_error(status, &body, 401, "unauthorized");
    let (status, body) = server.client().refresh(&second.refresh_token).await;
    assert_error(status, &body, 401, "unauthorized");
    match Socket::connect(
        format!("{}?access_token={}", server.ws_url(), second.access_token)
            .into_client_request()
            .expect("url"),
    )
    .await
    {
        Upgrade::Refused(status) => assert_eq!(status, 401),
        Upgrade::Open(_) => panic!("a socket opened with an ended session's token"),
    }
    let listed: Vec<SessionInfo> = laptop.get_ok("/api/sessions").await;
    assert_eq!(listed.len(), 1);
    assert!(listed[0].current);
    let (status, _) = laptop.get("/api/me").await;
    assert_eq!(status, StatusCode::OK, "the other session goes on");
}

async fn logout_ends_the_session_and_its_sockets(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (alice, auth) = server.user("alice").await;
    let (other_device, other) = login(&server, &auth).await;
    let mut socket = server.socket(&auth.access_token).await;
    let mut other_socket = server.socket(&other.access_token).await;
    let (status, _) = alice.logout(&auth.refresh_token).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let took = closed_with_4001(&mut socket, "session_revoked").await;
    assert!(took < Duration::from_secs(2), "{took:?}");
    let (status, body) = alice.get("/api/chats").await;
    assert_error(status, &body, 401, "unauthorized");
    other_socket.assert_quiet(Duration::from_millis(300)).await;
    let (status, _) = other_device.get("/api/chats").await;
    assert_eq!(
        status,
        StatusCode::OK,
        "signing out on one device leaves the others"
    );
}

async fn refresh_token_reuse_ends_the_session_everywhere(backend: Backend) {
    let server = TestServer::start_with(backend, &[("REFRESH_REUSE_GRACE_SECS", "0")]).await;
    let (_, auth) = server.user("alice").await;
    let mut socket = server.socket(&auth.access_token).await;
    let anon = server.client();
    let (status, _) = anon.refresh(&auth.refresh_token).await;
    assert_eq!(status, StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    // The old token again: a thief (or the victim, after the thief) — the session ends.
    let (status, body) = anon.refresh(&auth.refresh_token).await;
    assert_error(status, &body, 401, "unauthorized");
    let took = closed_with_4001(&mut socket, "session_revoked").await;
    assert!(took < Duration::from_secs(2), "{took:?}");
    let (status, body) = anon
        .with_token(Some(&auth.access_token))
        .get("/api/me")
        .await;
    assert_error(status, &body, 401, "unauthorized");
}

async fn sockets_close_when_their_token_expires(backend: Backend) {
    let server = TestServer::start_with(backend, &[("ACCESS_TOKEN_TTL_SECS", "2")]).await;
    let (_, auth) = server.user("alice").await;
    let mut socket = server.socket(&auth.access_token).await;
    let took = closed_with_4001(&mut socket, "token_expired").await;
    assert!(took <= Duration::from_secs(3), "{took:?}");
}

async fn one_socket_too_many_is_refused(backend: Backend) {
    let server = TestServer::start_with(backend, &[("MAX_SOCKETS_PER_USER", "3")]).await;
    let (_, auth) = server.user("alice").await;
    let mut open = Vec::new();
    for _ in 0..3 {
        open.push(server.socket(&auth.access_token).await);
    }
    let url = format!("{}?access_token={}", server.ws_url(), auth.access_token);
    match Socket::connect(url.clone().into_client_request().expect("url")).await {
        Upgrade::Refused(status) => assert_eq!(status, 429),
        Upgrade::Open(_) => panic!("the fourth socket was accepted"),
    }
    open.pop().expect("one").close().await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    match Socket::connect(url.into_client_request().expect("url")).await {
        Upgrade::Open(_) => {}
        Upgrade::Refused(status) => panic!("a freed place was refused with {status}"),
    }
}

/// Two instances on one database and one Redis: a session ended through one instance is
/// refused, and its sockets closed, on the other within 2 s.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ending_a_session_reaches_every_instance() {
    let Cluster {
        one,
        two,
        redis: _redis,
    } = cluster(&[]).await;
    let (alice_on_one, auth) = one.user("alice").await;
    let mut socket_on_two = two.socket(&auth.access_token).await;
    let on_two = two.client().with_token(Some(&auth.access_token));
    let (status, _) = on_two.get("/api/me").await;
    assert_eq!(status, StatusCode::OK);

    let (status, _) = alice_on_one.logout(&auth.refresh_token).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let took = closed_with_4001(&mut socket_on_two, "session_revoked").await;
    assert!(took < Duration::from_secs(2), "{took:?}");
    let (status, body) = on_two.get("/api/me").await;
    assert_error(status, &body, 401, "unauthorized");
}
