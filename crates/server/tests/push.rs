//! Web Push end to end: browsers' subscriptions (made here with real P-256 keys, as a browser
//! makes them), a local HTTP endpoint standing in for the push service, which decrypts every
//! push with the subscription's private key (RFC 8291) and checks its VAPID authorization
//! (RFC 8292). Who gets a push (direct messages and mentions, only without an open socket, never
//! for muted chats), gone subscriptions and ended sessions forgotten, and every bad
//! subscription refused. On both databases.

mod common;

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chat_protocol::{Chat, PushKey, PushNotice, PushReason};
use common::events::new_message;
use common::{Api, Backend, TestServer, assert_error};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use p256::elliptic_curve::sec1::ToEncodedPoint;
use reqwest::{Method, StatusCode};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use uuid::Uuid;

on_both_backends!(
    direct_messages_and_mentions_reach_offline_members,
    gone_subscriptions_and_ended_sessions_are_forgotten,
    bad_subscriptions_are_refused
);

/// One request the fake push service received.
struct Received {
    path: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Received {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A push service on loopback: records every request, answers 410 on paths starting with
/// `/gone`, 201 otherwise.
struct PushService {
    base: String,
    received: mpsc::UnboundedReceiver<Received>,
}

impl PushService {
    async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let (tx, received) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let tx = tx.clone();
                tokio::spawn(async move {
                    if let Some(request) = read_request(stream).await {
                        let _ = tx.send(request);
                    }
                });
            }
        });
        Self { base, received }
    }

    /// The next push, or panics after `wait`.
    async fn next(&mut self, wait: Duration) -> Received {
        tokio::time::timeout(wait, self.received.recv())
            .await
            .expect("a push within the time")
            .expect("push service running")
    }

    /// Asserts no push arrives within `wait`.
    async fn assert_none(&mut self, wait: Duration) {
        if let Ok(Some(push)) = tokio::time::timeout(wait, self.received.recv()).await {
            panic!("unexpected push to {}", push.path);
        }
    }
}

/// Reads one HTTP/1.1 request (headers, then a Content-Length body) and answers it.
async fn read_request(mut stream: tokio::net::TcpStream) -> Option<Received> {
    let mut raw = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        raw.extend_from_slice(&chunk[..n]);
        if let Some(i) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
    };
    let head = String::from_utf8_lossy(&raw[..head_end]).to_string();
    let mut lines = head.split("\r\n");
    let path = lines.next()?.split(' ').nth(1)?.to_string();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = raw[head_end + 4..].to_vec();
    while body.len() < length {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    let status = if path.starts_with("/gone") {
        "410 Gone"
    } else {
        "201 Created"
    };
    let answer = format!("HTTP/1.1 {status}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
    let _ = stream.write_all(answer.as_bytes()).await;
    Some(Received {
        path,
        headers,
        body,
    })
}

/// A browser's subscription: its private key and auth secret stay here to decrypt with.
struct Browser {
    endpoint: String,
    secret: p256::SecretKey,
    auth: [u8; 16],
}

impl Browser {
    fn new(endpoint: String) -> Self {
        let mut scalar = [0u8; 32];
        scalar[..16].copy_from_slice(Uuid::new_v4().as_bytes());
        scalar[16..].copy_from_slice(Uuid::new_v4().as_bytes());
        Self {
            endpoint,
            secret: p256::SecretKey::from_slice(&scalar).expect("a P-256 scalar"),
            auth: *Uuid::new_v4().as_bytes(),
        }
    }

    fn subscription(&self) -> serde_json::Value {
        let point = self.secret.public_key().to_encoded_point(false);
        json!({
            "endpoint": self.endpoint,
            "expirationTime": null,
            "keys": {
                "p256dh": URL_SAFE_NO_PAD.encode(point.as_bytes()),
                "auth": URL_SAFE_NO_PAD.encode(self.auth),
            }
        })
    }

    async fn subscribe(&self, api: &Api) {
        let (status, body) = api
            .post("/api/push/subscriptions", self.subscription())
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }

    /// Checks the push's encoding and VAPID authorization, decrypts it and reads the notice.
    fn open(&self, push: &Received, server_key: &str, audience: &str) -> PushNotice {
        assert_eq!(push.header("content-encoding"), Some("aes128gcm"));
        assert!(push.header("ttl").is_some_and(|t| t.parse::<u64>().is_ok()));
        let authorization = push.header("authorization").expect("VAPID authorization");
        let (token, key) = authorization
            .strip_prefix("vapid t=")
            .and_then(|rest| rest.split_once(", k="))
            .expect("vapid t=…, k=…");
        assert_eq!(
            key, server_key,
            "signed with the key browsers subscribed with"
        );
        let point = URL_SAFE_NO_PAD.decode(key).expect("base64url");
        let mut validation = Validation::new(Algorithm::ES256);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "aud", "sub"]);
        let claims = jsonwebtoken::decode::<serde_json::Value>(
            token,
            &DecodingKey::from_ec_der(&point),
            &validation,
        )
        .expect("a valid VAPID token for the push service's origin");
        let exp = claims.claims["exp"].as_i64().expect("exp");
        assert!(
            exp <= chrono::Utc::now().timestamp() + 24 * 3600,
            "at most 24 h"
        );
        assert!(
            !push.body.windows(5).any(|w| w == b"hello"),
            "ciphertext only"
        );
        let mut auth = web_push_native::Auth::default();
        auth.copy_from_slice(&self.auth);
        let plaintext = web_push_native::decrypt(push.body.clone(), &self.secret, &auth)
            .expect("decrypts with the subscription's private key");
        serde_json::from_slice(&plaintext).expect("a PushNotice")
    }
}

