//! Round trips against the JSON shapes written in the contract: every shape must parse from the
//! contract's example and serialize back to exactly the same JSON value.

use chat_protocol::*;
use serde::{Serialize, de::DeserializeOwned};
use serde_json::{Value, json};

/// Every field of `want` is in `got` with the same value (the server may add fields).
fn assert_contains(got: &Value, want: &Value, path: &str) {
    match (got, want) {
        (Value::Object(got), Value::Object(want)) => {
            for (key, value) in want {
                let inner = got
                    .get(key)
                    .unwrap_or_else(|| panic!("{path}.{key} missing in {got:?}"));
                assert_contains(inner, value, &format!("{path}.{key}"));
            }
        }
        (Value::Array(got), Value::Array(want)) => {
            assert_eq!(got.len(), want.len(), "{path} length");
            for (i, (g, w)) in got.iter().zip(want).enumerate() {
                assert_contains(g, w, &format!("{path}[{i}]"));
            }
        }
        _ => assert_eq!(got, want, "{path}"),
    }
}

fn round_trip<T: Serialize + DeserializeOwned + std::fmt::Debug + PartialEq>(wire: Value) -> T {
    let parsed: T = serde_json::from_value(wire.clone())
        .unwrap_or_else(|e| panic!("contract JSON must parse: {e}\n{wire}"));
    let back = serde_json::to_value(&parsed).expect("serializes");
    assert_contains(&back, &wire, "$");
    parsed
}

const UID: &str = "6f2d1f7e-8a44-4c3e-9f0a-2b1c3d4e5f60";
const CID: &str = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
const CLIENT: &str = "11111111-2222-4333-8444-555555555555";

fn user() -> Value {
    json!({"id": UID, "username": "alice"})
}

fn message() -> Value {
    json!({"id": 42, "chat_id": CID, "seq": 7, "sender": user(), "content": "hi",
           "client_id": CLIENT, "created_at": "2026-11-22T10:15:30.123Z",
           "edited_at": null, "deleted": false, "version": 9})
}

fn chat() -> Value {
    json!({"id": CID, "kind": "group", "name": "team", "members": [user()],
           "created_at": "2026-11-22T10:15:30.000Z", "last_message": message(),
           "unread_count": 3, "last_seq": 7, "last_version": 9})
}

#[test]
fn shared_objects() {
    round_trip::<User>(user());
    let m: Message = round_trip(message());
    assert_eq!(time::format(&m.created_at), "2026-11-22T10:15:30.123Z");
    let mut edited = message();
    edited["edited_at"] = json!("2026-11-22T10:16:00.500Z");
    edited["client_id"] = Value::Null;
    round_trip::<Message>(edited);
    let c: Chat = round_trip(chat());
    assert_eq!(c.kind, ChatKind::Group);
    let mut direct = chat();
    direct["kind"] = json!("direct");
    direct["name"] = Value::Null;
    direct["last_message"] = Value::Null;
    round_trip::<Chat>(direct);
}

#[test]
fn chats_carry_read_positions_and_online_members_beyond_the_contract() {
    let plain: Chat = round_trip(chat());
    assert!(plain.read_positions.is_empty() && plain.online_members.is_empty());
    let mut extended = chat();
    extended["read_positions"] = json!([{"user_id": UID, "seq": 7}]);
    extended["online_members"] = json!([UID]);
    extended["public"] = json!(false);
    extended["unread_mentions"] = json!(0);
    extended["admins"] = json!([UID]);
    extended["retention_days"] = json!(30);
    extended["muted"] = json!(true);
    extended["last_message"]["reply_to"] = Value::Null;
    extended["last_message"]["reactions"] = json!([]);
    extended["last_message"]["mentions"] = json!([]);
    extended["last_message"]["attachments"] = json!([]);
    let parsed: Chat = serde_json::from_value(extended.clone()).unwrap();
    assert_eq!(parsed.read_positions[0].seq, 7);
    assert_eq!(parsed.retention_days, Some(30));
    assert!(parsed.muted);
    assert_eq!(serde_json::to_value(&parsed).unwrap(), extended);
}

