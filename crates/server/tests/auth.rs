//! Accounts and sessions, as the contract's REST table specifies, on SQLite and PostgreSQL.

mod common;

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use chat_protocol::{AuthResponse, User};
use common::{Backend, TEST_PASSWORD, TestServer, assert_error};
use reqwest::{Method, StatusCode};
use serde_json::json;

on_both_backends!(
    register_login_me,
    usernames_are_unique_ignoring_case,
    weak_input_is_refused,
    wrong_passwords_and_unknown_users_look_the_same,
    forged_and_tampered_tokens_are_refused,
    expired_access_tokens_are_refused,
    refresh_rotates_and_reuse_revokes_the_family,
    logout_revokes_the_refresh_token,
    concurrent_refreshes_keep_the_session,
    sign_ins_are_rate_limited_per_address,
    malformed_bodies_get_contract_errors,
);

async fn register_login_me(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (api, auth) = server.user("alice").await;
    assert_eq!(auth.token_type, "Bearer");
    assert_eq!(auth.expires_in, 900);
    assert_eq!(auth.refresh_token.len(), 43);
    assert_eq!(auth.access_token.split('.').count(), 3);

    let me: User = api.get_ok("/api/me").await;
    assert_eq!(me, auth.user);

    let (status, body) = server
        .client()
        .login(&auth.user.username.to_uppercase(), TEST_PASSWORD)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let login: AuthResponse = serde_json::from_value(body).unwrap();
    assert_eq!(
        login.user, auth.user,
        "login is case-insensitive on the name"
    );
    assert_ne!(login.refresh_token, auth.refresh_token);

    let (status, body) = server.client().get("/api/me").await;
    assert_error(status, &body, 401, "unauthorized");
}

async fn usernames_are_unique_ignoring_case(backend: Backend) {
    let server = TestServer::start(backend).await;
    let api = server.client();
    let (status, _) = api.register("Carol", TEST_PASSWORD).await;
    assert_eq!(status, StatusCode::CREATED);
    for taken in ["carol", "CAROL", "Carol"] {
        let (status, body) = api.register(taken, TEST_PASSWORD).await;
        assert_error(status, &body, 409, "conflict");
    }
}

async fn weak_input_is_refused(backend: Backend) {
    let server = TestServer::start(backend).await;
    let api = server.client();
    let long_name = "n".repeat(33);
    let long_password = "p".repeat(129);
    for (username, password) in [
        ("ab", TEST_PASSWORD),
        (long_name.as_str(), TEST_PASSWORD),
        ("has space", TEST_PASSWORD),
        ("emoji😀", TEST_PASSWORD),
        ("semi;colon", TEST_PASSWORD),
        ("dave", "short"),
        ("dave", long_password.as_str()),
        ("", ""),
    ] {
        let (status, body) = api.register(username, password).await;
        assert_error(status, &body, 422, "validation_failed");
    }
    let (status, _) = api.register("d.a-v_e", "12345678").await;
    assert_eq!(status, StatusCode::CREATED, "edge-valid input is accepted");
}

async fn wrong_passwords_and_unknown_users_look_the_same(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (_, auth) = server.user("erin").await;
    let api = server.client();
    let (s1, wrong) = api.login(&auth.user.username, "wrongpass1").await;
    let (s2, unknown) = api.login("nobody_here", "wrongpass1").await;
    assert_error(s1, &wrong, 401, "unauthorized");
    assert_error(s2, &unknown, 401, "unauthorized");
    assert_eq!(wrong, unknown, "same answer for both");
}

fn forge(claims: serde_json::Value, secret: &[u8]) -> String {
    use jsonwebtoken::{EncodingKey, Header, encode};
    encode(
        &Header::default(),
        &claims,
        &EncodingKey::from_secret(secret),
    )
    .unwrap()
}

async fn forged_and_tampered_tokens_are_refused(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (api, auth) = server.user("frank").await;
    let sub = auth.user.id.to_string();
    let far = chrono::Utc::now().timestamp() + 3600;
    let claims = json!({"sub": sub, "name": "frank", "iat": 0, "exp": far});

    let other_secret = forge(claims.clone(), b"another-secret-that-is-long-enough-000000");
    let parts: Vec<&str> = auth.access_token.split('.').collect();
    let alg_none = format!(
        "{}.{}.",
        B64.encode(br#"{"alg":"none","typ":"JWT"}"#),
        B64.encode(claims.to_string())
    );
    let someone_else = json!({"sub": uuid::Uuid::new_v4(), "name": "x", "iat": 0, "exp": far});
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        B64.encode(someone_else.to_string()),
        parts[2]
    );
    let no_exp = forge(
        json!({"sub": sub, "name": "frank"}),
        common::JWT_SECRET.as_bytes(),
    );
    let refresh_as_access = auth.refresh_token.clone();

    for token in [
        other_secret,
        alg_none,
        tampered,
        no_exp,
        refresh_as_access,
        "x".into(),
    ] {
        let (status, body) = api.with_token(Some(&token)).get("/api/me").await;
        assert_error(status, &body, 401, "unauthorized");
    }
    // Not a Bearer scheme at all.
    let resp = reqwest::Client::new()
        .get(format!("{}/api/me", server.base))
        .header("authorization", format!("Basic {}", auth.access_token))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
}

