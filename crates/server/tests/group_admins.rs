//! Group admins: a group's creator is its admin; only admins make a group public or private,
//! set its retention period, appoint admins and remove others; anyone may rename and leave; a
//! group never ends up without a working admin; each member mutes a chat for themself. On
//! both databases.

mod common;

use chat_protocol::{Chat, UserId};
use common::events::chat_updated;
use common::{Backend, TEST_PASSWORD, TestServer, assert_error};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

on_both_backends!(
    admins_decide_members_rename,
    admins_never_run_out,
    muting_is_each_members_own,
    concurrent_changes_of_one_group_never_fail
);

async fn patch(api: &common::Api, path: &str, body: Value) -> (StatusCode, Value) {
    api.call(Method::PATCH, path, Some(&body)).await
}

fn admins(chat: &Value) -> Vec<UserId> {
    serde_json::from_value(chat["admins"].clone()).expect("admins")
}

async fn admins_decide_members_rename(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (alice, a) = server.user("alice").await;
    let (bob, b) = server.user("bob").await;
    let (carol, c) = server.user("carol").await;
    let (outsider, _) = server.user("eve").await;
    let group = alice.create_chat(&[&b.user, &c.user], Some("team")).await;
    assert_eq!(group.admins, vec![a.user.id], "the creator");
    assert_eq!(group.retention_days, None);
    let direct = alice.create_chat(&[&b.user], None).await;
    assert!(direct.admins.is_empty(), "a direct chat has none");
    let path = format!("/api/chats/{}", group.id);
    let mut sb = server.socket(&b.access_token).await;

    // A member renames; only an admin makes it public or sets retention.
    let (status, body) = patch(&bob, &path, json!({"name": "the team"})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["name"], "the team");
    for admin_only in [
        json!({"public": true}),
        json!({"retention_days": 30}),
        json!({"retention_days": null}),
        json!({"name": "sneaky", "public": true}),
    ] {
        let (status, body) = patch(&bob, &path, admin_only.clone()).await;
        assert_error(status, &body, 403, "forbidden");
    }
    let unchanged: Chat = bob.get_ok(&path).await;
    assert_eq!(
        (unchanged.name.as_deref(), unchanged.public),
        (Some("the team"), false),
        "a refused change changes nothing"
    );
    let (status, body) = patch(&alice, &path, json!({"retention_days": 30})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["retention_days"], 30);
    let told = sb
        .wait_for(|e| chat_updated(e).filter(|c| c.retention_days == Some(30)))
        .await;
    assert_eq!(told.admins, vec![a.user.id]);
    let (status, body) = patch(&alice, &path, json!({"public": false})).await;
    assert_eq!(
        (status, body["retention_days"].clone()),
        (StatusCode::OK, json!(30)),
        "an absent field stays as it was"
    );
    let (status, body) = patch(&alice, &path, json!({"retention_days": null})).await;
    assert_eq!(
        (status, body["retention_days"].clone()),
        (StatusCode::OK, Value::Null)
    );
    for bad in [
        json!({"retention_days": 0}),
        json!({"retention_days": 3651}),
        json!({"retention_days": -1}),
        json!({"retention_days": "30"}),
        json!({"retention_days": 1.5}),
    ] {
        let (status, body) = patch(&alice, &path, bad.clone()).await;
        assert_error(status, &body, 422, "validation_failed");
    }
    let (status, body) = patch(
        &alice,
        &format!("/api/chats/{}", direct.id),
        json!({"retention_days": 1}),
    )
    .await;
    assert_error(status, &body, 422, "validation_failed");
    let (status, body) = patch(&outsider, &path, json!({"retention_days": 1})).await;
    assert_error(status, &body, 404, "not_found");

    // Removing someone else: admins only.
    let carol_path = format!("{path}/members/{}", c.user.id);
    let (status, body) = bob.delete(&carol_path).await;
    assert_error(status, &body, 403, "forbidden");
    let (status, body) = outsider.delete(&carol_path).await;
    assert_error(status, &body, 404, "not_found");
    let (status, _) = alice.delete(&carol_path).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = carol.get(&path).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "carol is out");
    let (status, body) = alice.delete(&carol_path).await;
    assert_error(status, &body, 404, "not_found");

    // Appointing: admins only; the last admin cannot step down.
    let member = |who: UserId| format!("{path}/members/{who}");
    let (status, body) = patch(&bob, &member(b.user.id), json!({"admin": true})).await;
    assert_error(status, &body, 403, "forbidden");
    let (status, body) = patch(&alice, &member(a.user.id), json!({"admin": false})).await;
    assert_error(status, &body, 422, "validation_failed");
    let (status, body) = patch(&alice, &member(c.user.id), json!({"admin": true})).await;
    assert_error(status, &body, 404, "not_found");
    let (status, body) = patch(&alice, &member(b.user.id), json!({"admin": 1})).await;
    assert_error(status, &body, 422, "validation_failed");
    let (status, body) = patch(&alice, &member(b.user.id), json!({"admin": true})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(admins(&body), vec![a.user.id, b.user.id]);
    let (status, body) = patch(&alice, &member(a.user.id), json!({"admin": false})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(admins(&body), vec![b.user.id], "alice stepped down");
    let (status, body) = patch(&alice, &path, json!({"public": true})).await;
    assert_error(status, &body, 403, "forbidden");
    let (status, body) = patch(&bob, &path, json!({"public": true})).await;
    assert_eq!(
        (status, body["public"].clone()),
        (StatusCode::OK, json!(true))
    );
    let (status, body) = patch(
        &alice,
        &format!("/api/chats/{}/members/{}", direct.id, b.user.id),
        json!({"admin": true}),
    )
    .await;
    assert_error(status, &body, 403, "forbidden");
}

async fn admins_never_run_out(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (alice, a) = server.user("alice").await;
    let (bob, b) = server.user("bob").await;
    let (carol, c) = server.user("carol").await;
    let (dave, d) = server.user("dave").await;
    let group = alice.create_chat(&[&b.user, &c.user], Some("club")).await;
    let path = format!("/api/chats/{}", group.id);

    // The last admin leaves: the longest-standing member takes over.
    let (status, _) = alice.delete(&format!("{path}/members/{}", a.user.id)).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let after: Chat = bob.get_ok(&path).await;
    assert_eq!(after.admins.len(), 1);
    assert!(
        [b.user.id, c.user.id].contains(&after.admins[0]),
        "{:?}",
        after.admins
    );
    let heir = after.admins[0];
    let (heir_api, other_api, other) = if heir == b.user.id {
        (&bob, &carol, c.user.clone())
    } else {
        (&carol, &bob, b.user.clone())
    };
    let (status, _) = heir_api
        .post(
            &format!("{path}/members"),
            json!({"username": d.user.username}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);

    // The only admin deletes their account: the next working member takes over, not the
    // erased account.
    let (status, body) = heir_api
        .call(
            Method::DELETE,
            "/api/me",
            Some(&json!({ "password": TEST_PASSWORD })),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let after: Chat = other_api.get_ok(&path).await;
    assert_eq!(after.admins, vec![other.id], "{:?}", after.admins);
    let (status, body) = patch(&dave, &path, json!({"public": true})).await;
    assert_error(status, &body, 403, "forbidden");
}

async fn muting_is_each_members_own(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (alice, a) = server.user("alice").await;
    let (bob, b) = server.user("bob").await;
    let (outsider, _) = server.user("eve").await;
    let group = alice.create_chat(&[&b.user], Some("team")).await;
    let direct = alice.create_chat(&[&b.user], None).await;
    assert!(!group.muted);
    let mut sa = server.socket(&a.access_token).await;
    let mut sb = server.socket(&b.access_token).await;

    // Bob mutes the group: his view says so, his sockets hear it, Alice's view and sockets do
    // not change.
    let group_path = format!("/api/chats/{}", group.id);
    let (status, body) = patch(&bob, &group_path, json!({"muted": true})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["muted"], json!(true));
    let heard = sb
        .wait_for(|e| chat_updated(e).filter(|c| c.id == group.id))
        .await;
    assert!(heard.muted);
    sa.assert_no_chat_events(std::time::Duration::from_millis(300))
        .await;
    let hers: Chat = alice.get_ok(&group_path).await;
    assert!(!hers.muted);
    let his: Vec<Chat> = bob.get_ok("/api/chats").await;
    let muted: Vec<bool> = [group.id, direct.id]
        .iter()
        .map(|id| his.iter().any(|c| c.id == *id && c.muted))
        .collect();
    assert_eq!(muted, [true, false]);

    // A direct chat mutes too, but has nothing else to change.
    let direct_path = format!("/api/chats/{}", direct.id);
    let (status, body) = patch(&bob, &direct_path, json!({"muted": true})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = patch(&bob, &direct_path, json!({"muted": true, "name": "x"})).await;
    assert_error(status, &body, 422, "validation_failed");
    // Unmuting; wrong types and outsiders are refused.
    let (status, body) = patch(&bob, &group_path, json!({"muted": false})).await;
    assert_eq!(
        (status, body["muted"].clone()),
        (StatusCode::OK, json!(false))
    );
    let (status, body) = patch(&bob, &group_path, json!({"muted": "yes"})).await;
    assert!(status.is_client_error(), "{status} {body}");
    assert!(body["error"]["code"].is_string(), "{body}");
    let (status, body) = patch(&outsider, &group_path, json!({"muted": true})).await;
    assert_error(status, &body, 404, "not_found");
}

/// Settings, admins and membership of one group changed at the same time from several
/// requests: each waits for the other (one lock order), none fails with a server error (a
/// PostgreSQL deadlock was one: schemathesis found it).
async fn concurrent_changes_of_one_group_never_fail(backend: Backend) {
    let server = TestServer::start_with(backend, &[("REST_WRITE_RATE_LIMIT", "0")]).await;
    let (alice, _) = server.user("alice").await;
    let (bob, b) = server.user("bob").await;
    let (_, c) = server.user("carol").await;
    let group = alice.create_chat(&[&b.user, &c.user], Some("team")).await;
    let path = format!("/api/chats/{}", group.id);
    let mut calls = Vec::new();
    for i in 0..40 {
        let (alice, bob, path) = (alice.clone(), bob.clone(), path.clone());
        let (bob_id, carol_name) = (b.user.id, c.user.username.clone());
        calls.push(tokio::spawn(async move {
            let (status, body) = match i % 4 {
                0 => {
                    patch(
                        &bob,
                        &path,
                        json!({"muted": i % 8 == 0, "name": format!("team {i}")}),
                    )
                    .await
                }
                1 => {
                    patch(
                        &alice,
                        &format!("{path}/members/{bob_id}"),
                        json!({"admin": i % 8 == 1}),
                    )
                    .await
                }
                2 => patch(&alice, &path, json!({"muted": true, "retention_days": 30})).await,
                _ => {
                    let (status, body) = alice
                        .post(&format!("{path}/members"), json!({"username": carol_name}))
                        .await;
                    if status == StatusCode::CONFLICT {
                        (StatusCode::OK, body)
                    } else {
                        (status, body)
                    }
                }
            };
            assert!(!status.is_server_error(), "call {i}: {status} {body}");
        }));
    }
    for call in calls {
        call.await.expect("no panic");
    }
}
