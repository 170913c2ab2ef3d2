//! Public rooms and invite links (contract, round 2) on both databases: the directory, joining,
//! a group made public or private, links with expiry, use limits and revocation, and what
//! outsiders cannot do.

mod common;

use chat_protocol::{Chat, Invite, MessagePage, RoomSummary};
use common::events::{chat_updated, new_message};
use common::{Backend, TestServer, assert_error};
use reqwest::Method;
use serde_json::json;

on_both_backends!(
    public_rooms_are_found_and_joined_with_their_history,
    invite_links_admit_until_expired_used_up_or_revoked,
);

fn rooms_path(search: &str) -> String {
    format!(
        "/api/rooms?{}",
        serde_urlencoded::to_string([("search", search)]).expect("encode")
    )
}

async fn public_rooms_are_found_and_joined_with_their_history(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (alice, a) = server.user("alice").await;
    let (bob, b) = server.user("bob").await;
    let (carol, _c) = server.user("carol").await;
    // A room of one: others join from the directory.
    let (status, body) = alice
        .post(
            "/api/chats",
            json!({"members": [], "name": "Lobby 100%", "public": true}),
        )
        .await;
    assert_eq!(status.as_u16(), 201, "{body}");
    let lobby: Chat = serde_json::from_value(body).expect("Chat");
    assert!(lobby.public);
    let private = alice.create_chat(&[&b.user], Some("Lobby private")).await;
    assert!(!private.public);
    let mut sa = server.socket(&a.access_token).await;
    sa.send_message(lobby.id, "welcome, whoever comes").await;
    sa.wait_for(new_message).await;

    // Found by any part of its name, any case; the private group never.
    let found: Vec<RoomSummary> = carol.get_ok(&rooms_path("LOBBY")).await;
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!((found[0].id, found[0].member_count), (lobby.id, 1));
    assert_eq!(found[0].name, "Lobby 100%");
    let found: Vec<RoomSummary> = carol.get_ok(&rooms_path("0%")).await;
    assert_eq!(found.len(), 1, "% is literal");
    let found: Vec<RoomSummary> = carol.get_ok(&rooms_path("_")).await;
    assert!(found.is_empty(), "_ is literal");
    let all: Vec<RoomSummary> = carol.get_ok(&rooms_path("")).await;
    assert!(all.iter().any(|r| r.id == lobby.id));
    assert!(all.iter().all(|r| r.id != private.id));
    // Members and messages stay hidden until one joins.
    let (status, body) = carol.get(&format!("/api/chats/{}", lobby.id)).await;
    assert_error(status, &body, 404, "not_found");
    let (status, body) = carol
        .get(&format!("/api/chats/{}/messages", lobby.id))
        .await;
    assert_error(status, &body, 404, "not_found");

    // Joining: the whole history is there; members hear of it; twice is fine.
    let (status, body) = carol
        .post(&format!("/api/chats/{}/join", lobby.id), json!({}))
        .await;
    assert_eq!(status.as_u16(), 200, "{body}");
    let joined: Chat = serde_json::from_value(body).expect("Chat");
    assert_eq!(joined.members.len(), 2);
    let updated = sa.wait_for(chat_updated).await;
    assert_eq!(updated.members.len(), 2);
    let history: MessagePage = carol
        .get_ok(&format!("/api/chats/{}/messages", lobby.id))
        .await;
    assert_eq!(history.messages[0].content, "welcome, whoever comes");
    let (status, _) = carol
        .post(&format!("/api/chats/{}/join", lobby.id), json!({}))
        .await;
    assert_eq!(status.as_u16(), 200);

    // A private group, a direct chat, a made-up id: 404 alike.
    let direct = bob.create_chat(&[&a.user], None).await;
    for id in [
        private.id.to_string(),
        direct.id.to_string(),
        uuid::Uuid::new_v4().to_string(),
    ] {
        let (status, body) = carol
            .post(&format!("/api/chats/{id}/join"), json!({}))
            .await;
        assert_error(status, &body, 404, "not_found");
    }

    // Made private by a member: gone from the directory, no more joins.
    let (status, body) = alice
        .call(
            Method::PATCH,
            &format!("/api/chats/{}", lobby.id),
            Some(&json!({"public": false, "name": "Back room"})),
        )
        .await;
    assert_eq!(status.as_u16(), 200, "{body}");
    assert_eq!(body["public"], false);
    assert_eq!(body["name"], "Back room");
    let (status, _) = bob
        .post(&format!("/api/chats/{}/join", lobby.id), json!({}))
        .await;
    assert_eq!(status.as_u16(), 404);
    assert!(
        bob.get_ok::<Vec<RoomSummary>>(&rooms_path("room"))
            .await
            .is_empty()
    );
    // Only members may change a group; a direct chat has no such settings.
    let (status, body) = bob
        .call(
            Method::PATCH,
            &format!("/api/chats/{}", lobby.id),
            Some(&json!({"public": true})),
        )
        .await;
    assert_error(status, &body, 404, "not_found");
    let (status, body) = bob
        .call(
            Method::PATCH,
            &format!("/api/chats/{}", direct.id),
            Some(&json!({"public": true})),
        )
        .await;
    assert_error(status, &body, 422, "validation_failed");

    // Bad searches.
    for bad in ["a\u{7}b".to_owned(), "x".repeat(101)] {
        let (status, body) = carol.get(&rooms_path(&bad)).await;
        assert_error(status, &body, 422, "validation_failed");
    }
}

