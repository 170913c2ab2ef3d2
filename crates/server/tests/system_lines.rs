//! System lines: adding, removing, joining, leaving and renaming a group each write a line into
//! its history (next seq, same transaction), heard live by the members after the change, kept
//! in history and resume, counted as nothing unread, and never editable. On both databases.

mod common;

use std::time::Duration;

use chat_protocol::{
    Chat, ClientCommand, ErrorCode, Message, MessagePage, ServerEvent, SystemEvent, UserId,
};
use common::events::{chat_updated, error, new_message};
use common::{Backend, TestServer, assert_error};
use reqwest::{Method, StatusCode};
use serde_json::json;

on_both_backends!(
    members_and_names_leave_lines_in_history,
    joining_by_room_or_invite_says_joined
);

/// (event, sender, user) of a system line, for comparing.
fn said(m: &Message) -> (SystemEvent, String, Option<String>) {
    let line = m.system.clone().expect("a system line");
    (
        line.event,
        m.sender.username.clone(),
        line.user.map(|u| u.username),
    )
}

/// Picks the `new_message` that is a system line of `event`.
fn line(event: SystemEvent) -> impl FnMut(ServerEvent) -> Option<Message> {
    move |e| new_message(e).filter(|m| m.system.as_ref().map(|l| l.event) == Some(event))
}

async fn history(api: &common::Api, chat: &Chat) -> Vec<Message> {
    let page: MessagePage = api
        .get_ok(&format!("/api/chats/{}/messages?limit=100", chat.id))
        .await;
    page.messages
}