#[test]
fn times_always_have_milliseconds() {
    let mut m: Message = serde_json::from_value(message()).unwrap();
    m.created_at = chrono::DateTime::parse_from_rfc3339("2026-11-22T10:15:30Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    let v = serde_json::to_value(&m).unwrap();
    assert_eq!(v["created_at"], "2026-11-22T10:15:30.000Z");
}

#[test]
fn rest_bodies() {
    round_trip::<RegisterRequest>(json!({"username": "alice", "password": "secret123"}));
    round_trip::<RefreshRequest>(json!({"refresh_token": "abc"}));
    round_trip::<AuthResponse>(json!({"access_token": "a.b.c", "token_type": "Bearer",
        "expires_in": 900, "refresh_token": "r", "user": user()}));
    round_trip::<Contact>(json!({"user": user(), "online": true}));
    round_trip::<AddContactRequest>(json!({"username": "bob"}));
    round_trip::<CreateChatRequest>(json!({"members": ["bob", "carol"], "name": "team"}));
    round_trip::<CreateChatRequest>(json!({"members": ["bob"]}));
    round_trip::<AddMemberRequest>(json!({"username": "dave"}));
    round_trip::<MessagePage>(json!({"messages": [message()], "has_more": false}));
    round_trip::<ErrorBody>(json!({"error": {"code": "not_found", "message": "no such chat"}}));
}

#[test]
fn unknown_fields_in_requests_are_refused() {
    assert!(
        serde_json::from_value::<RegisterRequest>(
            json!({"username": "a", "password": "b", "admin": true})
        )
        .is_err()
    );
    assert!(
        serde_json::from_value::<ClientCommand>(
            json!({"command": "typing", "chat_id": CID, "sender": UID})
        )
        .is_err()
    );
}

#[test]
fn every_error_code_spells_as_the_contract() {
    for code in [
        "bad_request",
        "validation_failed",
        "unauthorized",
        "forbidden",
        "not_found",
        "conflict",
        "rate_limited",
        "payload_too_large",
        "internal",
    ] {
        let parsed: ErrorCode = serde_json::from_value(json!(code)).unwrap();
        assert_ne!(parsed, ErrorCode::Unknown, "{code}");
        assert_eq!(serde_json::to_value(parsed).unwrap(), json!(code));
    }
}

#[test]
fn client_commands() {
    let all = [
        json!({"command": "fetch_messages", "chat_id": CID, "before_seq": 10, "limit": 20, "request_id": "r1"}),
        json!({"command": "fetch_messages", "chat_id": CID, "after_seq": 3}),
        json!({"command": "fetch_messages", "chat_id": CID}),
        json!({"command": "new_message", "chat_id": CID, "content": "hi", "client_id": CLIENT}),
        json!({"command": "edit_message", "message_id": 42, "content": "fixed"}),
        json!({"command": "delete_message", "message_id": 42}),
        json!({"command": "typing", "chat_id": CID}),
        json!({"command": "mark_read", "chat_id": CID, "seq": 7}),
    ];
    for wire in all {
        let cmd: ClientCommand = round_trip(wire.clone());
        assert_eq!(cmd.name(), wire["command"]);
    }
}

#[test]
fn server_events() {
    let all = [
        json!({"type": "ready", "user": user()}),
        json!({"type": "messages", "chat_id": CID, "messages": [message()], "has_more": true, "request_id": "r1"}),
        json!({"type": "messages", "chat_id": CID, "messages": [], "has_more": false}),
        json!({"type": "new_message", "message": message()}),
        json!({"type": "message_updated", "message": message()}),
        json!({"type": "message_deleted", "chat_id": CID, "message_id": 42, "seq": 7, "version": 10}),
        json!({"type": "typing", "chat_id": CID, "user": user()}),
        json!({"type": "presence", "user_id": UID, "online": true}),
        json!({"type": "read", "chat_id": CID, "user_id": UID, "seq": 7}),
        json!({"type": "chat_updated", "chat": chat()}),
        json!({"type": "resync"}),
        json!({"type": "error", "code": "not_found", "message": "no such chat", "command": "new_message", "client_id": CLIENT}),
        json!({"type": "error", "code": "bad_request", "message": "not JSON"}),
    ];
    for wire in all {
        round_trip::<ServerEvent>(wire);
    }
}

#[test]
fn round_two_conversation_shapes() {
    let mut m = message();
    m["reply_to"] =
        json!({"id": 41, "seq": 6, "sender": user(), "excerpt": "earlier", "deleted": false});
    m["reactions"] = json!([{"emoji": "👍", "user_ids": [UID]}]);
    m["mentions"] = json!([UID]);
    let parsed: Message = round_trip(m);
    assert_eq!(parsed.reply_to.map(|r| r.seq), Some(6));
    let mut c = chat();
    c["public"] = json!(true);
    c["unread_mentions"] = json!(2);
    assert!(round_trip::<Chat>(c).public);
    round_trip::<ClientCommand>(
        json!({"command": "react", "message_id": 42, "emoji": "🎉", "on": true}),
    );
    round_trip::<ClientCommand>(
        json!({"command": "new_message", "chat_id": CID, "content": "re",
        "client_id": CLIENT, "reply_to": 41}),
    );
    round_trip::<ServerEvent>(json!({"type": "reaction", "chat_id": CID, "message_id": 42,
        "emoji": "🎉", "user_id": UID, "on": false, "version": 10}));
    round_trip::<RoomSummary>(json!({"id": CID, "name": "lobby", "member_count": 3,
        "last_activity_at": "2026-11-22T10:15:30.000Z"}));
    round_trip::<Invite>(json!({"token": "abc", "expires_at": null, "max_uses": 5, "uses": 1}));
    round_trip::<SearchResults>(json!({"results": [message()], "next_before": 42}));
    round_trip::<CreateChatRequest>(json!({"members": [], "name": "lobby", "public": true}));
    round_trip::<UpdateChatRequest>(json!({"public": false}));
}

#[test]
fn attachment_shapes() {
    const FILE: &str = "3f1c2a4e-5b6d-4e7f-8a9b-0c1d2e3f4a5b";
    let attachment = json!({"id": FILE, "name": "beach.jpg", "content_type": "image/jpeg",
        "size": 482113, "width": 4032, "height": 3024,
        "url": "/api/files/x/original?exp=1&sig=ab", "thumbnail_url": null});
    let parsed: Attachment = round_trip(attachment.clone());
    assert_eq!((parsed.width, parsed.thumbnail_url), (Some(4032), None));
    let mut m = message();
    m["content"] = json!("");
    m["attachments"] = json!([attachment]);
    let parsed: Message = round_trip(m);
    assert_eq!(parsed.attachments[0].size, 482113);
    // Older messages (and clients) without the field read as having none.
    assert!(round_trip::<Message>(message()).attachments.is_empty());
    let command = round_trip::<ClientCommand>(json!({"command": "new_message", "chat_id": CID,
        "content": "", "client_id": CLIENT, "attachments": [FILE]}));
    assert!(
        matches!(command, ClientCommand::NewMessage { attachments, .. } if attachments.len() == 1)
    );
    // Without attachments the command's JSON is what it was before they existed.
    let plain =
        json!({"command": "new_message", "chat_id": CID, "content": "hi", "client_id": CLIENT});
    let parsed: ClientCommand = serde_json::from_value(plain.clone()).unwrap();
    assert_eq!(serde_json::to_value(&parsed).unwrap(), plain);
}

#[test]
fn system_line_shapes() {
    let mut m = message();
    m["content"] = json!("");
    m["client_id"] = Value::Null;
    m["system"] = json!({"event": "added", "user": {"id": UID, "username": "bob"}, "name": null});
    let parsed: Message = round_trip(m);
    let line = parsed.system.expect("a system line");
    assert_eq!(line.event, SystemEvent::Added);
    assert_eq!(line.user.map(|u| u.username).as_deref(), Some("bob"));
    let mut renamed = message();
    renamed["system"] = json!({"event": "renamed", "user": null, "name": "team 2"});
    assert_eq!(
        round_trip::<Message>(renamed).system.map(|l| l.event),
        Some(SystemEvent::Renamed)
    );
    for event in ["joined", "left", "removed"] {
        let mut m = message();
        m["system"] = json!({"event": event, "user": null, "name": null});
        round_trip::<Message>(m);
    }
    // Ordinary messages read as no system line, and carry no such field.
    let plain: Message = round_trip(message());
    assert!(plain.system.is_none());
    assert!(
        serde_json::to_value(&plain)
            .unwrap()
            .get("system")
            .is_none()
    );
}
