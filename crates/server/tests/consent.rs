//! Consent (contract, round 2): presence only towards the people its subject added as
//! contacts; blocking and every path it closes; search needs a prefix and hides people who
//! blocked the caller. Both databases, and two instances for presence across Redis.

mod common;

use std::time::Duration;

use chat_protocol::{Chat, ClientCommand, Contact, ErrorCode, User};
use common::cluster::{Cluster, cluster};
use common::events::{error, new_message, presence};
use common::{Backend, TestServer, assert_error};
use reqwest::StatusCode;
use serde_json::json;

on_both_backends!(
    presence_is_shown_only_with_consent,
    blocking_closes_every_path_between_two_people,
    search_needs_a_prefix_and_hides_who_blocked_you,
);

async fn presence_is_shown_only_with_consent(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (alice, a) = server.user("alice").await;
    let (bob, b) = server.user("bob").await;
    let (_, c) = server.user("carl").await;
    // Alice adds bob and shares a group with carl; neither shares presence with her yet.
    let (_, added) = alice.add_contact(&b.user).await;
    assert_eq!(added["online"], json!(null));
    alice.create_chat(&[&b.user, &c.user], Some("team")).await;
    let mut sa = server.socket(&a.access_token).await;
    let bob_socket = server.socket(&b.access_token).await;
    let carl_socket = server.socket(&c.access_token).await;
    sa.assert_no_chat_events(Duration::from_millis(400)).await;
    let contacts: Vec<Contact> = alice.get_ok("/api/contacts").await;
    assert_eq!(contacts[0].online, None, "bob did not add alice");
    let chats: Vec<Chat> = alice.get_ok("/api/chats").await;
    assert_eq!(
        chats[0].online_members,
        [a.user.id],
        "co-members' presence needs their consent too"
    );

    // Bob consents: alice sees him from now on, at once (and he sees her: she added him first).
    let (status, _) = bob.add_contact(&a.user).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(sa.wait_for(presence).await, (b.user.id, true));
    let contacts: Vec<Contact> = alice.get_ok("/api/contacts").await;
    assert_eq!(contacts[0].online, Some(true));
    let chats: Vec<Chat> = alice.get_ok("/api/chats").await;
    let mut online = chats[0].online_members.clone();
    online.sort();
    let mut want = vec![a.user.id, b.user.id];
    want.sort();
    assert_eq!(online, want);
    let bobs_view: Vec<Contact> = bob.get_ok("/api/contacts").await;
    assert_eq!(
        bobs_view[0].online,
        Some(true),
        "alice added bob: he sees her"
    );
    bob_socket.close().await;
    assert_eq!(sa.wait_for(presence).await, (b.user.id, false));
    carl_socket.close().await;
    sa.assert_quiet(Duration::from_millis(400)).await;

    // Bob stops sharing while online: alice is told at once, and sees nothing after.
    let _bob_again = server.socket(&b.access_token).await;
    assert_eq!(sa.wait_for(presence).await, (b.user.id, true));
    let (status, _) = bob.delete(&format!("/api/contacts/{}", a.user.id)).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(sa.wait_for(presence).await, (b.user.id, false));
    let contacts: Vec<Contact> = alice.get_ok("/api/contacts").await;
    assert_eq!(contacts[0].online, None);
}

