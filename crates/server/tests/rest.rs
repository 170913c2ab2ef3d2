//! Users, contacts, chats and operations endpoints, with every authorization rule of the
//! contract, on SQLite and PostgreSQL (one scenario per rule: long, but each reads alone).

mod common;

use chat_protocol::{Chat, ChatId, ChatKind, Contact, MessagePage, User, UserId};
use common::events::new_message;
use common::{Backend, TEST_PASSWORD, TestServer, assert_error};
use reqwest::StatusCode;
use serde_json::json;
use uuid::Uuid;

on_both_backends!(
    user_search_by_prefix,
    contacts_add_list_remove,
    direct_chats_are_unique_per_pair,
    group_chats_members_and_leaving,
    outsiders_see_nothing,
    history_paging_over_rest,
    operations_endpoints,
    sigterm_drains_and_exits_cleanly,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serves_the_web_app_next_to_the_api() {
    let dir = std::env::temp_dir().join(format!("chat-web-{}", Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("index.html"), "<!doctype html><title>chat</title>").unwrap();
    std::fs::write(dir.join("app.js"), "console.log(1)").unwrap();
    let static_dir = dir.display().to_string();
    let server =
        TestServer::start_with(Backend::Sqlite, &[("STATIC_DIR", static_dir.as_str())]).await;
    let http = reqwest::Client::new();
    for page in ["/", "/chats/some-chat", "/contacts"] {
        let resp = http
            .get(format!("{}{page}", server.base))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "{page}");
        assert!(
            resp.text().await.unwrap().contains("<title>chat</title>"),
            "{page}"
        );
    }
    let js = http
        .get(format!("{}/app.js", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(js.text().await.unwrap(), "console.log(1)");
    let api = server.client();
    let (status, body) = api.get("/api/nope").await;
    assert_error(status, &body, 404, "not_found");
    let (status, body) = api.get("/missing.js").await;
    assert_error(status, &body, 404, "not_found");
    let (status, body) = api
        .call(reqwest::Method::PUT, "/api/chats", None::<&()>)
        .await;
    assert_error(status, &body, 405, "bad_request");
    let (status, body) = api.post("/api/nope", json!({})).await;
    assert_error(status, &body, 404, "not_found");
    // A route's path with a method it lacks: 405 with `Allow`, for methods the files take too.
    for (method, path, allow) in [
        (reqwest::Method::PUT, "/api/chats", "GET, POST"),
        (reqwest::Method::GET, "/api/auth/login", "POST"),
        (reqwest::Method::HEAD, "/api/auth/login", "POST"),
        (reqwest::Method::POST, "/healthz", "GET"),
        (
            reqwest::Method::GET,
            "/api/chats/x/members/y",
            "DELETE, PATCH",
        ),
    ] {
        let resp = http
            .request(method.clone(), format!("{}{path}", server.base))
            .send()
            .await
            .unwrap();
        assert_eq!(
            resp.status(),
            StatusCode::METHOD_NOT_ALLOWED,
            "{method} {path}"
        );
        assert_eq!(resp.headers()["allow"], allow, "{method} {path}");
    }
    let (status, _) = api.get("/healthz").await;
    assert_eq!(status, StatusCode::OK);

    // `/api/docs`: Swagger UI from the static folder's `api-docs/`, nothing from elsewhere.
    let docs = dir.join("api-docs");
    std::fs::create_dir_all(&docs).unwrap();
    std::fs::write(docs.join("swagger-ui.css"), "body{}").unwrap();
    std::fs::write(docs.join("swagger-ui-bundle.js"), "var SwaggerUIBundle;").unwrap();
    let resp = http
        .get(format!("{}/api/docs", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let page = resp.text().await.unwrap();
    let sources: Vec<&str> = page
        .split(['"', '\''])
        .filter(|s| s.ends_with(".js") || s.ends_with(".css"))
        .collect();
    assert_eq!(
        sources,
        [
            "/api/docs/swagger-ui.css",
            "/api/docs/swagger-ui-bundle.js",
            "/api/docs/init.js"
        ],
        "{page}"
    );
    for file in sources {
        let resp = http
            .get(format!("{}{file}", server.base))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "{file}");
    }
    let init = http
        .get(format!("{}/api/docs/init.js", server.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(init.contains("\"/api/openapi.json\""), "{init}");
    let (status, body) = api.get("/api/docs/index.html").await;
    assert_error(status, &body, 404, "not_found");
    let _ = std::fs::remove_dir_all(dir);
}

/// Without a built web app, `/` says so and how to build it; the API still answers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn says_how_to_build_a_missing_web_app() {
    let server = TestServer::start(Backend::Sqlite).await;
    let resp = reqwest::get(format!("{}/", server.base)).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let page = resp.text().await.unwrap();
    assert!(page.contains("scripts/build-web.sh"), "{page}");
    let (status, body) = server.client().get("/api/nope").await;
    assert_error(status, &body, 404, "not_found");
    let (status, _) = server.client().get("/healthz").await;
    assert_eq!(status, StatusCode::OK);
    // Swagger UI's files are installed with the web app: `/api/docs` says how.
    let resp = reqwest::get(format!("{}/api/docs", server.base))
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let page = resp.text().await.unwrap();
    assert!(
        page.contains("scripts/build-web.sh") && page.contains("/api/openapi.json"),
        "{page}"
    );
}

async fn user_search_by_prefix(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (api, me) = server.user("searcher").await;
    let tag = &Uuid::new_v4().simple().to_string()[..6];
    for name in [
        format!("zq{tag}_one"),
        format!("ZQ{tag}xtwo"),
        format!("zq{tag}.three"),
    ] {
        let (status, _) = server.client().register(&name, TEST_PASSWORD).await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let found: Vec<User> = api.get_ok(&format!("/api/users?search=zq{tag}")).await;
    assert_eq!(found.len(), 3, "case-insensitive prefix: {found:?}");
    // `_` is a literal, not LIKE's wildcard.
    let found: Vec<User> = api.get_ok(&format!("/api/users?search=zq{tag}_")).await;
    assert_eq!(found.len(), 1, "{found:?}");
    let found: Vec<User> = api.get_ok(&format!("/api/users?search=zq{tag}%25")).await;
    assert!(found.is_empty(), "% is no wildcard either");
    let found: Vec<User> = api
        .get_ok(&format!("/api/users?search={}", me.user.username))
        .await;
    assert!(found.is_empty(), "the caller is not listed");

    for i in 0..25 {
        let (status, _) = server
            .client()
            .register(&format!("many{tag}{i}"), TEST_PASSWORD)
            .await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let found: Vec<User> = api.get_ok(&format!("/api/users?search=many{tag}")).await;
    assert_eq!(found.len(), 20, "at most 20");
    let (status, body) = server.client().get("/api/users?search=a").await;
    assert_error(status, &body, 401, "unauthorized");
}

async fn contacts_add_list_remove(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (alice, a) = server.user("alice").await;
    let (_, b) = server.user("bob").await;
    let (status, body) = alice
        .post(
            "/api/contacts",
            json!({"username": b.user.username.to_uppercase()}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let added: Contact = serde_json::from_value(body).unwrap();
    assert_eq!(added.user, b.user);
    assert_eq!(
        added.online, None,
        "bob did not add alice: no presence for her"
    );

    let (status, body) = alice
        .post("/api/contacts", json!({"username": b.user.username}))
        .await;
    assert_error(status, &body, 409, "conflict");
    let (status, body) = alice
        .post("/api/contacts", json!({"username": "no_such_user"}))
        .await;
    assert_error(status, &body, 404, "not_found");
    let (status, body) = alice
        .post("/api/contacts", json!({"username": a.user.username}))
        .await;
    assert_error(status, &body, 422, "validation_failed");

    let listed: Vec<Contact> = alice.get_ok("/api/contacts").await;
    assert_eq!(
        listed,
        vec![Contact {
            user: b.user.clone(),
            online: None
        }]
    );

    let (status, _) = alice.delete(&format!("/api/contacts/{}", b.user.id)).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = alice.delete(&format!("/api/contacts/{}", b.user.id)).await;
    assert_error(status, &body, 404, "not_found");
    let (status, body) = alice.delete("/api/contacts/not-a-uuid").await;
    assert_error(status, &body, 404, "not_found");
    let listed: Vec<Contact> = alice.get_ok("/api/contacts").await;
    assert!(listed.is_empty());
}

async fn direct_chats_are_unique_per_pair(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (alice, a) = server.user("alice").await;
    let (bob, b) = server.user("bob").await;
    let (status, body) = alice
        .post("/api/chats", json!({"members": [b.user.username]}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let chat: Chat = serde_json::from_value(body).unwrap();
    assert_eq!(chat.kind, ChatKind::Direct);
    assert_eq!(chat.name, None);
    assert_eq!(chat.last_seq, 0);
    assert_eq!(chat.unread_count, 0);
    assert!(chat.last_message.is_none());
    let mut members: Vec<UserId> = chat.members.iter().map(|m| m.id).collect();
    members.sort();
    let mut want = vec![a.user.id, b.user.id];
    want.sort();
    assert_eq!(members, want);

    // Again, from either side, in any case: the same chat, 200.
    for (api, other) in [(&alice, &b.user), (&bob, &a.user)] {
        let (status, body) = api
            .post(
                "/api/chats",
                json!({"members": [other.username.to_lowercase()]}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["id"], json!(chat.id));
    }
    let (status, body) = alice
        .post("/api/chats", json!({"members": [a.user.username]}))
        .await;
    assert_error(status, &body, 422, "validation_failed");
    let (status, body) = alice
        .post("/api/chats", json!({"members": ["ghost_user"]}))
        .await;
    assert_error(status, &body, 404, "not_found");
    let (status, body) = alice.post("/api/chats", json!({"members": []})).await;
    assert_error(status, &body, 422, "validation_failed");

    // Members cannot be added to a direct chat.
    let (_, c) = server.user("carol").await;
    let (status, body) = alice
        .post(
            &format!("/api/chats/{}/members", chat.id),
            json!({"username": c.user.username}),
        )
        .await;
    assert_error(status, &body, 422, "validation_failed");
    let listed: Vec<Chat> = bob.get_ok("/api/chats").await;
    assert_eq!(listed.len(), 1);
}

async fn group_chats_members_and_leaving(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (alice, a) = server.user("alice").await;
    let (bob, b) = server.user("bob").await;
    let (carol, c) = server.user("carol").await;
    let (_, d) = server.user("dave").await;

    let (status, body) = alice
        .post(
            "/api/chats",
            json!({"members": [b.user.username, c.user.username]}),
        )
        .await;
    assert_error(status, &body, 422, "validation_failed");
    let long = "n".repeat(101);
    for bad in ["", "   ", long.as_str()] {
        let (status, body) = alice
            .post(
                "/api/chats",
                json!({"members": [b.user.username], "name": bad}),
            )
            .await;
        assert_error(status, &body, 422, "validation_failed");
    }
    // One other member and a name is a group.
    let group = alice.create_chat(&[&b.user, &b.user], Some("Team")).await;
    assert_eq!(group.kind, ChatKind::Group);
    assert_eq!(group.name.as_deref(), Some("Team"));
    assert_eq!(
        group.members.len(),
        2,
        "duplicates collapse: {:?}",
        group.members
    );

    let path = format!("/api/chats/{}/members", group.id);
    let (status, body) = bob.post(&path, json!({"username": c.user.username})).await;
    assert_eq!(status, StatusCode::CREATED, "any member may add: {body}");
    let updated: Chat = serde_json::from_value(body).unwrap();
    assert_eq!(updated.members.len(), 3);
    let (status, body) = bob.post(&path, json!({"username": c.user.username})).await;
    assert_error(status, &body, 409, "conflict");
    let (status, body) = bob.post(&path, json!({"username": "ghost_user"})).await;
    assert_error(status, &body, 404, "not_found");
    let seen: Chat = carol.get_ok(&format!("/api/chats/{}", group.id)).await;
    assert_eq!(seen.id, group.id);

    // Removing someone else is forbidden; a non-member target is not found.
    let (status, body) = bob.delete(&format!("{path}/{}", a.user.id)).await;
    assert_error(status, &body, 403, "forbidden");
    let (status, body) = bob.delete(&format!("{path}/{}", d.user.id)).await;
    assert_error(status, &body, 404, "not_found");

    let (status, _) = carol.delete(&format!("{path}/{}", c.user.id)).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = carol.get(&format!("/api/chats/{}", group.id)).await;
    assert_error(status, &body, 404, "not_found");
    let (status, body) = carol.delete(&format!("{path}/{}", c.user.id)).await;
    assert_error(status, &body, 404, "not_found");
    let listed: Vec<Chat> = carol.get_ok("/api/chats").await;
    assert!(listed.is_empty());
    let seen: Chat = alice.get_ok(&format!("/api/chats/{}", group.id)).await;
    assert_eq!(seen.members.len(), 2);

    // Direct chats cannot be left.
    let direct = alice.create_chat(&[&b.user], None).await;
    let (status, body) = alice
        .delete(&format!("/api/chats/{}/members/{}", direct.id, a.user.id))
        .await;
    assert_error(status, &body, 403, "forbidden");
}

async fn outsiders_see_nothing(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (alice, _) = server.user("alice").await;
    let (_, b) = server.user("bob").await;
    let (eve, e) = server.user("eve").await;
    let chat = alice.create_chat(&[&b.user], Some("private")).await;
    let missing = ChatId::from(Uuid::new_v4());
    for id in [chat.id, missing] {
        for path in [
            format!("/api/chats/{id}"),
            format!("/api/chats/{id}/messages"),
            format!("/api/chats/{id}/messages?after_seq=0"),
        ] {
            let (status, body) = eve.get(&path).await;
            assert_error(status, &body, 404, "not_found");
        }
        let (status, body) = eve
            .post(
                &format!("/api/chats/{id}/members"),
                json!({"username": e.user.username}),
            )
            .await;
        assert_error(status, &body, 404, "not_found");
        let (status, body) = eve
            .delete(&format!("/api/chats/{id}/members/{}", e.user.id))
            .await;
        assert_error(status, &body, 404, "not_found");
    }
    let listed: Vec<Chat> = eve.get_ok("/api/chats").await;
    assert!(listed.is_empty());
    let (status, body) = server
        .client()
        .get(&format!("/api/chats/{}", chat.id))
        .await;
    assert_error(status, &body, 401, "unauthorized");
}

async fn history_paging_over_rest(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (alice, a) = server.user("alice").await;
    let (bob, b) = server.user("bob").await;
    let chat = alice.create_chat(&[&b.user], None).await;
    let mut socket = server.socket(alice.token.as_deref().unwrap()).await;
    for i in 1..=40 {
        socket.send_message(chat.id, &format!("m{i}")).await;
    }
    socket
        .wait_for(|e| new_message(e).filter(|m| m.seq == 40))
        .await;
    let base = format!("/api/chats/{}/messages", chat.id);
    let latest: MessagePage = bob.get_ok(&base).await;
    let seqs: Vec<i64> = latest.messages.iter().map(|m| m.seq).collect();
    assert_eq!(
        seqs,
        (26..=40).collect::<Vec<_>>(),
        "default: last 15, oldest first"
    );
    assert!(latest.has_more);
    assert_eq!(latest.messages[0].content, "m26");
    assert_eq!(latest.messages[0].sender, a.user);

    let older: MessagePage = bob.get_ok(&format!("{base}?before_seq=26&limit=20")).await;
    assert_eq!(older.messages.first().map(|m| m.seq), Some(6));
    assert_eq!(older.messages.last().map(|m| m.seq), Some(25));
    assert!(older.has_more);
    let oldest: MessagePage = bob.get_ok(&format!("{base}?before_seq=6")).await;
    assert_eq!(oldest.messages.len(), 5);
    assert!(!oldest.has_more);

    let after: MessagePage = bob.get_ok(&format!("{base}?after_seq=30&limit=5")).await;
    let seqs: Vec<i64> = after.messages.iter().map(|m| m.seq).collect();
    assert_eq!(seqs, vec![31, 32, 33, 34, 35]);
    assert!(after.has_more);
    let tail: MessagePage = bob.get_ok(&format!("{base}?after_seq=35&limit=100")).await;
    assert_eq!(tail.messages.len(), 5);
    assert!(!tail.has_more);
    let none: MessagePage = bob.get_ok(&format!("{base}?after_seq=40")).await;
    assert!(none.messages.is_empty() && !none.has_more);

    for bad in [
        "limit=0",
        "limit=101",
        "limit=abc",
        "before_seq=-1",
        "after_seq=x",
        "limit=5&bogus=1",
    ] {
        let (status, body) = bob.get(&format!("{base}?{bad}")).await;
        assert_error(status, &body, 422, "validation_failed");
    }
    let listed: Vec<Chat> = bob.get_ok("/api/chats").await;
    assert_eq!(listed[0].unread_count, 40);
    assert_eq!(listed[0].last_seq, 40);
    assert_eq!(
        listed[0].last_message.as_ref().map(|m| m.content.as_str()),
        Some("m40")
    );
    let mine: Vec<Chat> = alice.get_ok("/api/chats").await;
    assert_eq!(mine[0].unread_count, 0, "own messages are not unread");
}

async fn operations_endpoints(backend: Backend) {
    let server = TestServer::start(backend).await;
    let api = server.client();
    let (status, _) = api.get("/healthz").await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = api.get("/readyz").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // A chat's route is counted under its pattern, never its id; a message passes the writer.
    let (alice, _) = server.user("metrics").await;
    let (_, b) = server.user("counted").await;
    let chat = alice.create_chat(&[&b.user], Some("numbers")).await;
    let (status, _) = alice.get(&format!("/api/chats/{}", chat.id)).await;
    assert_eq!(status, StatusCode::OK);
    let mut socket = server
        .socket(alice.token.as_deref().unwrap_or_default())
        .await;
    socket.send_message(chat.id, "counted").await;
    socket.wait_for(new_message).await;
    let scrape = reqwest::get(format!("{}/metrics", server.base))
        .await
        .unwrap();
    assert!(
        scrape.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/openmetrics-text"),
    );
    let text = scrape.text().await.unwrap();
    assert!(text.contains("# TYPE chat_websockets_open gauge"), "{text}");
    assert!(text.trim_end().ends_with("# EOF"), "{text}");
    for wanted in [
        r#"chat_http_requests_total{route="/api/chats/{id}",method="GET",status="200"} 1"#,
        r#"chat_http_request_duration_seconds_bucket{le="+Inf",route="/api/chats/{id}",method="GET",status="200"} 1"#,
        "chat_messages_stored_total 1",
        "chat_write_batch_messages_count 1",
        "# TYPE chat_write_batch_duration_seconds histogram",
        "# TYPE chat_db_pool_wait_seconds histogram",
        "# TYPE chat_fanout_latency_seconds histogram",
        "# TYPE chat_events_delivered counter",
        "# TYPE chat_redis_publish_failures counter",
    ] {
        assert!(text.contains(wanted), "missing {wanted}:\n{text}");
    }
    assert!(!text.contains(&chat.id.to_string()), "no ids in labels");
    // Every series the shipped Grafana dashboard queries exists.
    let dashboard = include_str!("../../../docker/grafana-dashboard.json");
    for (at, _) in dashboard.match_indices("chat_") {
        let name: String = dashboard[at..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        assert!(
            text.lines().any(|l| l.starts_with(&name)),
            "the dashboard queries {name}, which /metrics does not have"
        );
    }
    let bytes: u64 = text
        .lines()
        .find_map(|l| l.strip_prefix("chat_database_bytes "))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no database size: {text}"));
    assert!(bytes > 0);
    let (status, body) = api.get("/api/no-such-endpoint").await;
    assert_error(status, &body, 404, "not_found");
}

async fn sigterm_drains_and_exits_cleanly(backend: Backend) {
    let mut server = TestServer::start(backend).await;
    let (api, _) = server.user("tess").await;
    let mut socket = server.socket(api.token.as_deref().unwrap()).await;
    let status = server.terminate();
    assert!(status.success(), "exit status {status:?}");
    let frame = socket.closed().await.expect("a close frame");
    assert_eq!(u16::from(frame.code), 1001);
}

#[test]
fn test_database_urls_keep_user_host_port_and_options() {
    use common::with_database;
    assert_eq!(
        with_database(
            "postgres://chat_test:pw@127.0.0.1:5433/postgres",
            "chat_test_1"
        ),
        "postgres://chat_test:pw@127.0.0.1:5433/chat_test_1"
    );
    assert_eq!(
        with_database("postgresql://u@db/admin?sslmode=require", "t"),
        "postgresql://u@db/t?sslmode=require"
    );
    assert_eq!(
        with_database("postgres://u@db:5432", "t"),
        "postgres://u@db:5432/t"
    );
    assert_eq!(
        with_database("postgres://u@db?host=/run", "t"),
        "postgres://u@db/t?host=/run"
    );
}
