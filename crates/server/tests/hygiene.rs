//! Input hygiene and response headers (contract, round 2): control characters are refused in
//! every text field before anything is stored, on SQLite and PostgreSQL; every response carries
//! the security headers; sign-in responses are not cached; the web app's HTML has a CSP without
//! `'unsafe-inline'` scripts; the web app's files go precompressed when the client accepts it,
//! hashed ones cached for a year and the HTML revalidated; a browser's socket token can travel
//! as a subprotocol instead of in the URL.

mod common;

use chat_protocol::{ClientCommand, ErrorCode, MessagePage};
use common::events::{error, new_message};
use common::{Backend, TEST_PASSWORD, TestServer, assert_error};
use serde_json::json;
use uuid::Uuid;

on_both_backends!(
    control_characters_are_refused_in_messages,
    control_characters_are_refused_in_names_and_search,
);

const CONTROLS: [&str; 5] = [
    "nul\u{0}",
    "bell\u{7}",
    "esc\u{1b}[31m",
    "del\u{7f}",
    "c1\u{85}",
];

async fn control_characters_are_refused_in_messages(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (alice, _, _, _, chat, mut sa, mut sb) = server.duo().await;

    for bad in CONTROLS {
        sa.send_message(chat.id, bad).await;
        // A good message from another socket right behind it lands in the same writer batch
        // if the bad one ever got that far: it must be stored either way.
        sb.send_message(chat.id, "fine").await;
        assert_eq!(
            sa.wait_for(error).await,
            (ErrorCode::ValidationFailed, Some("new_message".into())),
            "{bad:?}"
        );
    }
    sa.send_message(chat.id, "two\nlines\tand a tab").await;
    let kept = sa
        .wait_for(|e| new_message(e).filter(|m| m.content.contains('\t')))
        .await;
    sa.send(&ClientCommand::EditMessage {
        message_id: kept.id,
        content: "edited\u{0}".into(),
    })
    .await;
    assert_eq!(
        sa.wait_for(error).await,
        (ErrorCode::ValidationFailed, Some("edit_message".into()))
    );

    for _ in CONTROLS {
        sb.wait_for(|e| new_message(e).filter(|m| m.content == "fine"))
            .await;
    }
    let page: MessagePage = alice
        .get_ok(&format!("/api/chats/{}/messages?limit=100", chat.id))
        .await;
    let mut contents: Vec<&str> = page.messages.iter().map(|m| m.content.as_str()).collect();
    contents.sort_unstable();
    let mut want = vec!["fine"; CONTROLS.len()];
    want.push("two\nlines\tand a tab");
    want.sort_unstable();
    assert_eq!(
        contents, want,
        "only the clean messages were stored, none edited"
    );
}

