//! Auth sessions (tokens in the browser): a short-lived access token is renewed before it
//! expires (rotating the refresh token), so the app keeps working and a reload still signs in;
//! without "remember me" a reload asks to sign in again.

use std::time::{Duration, Instant};

use chat_e2e::flows::{PASSWORD, Remember, add_contact, send, sign_up};
use chat_e2e::keys::ENTER;
use chat_e2e::{Browser, ChromeDriver, Result, Server, TempDir, unique_suffix};

/// Access tokens live 5 s here; the app renews them after 4 s.
const TTL_SECS: &str = "5";

async fn stored_refresh_token(b: &Browser) -> Result<Option<String>> {
    let v = b
        .js(
            "return localStorage.getItem('chat.refresh_token');",
            serde_json::json!(null),
        )
        .await?;
    Ok(v.as_str().map(str::to_owned))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_are_renewed_and_remember_me_is_honoured() -> Result<()> {
    let data = TempDir::new("data");
    let server = Server::start_with_env(data.path(), 0, &[("ACCESS_TOKEN_TTL_SECS", TTL_SECS)]);
    let base = server.url();
    let chromedriver = ChromeDriver::start();
    let run = unique_suffix();

    // Gus signs up without "remember me": nothing is stored.
    let g = Browser::open(&chromedriver, "gus", 1000, 700).await?;
    let gus = format!("gus_{run}");
    sign_up(&g, &base, &gus, Remember::No).await?;
    assert_eq!(stored_refresh_token(&g).await?, None);

    let f = Browser::open(&chromedriver, "fay", 1000, 700).await?;
    let fay = format!("fay_{run}");
    sign_up(&f, &base, &fay, Remember::Yes).await?;
    let signed_up = Instant::now();
    let first = stored_refresh_token(&f)
        .await?
        .ok_or("remember me stores the refresh token")?;

    // Before the access token expires the app renews it, which rotates the refresh token.
    f.wait_for("a renewal", || async {
        Ok(stored_refresh_token(&f)
            .await?
            .filter(|t| *t != first)
            .map(|_| ()))
    })
    .await?;
    let renewed_after = signed_up.elapsed();
    assert!(
        renewed_after >= Duration::from_secs(1) && renewed_after < Duration::from_secs(5),
        "renewed after {renewed_after:?}; expected before the 5 s lifetime ends (at 80%)"
    );

    // Everything keeps working on the renewed tokens: REST and the socket.
    add_contact(&f, &gus).await?;
    f.click(&format!(
        ".contact[data-username=\"{gus}\"] .message-contact"
    ))
    .await?;
    send(&f, "still signed in").await?;
    f.wait_text("#messages .msg:not(.pending) .msg-text", "still signed in")
        .await?;
    g.wait_text(".chat-item .chat-preview", "still signed in")
        .await?;

    // A reload signs in with the latest (rotated) refresh token.
    f.reload().await?;
    f.wait_text("#conn-status", "online").await?;
    f.wait_text("#me-name", &fay).await?;
    f.wait_text("#messages .msg-text", "still signed in")
        .await?;

    // Without "remember me" a reload asks to sign in again.
    g.reload().await?;
    g.wait_present("#auth-username").await?;
    g.type_into("#auth-username", &gus).await?;
    g.type_into("#auth-password", &format!("{PASSWORD}{ENTER}"))
        .await?;
    g.wait_text("#conn-status", "online").await?;
    g.wait_text(".chat-item .chat-preview", "still signed in")
        .await?;

    f.quit().await?;
    g.quit().await?;
    drop(server);
    Ok(())
}
