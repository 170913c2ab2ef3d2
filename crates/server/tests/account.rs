//! The caller's own account over REST, on both databases: changing the password (other
//! sessions end, this one goes on), exporting what the account holds, deleting it (messages
//! become tombstones the others see go, the name is freed, nobody finds it).

mod common;

use chat_protocol::{AccountExport, MessagePage, User};
use common::events::{chat_updated, deleted, new_message};
use common::{Backend, TEST_PASSWORD, TestServer, assert_error};
use reqwest::StatusCode;
use serde_json::json;

on_both_backends!(password_export_and_deletion);

async fn password_export_and_deletion(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (alice, a, bob, b, chat, mut sa, mut sb) = server.duo().await;
    alice.add_contact(&b.user).await;
    sa.send_message(chat.id, "hello bob").await;
    sb.wait_for(new_message).await;
    // A second session of alice's (another device).
    let (_, other) = server.client().login(&a.user.username, TEST_PASSWORD).await;
    let other_refresh = other["refresh_token"].as_str().expect("refresh").to_owned();

    // Change the password: the current one must be right, the new one valid.
    let (status, body) = alice
        .post(
            "/api/me/password",
            json!({"current_password": "not it", "new_password": "a better password"}),
        )
        .await;
    assert_error(status, &body, 403, "forbidden");
    let (status, body) = alice
        .post(
            "/api/me/password",
            json!({"current_password": TEST_PASSWORD, "new_password": "short"}),
        )
        .await;
    assert_error(status, &body, 422, "validation_failed");
    let (status, body) = alice
        .post(
            "/api/me/password",
            json!({"current_password": TEST_PASSWORD, "new_password": "a better password"}),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (status, _) = server.client().refresh(&other_refresh).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "the other session ended");
    let (status, _) = alice.get("/api/chats").await;
    assert_eq!(status, StatusCode::OK, "this session goes on");
    let (status, _) = server.client().login(&a.user.username, TEST_PASSWORD).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = server
        .client()
        .login(&a.user.username, "a better password")
        .await;
    assert_eq!(status, StatusCode::OK);

    // Export: profile, contacts, chats and own messages; nobody else's.
    let export: AccountExport = alice.get_ok("/api/me/export").await;
    assert_eq!(export.user.id, a.user.id);
    assert_eq!(export.contacts, vec![b.user.clone()]);
    assert_eq!(export.chats.len(), 1);
    let texts: Vec<&str> = export.messages.iter().map(|m| m.content.as_str()).collect();
    assert_eq!(texts, ["hello bob"]);
    let (status, _) = server.client().get("/api/me/export").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // Delete: the password again; then bob sees the message go, alice is gone everywhere.
    let (status, body) = alice
        .call(
            reqwest::Method::DELETE,
            "/api/me",
            Some(&json!({"password": "a better password!"})),
        )
        .await;
    assert_error(status, &body, 403, "forbidden");
    let (status, body) = alice
        .call(
            reqwest::Method::DELETE,
            "/api/me",
            Some(&json!({"password": "a better password"})),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (_, _, seq) = sb.wait_for(deleted).await;
    assert_eq!(seq, 1);
    // Bob's copy of the chat is rendered again: she is a placeholder name in it now.
    let shown = sb
        .wait_for(|e| chat_updated(e).filter(|c| c.id == chat.id))
        .await;
    let her = shown.members.iter().find(|m| m.id == a.user.id);
    assert!(
        her.is_some_and(|m| m.username.starts_with("deleted-")),
        "{:?}",
        shown.members
    );
    assert_eq!(
        sa.closed().await.map(|c| u16::from(c.code)),
        Some(4001),
        "her socket closes"
    );
    let (status, _) = alice.get("/api/chats").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = server
        .client()
        .login(&a.user.username, "a better password")
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let page: MessagePage = bob
        .get_ok(&format!("/api/chats/{}/messages", chat.id))
        .await;
    assert!(page.messages[0].deleted && page.messages[0].content.is_empty());
    let found: Vec<User> = bob
        .get_ok(&format!("/api/users?search={}", &a.user.username[..4]))
        .await;
    assert!(found.iter().all(|u| u.id != a.user.id));
    let (status, _) = server
        .client()
        .register(&a.user.username, TEST_PASSWORD)
        .await;
    assert_eq!(status, StatusCode::CREATED, "the name is free again");
}