async fn control_characters_are_refused_in_names_and_search(backend: Backend) {
    let server = TestServer::start(backend).await;
    let anon = server.client();
    let (alice, _) = server.user("alice").await;
    let (_, b) = server.user("bob").await;
    let group = alice.create_chat(&[&b.user], Some("team")).await;
    for bad in CONTROLS {
        let (status, body) = anon.register(&format!("x{bad}"), TEST_PASSWORD).await;
        assert_error(status, &body, 422, "validation_failed");
        let (status, body) = anon.login(bad, TEST_PASSWORD).await;
        assert_error(status, &body, 422, "validation_failed");
        let (status, body) = alice.post("/api/contacts", json!({"username": bad})).await;
        assert_error(status, &body, 422, "validation_failed");
        let (status, body) = alice
            .post("/api/chats", json!({"members": [bad], "name": null}))
            .await;
        assert_error(status, &body, 422, "validation_failed");
        let (status, body) = alice
            .post(
                "/api/chats",
                json!({"members": [b.user.username], "name": format!("team {bad}")}),
            )
            .await;
        assert_error(status, &body, 422, "validation_failed");
        let (status, body) = alice
            .post(
                &format!("/api/chats/{}/members", group.id),
                json!({"username": bad}),
            )
            .await;
        assert_error(status, &body, 422, "validation_failed");
        let query = bad.replace('\u{0}', "%00").replace('\u{7}', "%07");
        let query = query.replace('\u{1b}', "%1B").replace('\u{7f}', "%7F");
        let query = query.replace('\u{85}', "%C2%85");
        let (status, body) = alice.get(&format!("/api/users?search={query}")).await;
        assert_error(status, &body, 422, "validation_failed");
    }
    let chats: Vec<chat_protocol::Chat> = alice.get_ok("/api/chats").await;
    assert_eq!(chats.len(), 1, "no chat was created by a refused request");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_response_carries_the_security_headers() {
    let dir = std::env::temp_dir().join(format!("chat-headers-{}", Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let loader = "import init from '/app.js';\ninit();";
    std::fs::write(
        dir.join("index.html"),
        format!(
            "<!doctype html><title>chat</title><script type=\"module\">{loader}</script>\
             <script src=\"/app.js\"></script>"
        ),
    )
    .unwrap();
    std::fs::write(dir.join("app.js"), "console.log(1)").unwrap();
    let static_dir = dir.display().to_string();
    let server =
        TestServer::start_with(Backend::Sqlite, &[("STATIC_DIR", static_dir.as_str())]).await;
    let http = reqwest::Client::new();
    let get = |path: &str| http.get(format!("{}{path}", server.base)).send();

    for path in [
        "/healthz",
        "/api/chats",
        "/api/nowhere",
        "/app.js",
        "/",
        "/chats/x",
    ] {
        let resp = get(path).await.unwrap();
        let headers = resp.headers();
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(headers["referrer-policy"], "no-referrer", "{path}");
        let html = headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html");
        assert_eq!(
            headers.contains_key("content-security-policy"),
            html,
            "{path}: a CSP on the HTML only"
        );
        if html {
            let csp = headers["content-security-policy"].to_str().unwrap();
            assert!(csp.contains("default-src 'self'"), "{csp}");
            assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
            use base64::Engine;
            use sha2::Digest;
            let hash =
                base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(loader));
            assert!(
                csp.contains(&format!("'sha256-{hash}'")),
                "the loader is allowed by hash: {csp}"
            );
            let scripts = csp
                .split(';')
                .find(|d| d.trim().starts_with("script-src"))
                .unwrap();
            assert!(!scripts.contains("unsafe-inline"), "{csp}");
        }
    }
    let resp = http
        .post(format!("{}/api/auth/login", server.base))
        .json(&json!({"username": "nobody", "password": TEST_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    assert_eq!(resp.headers()["cache-control"], "no-store");
    assert_eq!(resp.headers()["x-content-type-options"], "nosniff");
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn web_app_files_are_sent_precompressed_and_cached_by_hash() {
    let dir = std::env::temp_dir().join(format!("chat-assets-{}", Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let wasm = "app-0123456789abcdef_bg.wasm";
    std::fs::write(dir.join("index.html"), "<!doctype html><title>chat</title>").unwrap();
    std::fs::write(dir.join(wasm), b"\0asm plain bytes").unwrap();
    std::fs::write(dir.join(format!("{wasm}.br")), b"brotli bytes").unwrap();
    std::fs::write(dir.join(format!("{wasm}.gz")), b"gzip bytes").unwrap();
    std::fs::write(dir.join("notes.txt"), "not hashed").unwrap();
    let static_dir = dir.display().to_string();
    let server =
        TestServer::start_with(Backend::Sqlite, &[("STATIC_DIR", static_dir.as_str())]).await;
    // No automatic decompression in this client: the bytes are what the server sent.
    let http = reqwest::Client::new();
    let get = |path: &str, accept: &str| {
        http.get(format!("{}{path}", server.base))
            .header("accept-encoding", accept)
            .send()
    };

    for (accept, encoding, body) in [
        ("gzip, deflate, br, zstd", Some("br"), "brotli bytes"),
        ("gzip", Some("gzip"), "gzip bytes"),
        ("br;q=0, gzip;q=1", Some("gzip"), "gzip bytes"),
        ("identity", None, "\0asm plain bytes"),
    ] {
        let resp = get(&format!("/{wasm}"), accept).await.unwrap();
        let headers = resp.headers().clone();
        assert_eq!(resp.status(), 200, "{accept}");
        assert_eq!(
            headers.get("content-encoding").map(|v| v.to_str().unwrap()),
            encoding,
            "{accept}"
        );
        assert_eq!(headers["content-type"], "application/wasm", "{accept}");
        assert_eq!(
            headers["cache-control"], "public, max-age=31536000, immutable",
            "{accept}"
        );
        assert_eq!(headers["vary"], "accept-encoding", "{accept}");
        assert_eq!(headers["x-content-type-options"], "nosniff", "{accept}");
        assert_eq!(resp.text().await.unwrap(), body, "{accept}");
    }
    for path in ["/", "/chats/x"] {
        let resp = get(path, "br").await.unwrap();
        assert_eq!(resp.headers()["cache-control"], "no-cache", "{path}");
    }
    let resp = get("/notes.txt", "br").await.unwrap();
    assert_eq!(resp.headers()["cache-control"], "no-cache", "not hashed");
    // The siblings are not a way around the folder, and a missing file is not cached.
    let resp = get("/missing-0123456789abcdef.js", "br").await.unwrap();
    assert_eq!(resp.status(), 404);
    assert!(!resp.headers().contains_key("cache-control"));
    let resp = get("/api/chats", "br").await.unwrap();
    assert_ne!(
        resp.headers()
            .get("cache-control")
            .map(|v| v.to_str().unwrap()),
        Some("public, max-age=31536000, immutable")
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_browser_can_send_its_token_as_a_subprotocol() {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let server = TestServer::start(Backend::Sqlite).await;
    let (_, auth) = server.user("proto").await;
    let mut request = server.ws_url().into_client_request().unwrap();
    request.headers_mut().insert(
        "sec-websocket-protocol",
        format!("chat, token.{}", auth.access_token)
            .parse()
            .unwrap(),
    );
    let (mut socket, response) = tokio_tungstenite::connect_async(request)
        .await
        .expect("the upgrade is accepted");
    // The server picks `chat` and never echoes the token.
    assert_eq!(response.headers()["sec-websocket-protocol"], "chat");
    use futures_util::StreamExt;
    let first = tokio::time::timeout(std::time::Duration::from_secs(10), socket.next())
        .await
        .expect("an event")
        .expect("a frame")
        .expect("no error");
    let ready: chat_protocol::ServerEvent = serde_json::from_str(first.to_text().unwrap()).unwrap();
    assert!(matches!(ready, chat_protocol::ServerEvent::Ready { .. }));

    let mut forged = server.ws_url().into_client_request().unwrap();
    forged.headers_mut().insert(
        "sec-websocket-protocol",
        "chat, token.forged".parse().unwrap(),
    );
    match tokio_tungstenite::connect_async(forged).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => {
            assert_eq!(resp.status().as_u16(), 401)
        }
        other => panic!("a forged token was not refused: {:?}", other.map(|_| ())),
    }
}