async fn blocking_closes_every_path_between_two_people(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (alice, a) = server.user("alice").await;
    let (bob, b) = server.user("bob").await;
    let (_, c) = server.user("carl").await;
    alice.add_contact(&b.user).await;
    bob.add_contact(&a.user).await;
    let direct = alice.create_chat(&[&b.user], None).await;
    let group = bob.create_chat(&[&c.user], Some("bob's")).await;
    let mut sa = server.socket(&a.access_token).await;
    let mut sb = server.socket(&b.access_token).await;

    let (status, body) = alice
        .post("/api/blocks", json!({"username": b.user.username}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["id"], json!(b.user.id));
    let blocked: Vec<User> = alice.get_ok("/api/blocks").await;
    assert_eq!(blocked, std::slice::from_ref(&b.user));
    let (status, _) = alice
        .post("/api/blocks", json!({"username": b.user.username}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "blocking again is fine");

    // Contacts are gone both ways, and neither can reach the other again.
    for api in [&alice, &bob] {
        let contacts: Vec<Contact> = api.get_ok("/api/contacts").await;
        assert!(contacts.is_empty(), "{contacts:?}");
    }
    for (api, other) in [(&bob, &a.user), (&alice, &b.user)] {
        let (status, body) = api.add_contact(other).await;
        assert_error(status, &body, 404, "not_found");
    }
    let (status, body) = bob
        .post("/api/chats", json!({"members": [a.user.username]}))
        .await;
    assert_error(status, &body, 404, "not_found");
    let (status, body) = bob
        .post(
            "/api/chats",
            json!({"members": [a.user.username, c.user.username], "name": "trap"}),
        )
        .await;
    assert_error(status, &body, 404, "not_found");
    let (status, body) = bob
        .post(
            &format!("/api/chats/{}/members", group.id),
            json!({"username": a.user.username}),
        )
        .await;
    assert_error(status, &body, 404, "not_found");

    // Their direct chat takes nothing from either side, typing included.
    for socket in [&mut sa, &mut sb] {
        socket.send_message(direct.id, "hello?").await;
        assert_eq!(
            socket.wait_for(error).await,
            (ErrorCode::Forbidden, Some("new_message".into()))
        );
        socket
            .send(&ClientCommand::Typing { chat_id: direct.id })
            .await;
        assert_eq!(
            socket.wait_for(error).await,
            (ErrorCode::Forbidden, Some("typing".into()))
        );
    }
    sa.assert_no_chat_events(Duration::from_millis(300)).await;

    // Bob's block-free life goes on elsewhere.
    sb.send_message(group.id, "still here").await;
    assert_eq!(sb.wait_for(new_message).await.content, "still here");

    // Unblocking reopens the chat.
    let (status, _) = alice.delete(&format!("/api/blocks/{}", b.user.id)).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = alice.delete(&format!("/api/blocks/{}", b.user.id)).await;
    assert_error(status, &body, 404, "not_found");
    sb.send_message(direct.id, "friends again").await;
    assert_eq!(sa.wait_for(new_message).await.content, "friends again");
    let (status, _) = bob.add_contact(&a.user).await;
    assert_eq!(status, StatusCode::CREATED);

    // A block from both sides: one unblock is not enough.
    alice
        .post("/api/blocks", json!({"username": b.user.username}))
        .await;
    bob.post("/api/blocks", json!({"username": a.user.username}))
        .await;
    alice.delete(&format!("/api/blocks/{}", b.user.id)).await;
    sa.send_message(direct.id, "anyone?").await;
    assert_eq!(
        sa.wait_for(error).await,
        (ErrorCode::Forbidden, Some("new_message".into()))
    );
    let (status, body) = alice
        .post("/api/blocks", json!({"username": a.user.username}))
        .await;
    assert_error(status, &body, 422, "validation_failed");
}

async fn search_needs_a_prefix_and_hides_who_blocked_you(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (alice, a) = server.user("alice").await;
    let (bob, b) = server.user("bob").await;
    for query in ["", "%20%20"] {
        let (status, body) = alice.get(&format!("/api/users?search={query}")).await;
        assert_error(status, &body, 422, "validation_failed");
    }
    let (status, body) = alice.get("/api/users").await;
    assert_error(status, &body, 422, "validation_failed");
    let found: Vec<User> = alice
        .get_ok(&format!("/api/users?search={}", b.user.username))
        .await;
    assert_eq!(found, std::slice::from_ref(&b.user));
    bob.post("/api/blocks", json!({"username": a.user.username}))
        .await;
    let found: Vec<User> = alice
        .get_ok(&format!("/api/users?search={}", b.user.username))
        .await;
    assert!(found.is_empty(), "bob blocked alice: she cannot find him");
    let found: Vec<User> = bob
        .get_ok(&format!("/api/users?search={}", a.user.username))
        .await;
    assert_eq!(
        found,
        std::slice::from_ref(&a.user),
        "the blocker can still find whom he blocked"
    );
}

/// Two instances on one database and Redis: presence crosses instances only with consent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consent_holds_across_instances() {
    let Cluster {
        one,
        two,
        redis: _redis,
    } = cluster(&[]).await;
    let (alice, a) = one.user("alice").await;
    let (carl, c) = two.user("carl").await;
    alice.add_contact(&c.user).await;
    let mut sa = one.socket(&a.access_token).await;
    let carl_socket = two.socket(&c.access_token).await;
    sa.assert_quiet(Duration::from_millis(500)).await;
    carl_socket.close().await;
    sa.assert_quiet(Duration::from_millis(500)).await;

    carl.add_contact(&a.user).await;
    assert_eq!(
        sa.wait_for(presence).await,
        (c.user.id, false),
        "sharing starts at once: carl is offline"
    );
    let _carl_again = two.socket(&c.access_token).await;
    assert_eq!(sa.wait_for(presence).await, (c.user.id, true));
}