async fn invite_links_admit_until_expired_used_up_or_revoked(backend: Backend) {
    let server = TestServer::start_with(backend, &[("MAX_GROUP_MEMBERS", "4")]).await;
    let (alice, a) = server.user("alice").await;
    let (bob, b) = server.user("bob").await;
    let (carol, _) = server.user("carol").await;
    let (dave, _) = server.user("dave").await;
    let (erin, _) = server.user("erin").await;
    let group = alice.create_chat(&[&b.user], Some("secret club")).await;
    let invites = format!("/api/chats/{}/invites", group.id);
    let create = |body: serde_json::Value| {
        let alice = alice.clone();
        let invites = invites.clone();
        async move {
            let (status, body) = alice.post(&invites, body).await;
            assert_eq!(status.as_u16(), 201, "{body}");
            serde_json::from_value::<Invite>(body).expect("Invite")
        }
    };
    let accept = |who: &common::Api, token: &str| {
        let who = who.clone();
        let path = format!("/api/invites/{token}/accept");
        async move { who.post(&path, json!({})).await }
    };

    // One use: carol gets in, dave does not; carol again is fine and uses nothing.
    let once = create(json!({"max_uses": 1})).await;
    assert_eq!(
        (once.max_uses, once.uses, once.expires_at),
        (Some(1), 0, None)
    );
    let (status, body) = accept(&carol, &once.token).await;
    assert_eq!(status.as_u16(), 200, "{body}");
    assert_eq!(body["members"].as_array().map(Vec::len), Some(3));
    let (status, body) = accept(&dave, &once.token).await;
    assert_error(status, &body, 404, "not_found");
    let (status, _) = accept(&carol, &once.token).await;
    assert_eq!(status.as_u16(), 404, "used up, even for a member");

    // Listed while live; revoked: gone and refused.
    let open = create(json!({})).await;
    let live: Vec<Invite> = bob.get_ok(&invites).await;
    assert_eq!(
        live.iter().map(|i| &i.token).collect::<Vec<_>>(),
        [&open.token]
    );
    // Only whoever made a link, or an admin, revokes it: Bob (neither) cannot end Alice's.
    let (status, body) = bob.delete(&format!("{invites}/{}", open.token)).await;
    assert_error(status, &body, 403, "forbidden");
    let (status, _) = alice.delete(&format!("{invites}/{}", open.token)).await;
    assert_eq!(status.as_u16(), 204);
    let (status, _) = alice.delete(&format!("{invites}/{}", open.token)).await;
    assert_eq!(status.as_u16(), 404);
    // Bob ends his own link.
    let (status, body) = bob.post(&invites, json!({})).await;
    assert_eq!(status.as_u16(), 201, "{body}");
    let his: Invite = serde_json::from_value(body).expect("Invite");
    let (status, _) = bob.delete(&format!("{invites}/{}", his.token)).await;
    assert_eq!(status.as_u16(), 204);
    let (status, body) = accept(&dave, &open.token).await;
    assert_error(status, &body, 404, "not_found");

    // Expired.
    let brief = create(json!({"expires_in_secs": 1})).await;
    assert!(brief.expires_at.is_some());
    tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
    let (status, _) = accept(&dave, &brief.token).await;
    assert_eq!(status.as_u16(), 404);

    // Forged, and the group's size limit holds for invites too (4: alice, bob, carol, dave).
    let (status, _) = accept(&dave, "not-a-real-token").await;
    assert_eq!(status.as_u16(), 404);
    let many = create(json!({"max_uses": 10})).await;
    assert_eq!(accept(&dave, &many.token).await.0.as_u16(), 200);
    let (status, body) = accept(&erin, &many.token).await;
    assert_error(status, &body, 422, "validation_failed");
    let live: Vec<Invite> = alice.get_ok(&invites).await;
    assert_eq!(live[0].uses, 1, "a refused join uses nothing");

    // Outsiders cannot make, list or revoke links; bad limits are refused.
    for (method, path) in [
        (Method::POST, invites.clone()),
        (Method::GET, invites.clone()),
        (Method::DELETE, format!("{invites}/{}", many.token)),
    ] {
        let (status, body) = erin.call(method, &path, Some(&json!({}))).await;
        assert_error(status, &body, 404, "not_found");
    }
    for bad in [
        json!({"max_uses": 0}),
        json!({"expires_in_secs": -5}),
        json!({"expires_in_secs": 10_000_000_000i64}),
        json!({"max_uses": "ten"}),
    ] {
        let (status, body) = alice.post(&invites, bad.clone()).await;
        assert!(status.is_client_error(), "{bad}: {status}");
        assert!(body["error"]["code"].is_string(), "{bad}: {body}");
    }
    let direct = alice.create_chat(&[&b.user], None).await;
    let (status, body) = alice
        .post(&format!("/api/chats/{}/invites", direct.id), json!({}))
        .await;
    assert_error(status, &body, 422, "validation_failed");
    let _ = (a, bob);
}