async fn members_and_names_leave_lines_in_history(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (alice, a) = server.user("alice").await;
    let (bob, b) = server.user("bob").await;
    let (carol, c) = server.user("carol").await;
    let group = alice.create_chat(&[&b.user], Some("team")).await;
    let path = format!("/api/chats/{}", group.id);
    let mut sa = server.socket(&a.access_token).await;
    let mut sb = server.socket(&b.access_token).await;
    let mut sc = server.socket(&c.access_token).await;
    sb.send_message(group.id, "before carol").await;
    sa.wait_for(|e| new_message(e).filter(|m| m.content == "before carol"))
        .await;

    // Bob adds Carol: everyone, Carol included, hears the line after the chat itself.
    let (status, body) = bob
        .post(
            &format!("{path}/members"),
            json!({"username": c.user.username}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let added = sa.wait_for(line(SystemEvent::Added)).await;
    assert_eq!(
        said(&added),
        (
            SystemEvent::Added,
            b.user.username.clone(),
            Some(c.user.username.clone())
        )
    );
    assert_eq!(
        (added.seq, added.content.as_str(), added.client_id),
        (2, "", None)
    );
    let known = sc.wait_for(chat_updated).await;
    assert_eq!(known.id, group.id, "carol learns of the chat first");
    assert_eq!(sc.wait_for(line(SystemEvent::Added)).await.id, added.id);
    assert_eq!(sb.wait_for(line(SystemEvent::Added)).await.id, added.id);

    // A line is nothing to read: alice has bob's message unread, carol starts caught up.
    for (api, who, unread) in [(&alice, "alice", 1), (&carol, "carol", 0)] {
        let chat: Chat = api.get_ok(&path).await;
        assert_eq!(chat.unread_count, unread, "{who}");
        assert_eq!(
            chat.last_message.map(|m| m.id),
            Some(added.id),
            "{who}: preview"
        );
    }

    // A rename writes one; renaming to the same name writes none.
    let (status, body) = carol
        .call(Method::PATCH, &path, Some(&json!({"name": "  trip  "})))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let renamed = sb.wait_for(line(SystemEvent::Renamed)).await;
    assert_eq!(
        renamed
            .system
            .as_ref()
            .and_then(|l| l.name.clone())
            .as_deref(),
        Some("trip")
    );
    assert_eq!(renamed.seq, 3);
    let (status, _) = alice
        .call(Method::PATCH, &path, Some(&json!({"name": "trip"})))
        .await;
    assert_eq!(status, StatusCode::OK);

    // A line cannot be edited or deleted, not even by who it names as its sender.
    sc.send(&ClientCommand::EditMessage {
        message_id: renamed.id,
        content: "forged".into(),
    })
    .await;
    assert_eq!(sc.wait_for(error).await.0, ErrorCode::ValidationFailed);
    sc.send(&ClientCommand::DeleteMessage {
        message_id: renamed.id,
    })
    .await;
    assert_eq!(sc.wait_for(error).await.0, ErrorCode::ValidationFailed);

    // Carol leaves (the others hear it; she does not); alice removes bob.
    let (status, _) = carol.delete(&format!("{path}/members/{}", c.user.id)).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let left = sb.wait_for(line(SystemEvent::Left)).await;
    assert_eq!(
        said(&left),
        (SystemEvent::Left, c.user.username.clone(), None)
    );
    let (status, _) = alice.delete(&format!("{path}/members/{}", b.user.id)).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let removed = sa.wait_for(line(SystemEvent::Removed)).await;
    assert_eq!(
        said(&removed),
        (
            SystemEvent::Removed,
            a.user.username.clone(),
            Some(b.user.username.clone())
        )
    );
    // Carol hears that she is out, and nothing of the group after that.
    let carol_id = c.user.id;
    sc.wait_for(|e| chat_updated(e).filter(|chat| !chat.members.iter().any(|m| m.id == carol_id)))
        .await;
    sc.assert_no_chat_events(Duration::from_millis(300)).await;

    // History holds every line in place, gapless, and resuming by version brings them too.
    let all = history(&alice, &group).await;
    let seqs: Vec<i64> = all.iter().map(|m| m.seq).collect();
    assert_eq!(seqs, [1, 2, 3, 4, 5], "no line for the no-op rename");
    let events: Vec<Option<SystemEvent>> = all
        .iter()
        .map(|m| m.system.as_ref().map(|l| l.event))
        .collect();
    assert_eq!(
        events,
        [
            None,
            Some(SystemEvent::Added),
            Some(SystemEvent::Renamed),
            Some(SystemEvent::Left),
            Some(SystemEvent::Removed)
        ]
    );
    let resumed: MessagePage = alice
        .get_ok(&format!(
            "/api/chats/{}/messages?after_version={}",
            group.id, added.version
        ))
        .await;
    let resumed: Vec<i64> = resumed.messages.iter().map(|m| m.seq).collect();
    assert_eq!(resumed, [3, 4, 5]);
    // A line's raw JSON says what it is; a written message has no `system` field at all.
    let (_, raw) = alice
        .get(&format!("/api/chats/{}/messages?limit=100", group.id))
        .await;
    assert!(raw["messages"][0].get("system").is_none(), "{raw}");
    assert_eq!(raw["messages"][1]["system"]["event"], "added");
    // Bob, no longer a member, cannot read any of it.
    let (status, body) = bob.get(&format!("/api/chats/{}/messages", group.id)).await;
    assert_error(status, &body, 404, "not_found");
}

async fn joining_by_room_or_invite_says_joined(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (alice, a) = server.user("alice").await;
    let (bob, b) = server.user("bob").await;
    let (carol, c) = server.user("carol").await;
    let (status, room) = alice
        .post(
            "/api/chats",
            json!({"members": [], "name": "lobby", "public": true}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{room}");
    let room: Chat = serde_json::from_value(room).expect("chat");
    let mut sa = server.socket(&a.access_token).await;

    let (status, _) = bob
        .post(&format!("/api/chats/{}/join", room.id), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let joined = sa.wait_for(line(SystemEvent::Joined)).await;
    assert_eq!(
        said(&joined),
        (SystemEvent::Joined, b.user.username.clone(), None)
    );
    // Joining again is fine and says nothing.
    let (status, _) = bob
        .post(&format!("/api/chats/{}/join", room.id), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);

    let (status, invite) = alice
        .post(&format!("/api/chats/{}/invites", room.id), json!({}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{invite}");
    let token = invite["token"].as_str().expect("token");
    let (status, _) = carol
        .post(&format!("/api/invites/{token}/accept"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let joined = sa.wait_for(line(SystemEvent::Joined)).await;
    assert_eq!(
        said(&joined),
        (SystemEvent::Joined, c.user.username.clone(), None)
    );
    let seqs: Vec<(i64, UserId)> = history(&alice, &room)
        .await
        .iter()
        .map(|m| (m.seq, m.sender.id))
        .collect();
    assert_eq!(
        seqs,
        [(1, b.user.id), (2, c.user.id)],
        "one line per newcomer"
    );
}