async fn expired_access_tokens_are_refused(backend: Backend) {
    let server = TestServer::start_with(backend, &[("ACCESS_TOKEN_TTL_SECS", "1")]).await;
    let (api, auth) = server.user("gina").await;
    assert_eq!(auth.expires_in, 1);
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let (status, body) = api.get("/api/me").await;
    assert_error(status, &body, 401, "unauthorized");
    // A refresh gets a working token again.
    let (status, body) = server.client().refresh(&auth.refresh_token).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let fresh: AuthResponse = serde_json::from_value(body).unwrap();
    let (status, _) = api
        .with_token(Some(&fresh.access_token))
        .get("/api/me")
        .await;
    assert_eq!(status, StatusCode::OK);
}

async fn refresh_rotates_and_reuse_revokes_the_family(backend: Backend) {
    // No grace period: any second use of a rotated token counts as theft.
    let server = TestServer::start_with(backend, &[("REFRESH_REUSE_GRACE_SECS", "0")]).await;
    let (_, auth) = server.user("hank").await;
    let api = server.client();
    let refresh = |token: String| {
        let api = api.clone();
        async move { api.refresh(&token).await }
    };
    let (status, body) = refresh(auth.refresh_token.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let second: AuthResponse = serde_json::from_value(body).unwrap();
    assert_ne!(second.refresh_token, auth.refresh_token);
    assert_eq!(second.user, auth.user);

    // The first token was spent: presenting it again is reuse, and refused...
    let (status, body) = refresh(auth.refresh_token.clone()).await;
    assert_error(status, &body, 401, "unauthorized");
    // ...and it also revokes the token that was issued in its place.
    let (status, body) = refresh(second.refresh_token.clone()).await;
    assert_error(status, &body, 401, "unauthorized");

    // Another login's session is untouched.
    let (_, body) = api.login(&auth.user.username, TEST_PASSWORD).await;
    let other: AuthResponse = serde_json::from_value(body).unwrap();
    let (status, _) = refresh(other.refresh_token).await;
    assert_eq!(status, StatusCode::OK);

    for bogus in ["", "not-a-token", &"A".repeat(43)] {
        let (status, body) = refresh(bogus.to_owned()).await;
        assert_error(status, &body, 401, "unauthorized");
    }
}

async fn logout_revokes_the_refresh_token(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (api, auth) = server.user("ivy").await;
    let (_, mallory) = server.user("mallory").await;
    // Someone else's logout with my token does nothing to it.
    let (status, _) = api
        .with_token(Some(&mallory.access_token))
        .logout(&auth.refresh_token)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = api.logout(&auth.refresh_token).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = server.client().refresh(&auth.refresh_token).await;
    assert_error(status, &body, 401, "unauthorized");
    let (status, body) = server.client().logout(&auth.refresh_token).await;
    assert_error(status, &body, 401, "unauthorized");
}

async fn malformed_bodies_get_contract_errors(backend: Backend) {
    let server = TestServer::start(backend).await;
    let api = server.client();
    let json_type = "application/json";
    let cases: Vec<(&str, Vec<u8>, u16, &str)> = vec![
        (json_type, b"{\"username\":".to_vec(), 400, "bad_request"),
        (json_type, b"not json".to_vec(), 400, "bad_request"),
        (
            json_type,
            b"{\"username\": 5, \"password\": \"password123\"}".to_vec(),
            422,
            "validation_failed",
        ),
        (
            json_type,
            b"{\"username\": \"zed\"}".to_vec(),
            422,
            "validation_failed",
        ),
        (json_type, b"[1,2]".to_vec(), 422, "validation_failed"),
        (
            json_type,
            b"{\"username\": \"zed\", \"password\": \"password123\", \"admin\": true}".to_vec(),
            422,
            "validation_failed",
        ),
        (json_type, vec![b' '; 70 * 1024], 413, "payload_too_large"),
        ("text/plain", b"{}".to_vec(), 415, "bad_request"),
    ];
    for (content_type, body, status, code) in cases {
        let (got, body) = api
            .raw(Method::POST, "/api/auth/register", content_type, body)
            .await;
        assert_error(got, &body, status, code);
    }
}

async fn concurrent_refreshes_keep_the_session(backend: Backend) {
    // Two tabs share one stored refresh token and refresh at the same moment.
    let server = TestServer::start(backend).await;
    let (_, auth) = server.user("tabs").await;
    let api = server.client();
    let body = json!({"refresh_token": auth.refresh_token});
    let (first, second) = tokio::join!(
        api.post("/api/auth/refresh", body.clone()),
        api.post("/api/auth/refresh", body.clone())
    );
    let mut statuses = [first.0.as_u16(), second.0.as_u16()];
    statuses.sort();
    assert_eq!(
        statuses,
        [200, 401],
        "one wins, the other is refused: {first:?} {second:?}"
    );
    let winner = if first.0 == StatusCode::OK {
        first.1
    } else {
        second.1
    };
    let winner: AuthResponse = serde_json::from_value(winner).unwrap();
    // The loser did not sign the session out: the winner's token still works.
    let (status, body) = api.refresh(&winner.refresh_token).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

async fn sign_ins_are_rate_limited_per_address(backend: Backend) {
    let server = TestServer::start_with(backend, &[("AUTH_RATE_LIMIT", "1")]).await;
    let api = server.client();
    let mut limited = 0;
    for i in 0..8 {
        let (status, body) = api.login(&format!("nobody{i}"), TEST_PASSWORD).await;
        match status.as_u16() {
            401 => {}
            429 => {
                assert_error(status, &body, 429, "rate_limited");
                limited += 1;
            }
            other => panic!("unexpected {other}: {body}"),
        }
    }
    assert_eq!(limited, 3, "a burst of 5 is allowed, then 1 per second");
}