async fn server_key(api: &Api) -> String {
    let key: PushKey = api.get_ok("/api/push/key").await;
    key.public_key
}

async fn start(backend: Backend) -> (TestServer, PushService) {
    let server = TestServer::start_with(backend, &[("PUSH_ALLOW_PRIVATE", "true")]).await;
    (server, PushService::start().await)
}

async fn direct_messages_and_mentions_reach_offline_members(backend: Backend) {
    let (server, mut service) = start(backend).await;
    let (alice, a) = server.user("alice").await;
    let (bob, b) = server.user("bob").await;
    let (_carol, c) = server.user("carol").await;
    let key = server_key(&bob).await;
    let browser = Browser::new(format!("{}/bob/{}", service.base, Uuid::new_v4()));
    browser.subscribe(&bob).await;
    let direct = alice.create_chat(&[&b.user], None).await;
    let mut sa = server.socket(&a.access_token).await;

    // Bob has no socket open: the direct message is pushed to his browser, encrypted.
    sa.send_message(direct.id, "hello bob, are you there?")
        .await;
    let push = service.next(Duration::from_secs(10)).await;
    assert_eq!(
        push.path,
        browser.endpoint.trim_start_matches(&service.base)
    );
    let notice = browser.open(&push, &key, &service.base);
    assert_eq!(notice.reason, PushReason::Direct);
    assert_eq!(notice.chat_id, direct.id);
    assert_eq!(notice.chat_name, None);
    assert_eq!(notice.sender, a.user);
    assert_eq!(notice.text, "hello bob, are you there?");
    assert_eq!(notice.seq, 1);

    // Long text is cut at 100 characters.
    let long = "ü".repeat(300);
    sa.send_message(direct.id, &long).await;
    let notice = browser.open(
        &service.next(Duration::from_secs(10)).await,
        &key,
        &service.base,
    );
    assert_eq!(notice.text, "ü".repeat(100));

    // With the app open, Bob is told by the app: no push.
    let mut sb = server.socket(&b.access_token).await;
    sa.send_message(direct.id, "you are online").await;
    sb.wait_for(|e| new_message(e).filter(|m| m.content == "you are online"))
        .await;
    service.assert_none(Duration::from_millis(1500)).await;
    drop(sb);

    // In a group only a mention pushes; the sender's own mention of themself never does.
    let group: Chat = alice
        .create_chat(&[&b.user, &c.user], Some("launch crew"))
        .await;
    let went_offline = async {
        // Bob's socket closes asynchronously: wait until a direct message pushes again.
        for attempt in 0..20 {
            sa.send_message(direct.id, &format!("ping {attempt}")).await;
            if let Ok(Some(_)) =
                tokio::time::timeout(Duration::from_millis(500), service.received.recv()).await
            {
                return;
            }
        }
        panic!("bob never counted as offline");
    };
    went_offline.await;
    while let Ok(Some(_)) =
        tokio::time::timeout(Duration::from_millis(300), service.received.recv()).await
    {}
    sa.send_message(group.id, "hello everyone").await;
    service.assert_none(Duration::from_millis(1500)).await;
    sa.send_message(group.id, &format!("@{} can you look?", b.user.username))
        .await;
    let notice = browser.open(
        &service.next(Duration::from_secs(10)).await,
        &key,
        &service.base,
    );
    assert_eq!(notice.reason, PushReason::Mention);
    assert_eq!(notice.chat_id, group.id);
    assert_eq!(notice.chat_name.as_deref(), Some("launch crew"));

    // Muted: never a push, mention or not.
    let (status, body) = bob
        .call(
            Method::PATCH,
            &format!("/api/chats/{}", group.id),
            Some(&json!({"muted": true})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    sa.send_message(group.id, &format!("@{} again", b.user.username))
        .await;
    service.assert_none(Duration::from_millis(1500)).await;

    // Unsubscribed: nothing more.
    let (status, _) = bob
        .call(
            Method::DELETE,
            "/api/push/subscriptions",
            Some(&json!({"endpoint": browser.endpoint})),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    sa.send_message(direct.id, "anyone?").await;
    service.assert_none(Duration::from_millis(1500)).await;
}

async fn gone_subscriptions_and_ended_sessions_are_forgotten(backend: Backend) {
    let (server, mut service) = start(backend).await;
    let (alice, a) = server.user("alice").await;
    let (bob, b) = server.user("bob").await;
    let (carol, c) = server.user("carol").await;
    let to_bob = alice.create_chat(&[&b.user], None).await;
    let to_carol = alice.create_chat(&[&c.user], None).await;
    let mut sa = server.socket(&a.access_token).await;

    // The push service says Bob's subscription is gone: the server forgets it.
    let gone = Browser::new(format!("{}/gone/{}", service.base, Uuid::new_v4()));
    gone.subscribe(&bob).await;
    sa.send_message(to_bob.id, "first").await;
    let push = service.next(Duration::from_secs(10)).await;
    assert!(push.path.starts_with("/gone"));
    // Forgetting happens after the answer; give it a moment, then nothing is sent there.
    tokio::time::sleep(Duration::from_millis(500)).await;
    sa.send_message(to_bob.id, "second").await;
    service.assert_none(Duration::from_millis(1500)).await;

    // Carol signs out: her session's subscription ends with it.
    let browser = Browser::new(format!("{}/carol/{}", service.base, Uuid::new_v4()));
    browser.subscribe(&carol).await;
    sa.send_message(to_carol.id, "before sign-out").await;
    service.next(Duration::from_secs(10)).await;
    let (status, _) = carol.logout(&c.refresh_token).await;
    assert!(status.is_success());
    sa.send_message(to_carol.id, "after sign-out").await;
    service.assert_none(Duration::from_millis(1500)).await;

    // The same browser subscribed again by someone else moves to them.
    let (dave, d) = server.user("dave").await;
    let shared = Browser::new(format!("{}/shared/{}", service.base, Uuid::new_v4()));
    let bob2 = {
        let (status, body) = bob.login(&b.user.username, common::TEST_PASSWORD).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        bob.with_token(body["access_token"].as_str())
    };
    shared.subscribe(&bob2).await;
    shared.subscribe(&dave).await;
    let to_dave = alice.create_chat(&[&d.user], None).await;
    sa.send_message(to_bob.id, "for bob").await;
    service.assert_none(Duration::from_millis(1500)).await;
    sa.send_message(to_dave.id, "for dave").await;
    let key = server_key(&dave).await;
    let notice = shared.open(
        &service.next(Duration::from_secs(10)).await,
        &key,
        &service.base,
    );
    assert_eq!(notice.text, "for dave");
}

async fn bad_subscriptions_are_refused(backend: Backend) {
    // Without PUSH_ALLOW_PRIVATE, as in production.
    let server = TestServer::start(backend).await;
    let (bob, _) = server.user("bob").await;
    let anonymous = server.client();

    let key: PushKey = anonymous.get_ok("/api/push/key").await;
    assert_eq!(
        URL_SAFE_NO_PAD.decode(&key.public_key).expect("b64").len(),
        65
    );

    let good = Browser::new("https://push.example.com/send/abc".into());
    let (status, body) = anonymous
        .post("/api/push/subscriptions", good.subscription())
        .await;
    assert_error(status, &body, 401, "unauthorized");

    let mut refused = Vec::new();
    for endpoint in [
        "http://push.example.com/send/abc".to_string(),
        "https://127.0.0.1/push".into(),
        "https://10.0.0.7:8443/push".into(),
        "https://169.254.169.254/latest/meta-data".into(),
        "https://[::1]/push".into(),
        "https://localhost/push".into(),
        "file:///etc/passwd".into(),
        "not a url".into(),
        format!("https://push.example.com/{}", "x".repeat(10_000)),
    ] {
        let mut sub = good.subscription();
        sub["endpoint"] = endpoint.clone().into();
        refused.push((endpoint, sub));
    }
    let mut bad_key = good.subscription();
    bad_key["keys"]["p256dh"] = URL_SAFE_NO_PAD.encode([4u8; 65]).into();
    refused.push(("p256dh not on the curve".into(), bad_key));
    let mut bad_auth = good.subscription();
    bad_auth["keys"]["auth"] = URL_SAFE_NO_PAD.encode([1u8; 8]).into();
    refused.push(("auth of 8 bytes".into(), bad_auth));
    let mut not_base64 = good.subscription();
    not_base64["keys"]["auth"] = "***".into();
    refused.push(("auth not base64url".into(), not_base64));
    for (what, body) in refused {
        let (status, answer) = bob.post("/api/push/subscriptions", body).await;
        assert_eq!(status.as_u16(), 422, "{what}: {answer}");
        assert_error(status, &answer, 422, "validation_failed");
    }

    // Wrong types and malformed JSON: the contract's errors.
    let (status, body) = bob
        .post(
            "/api/push/subscriptions",
            json!({"endpoint": 5, "keys": {"p256dh": "x", "auth": "y"}}),
        )
        .await;
    assert_error(status, &body, 422, "validation_failed");
    let (status, body) = bob
        .raw(
            Method::POST,
            "/api/push/subscriptions",
            "application/json",
            b"{\"endpoint\":".to_vec(),
        )
        .await;
    assert_error(status, &body, 400, "bad_request");

    // A public https endpoint is accepted; removing one you do not have is still 204.
    let (status, body) = bob
        .post("/api/push/subscriptions", good.subscription())
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, _) = bob
        .call(
            Method::DELETE,
            "/api/push/subscriptions",
            Some(&json!({"endpoint": "https://push.example.com/never"})),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    // An endpoint no URL could have (a NUL, which PostgreSQL cannot even compare): 422.
    for endpoint in ["https://push.example.com/a\u{0}b", "x\u{1c}y"] {
        let (status, body) = bob
            .call(
                Method::DELETE,
                "/api/push/subscriptions",
                Some(&json!({ "endpoint": endpoint })),
            )
            .await;
        assert_error(status, &body, 422, "validation_failed");
        let mut sub = good.subscription();
        sub["endpoint"] = endpoint.into();
        let (status, body) = bob.post("/api/push/subscriptions", sub).await;
        assert_error(status, &body, 422, "validation_failed");
    }
}
