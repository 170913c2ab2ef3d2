//! Seamless reconnects: with 4-second access tokens the server closes every socket with 4001
//! (`token_expired`) every few seconds; the app renews, reconnects and resumes at once, so a
//! conversation keeps flowing across several expiries with no visible error (no notice, no
//! "offline", no failed message).

use std::time::{Duration, Instant};

use chat_e2e::flows::{Remember, add_contact, send, sign_up};
use chat_e2e::{Browser, ChromeDriver, Result, Server, TempDir, unique_suffix};

/// Records every WebSocket close code and reason the page sees.
const RECORD_CLOSES: &str = "(() => {
  const Native = window.WebSocket;
  window.__wsCloses = [];
  const Recording = function (url, protocols) {
    const ws = protocols === undefined ? new Native(url) : new Native(url, protocols);
    ws.addEventListener('close', e => window.__wsCloses.push(e.code + ' ' + e.reason));
    return ws;
  };
  Recording.prototype = Native.prototype;
  Object.assign(Recording, { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 });
  window.WebSocket = Recording;
})();";

async fn closes(b: &Browser) -> Result<Vec<String>> {
    let v = b
        .js("return window.__wsCloses || [];", serde_json::json!(null))
        .await?;
    Ok(serde_json::from_value(v)?)
}

/// Watches `b` for `d`: fails on anything the person would see as an error.
async fn calm_for(b: &Browser, d: Duration) -> Result<()> {
    let until = Instant::now() + d;
    while Instant::now() < until {
        let status = b.text("#conn-status").await?.unwrap_or_default();
        assert!(!status.contains("offline"), "status showed {status:?}");
        assert_eq!(b.count(".notice").await?, 0, "an error notice appeared");
        assert_eq!(b.count(".msg.pending.failed").await?, 0, "a send failed");
        assert_eq!(b.count("#auth-username").await?, 0, "signed out");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expiring_tokens_never_interrupt_a_conversation() -> Result<()> {
    let data = TempDir::new("data");
    let server = Server::start_with_env(data.path(), 0, &[("ACCESS_TOKEN_TTL_SECS", "4")]);
    let base = server.url();
    let chromedriver = ChromeDriver::start();
    let run = unique_suffix();
    let (ivy, jon) = (format!("ivy_{run}"), format!("jon_{run}"));

    let i = Browser::open(&chromedriver, "ivy", 1000, 700).await?;
    let j = Browser::open(&chromedriver, "jon", 1000, 700).await?;
    i.add_init_script(RECORD_CLOSES).await?;
    j.add_init_script(RECORD_CLOSES).await?;
    sign_up(&i, &base, &ivy, Remember::No).await?;
    sign_up(&j, &base, &jon, Remember::No).await?;
    add_contact(&i, &jon).await?;
    i.click(&format!(
        ".contact[data-username=\"{jon}\"] .message-contact"
    ))
    .await?;
    send(&i, "hello jon").await?;
    j.wait_text(".chat-item .chat-preview", "hello jon").await?;
    j.click(".chat-item").await?;

    // Eight turns, about 2 s apart: the tokens expire three or four times meanwhile.
    for turn in 1..=8 {
        let (from, to) = if turn % 2 == 0 { (&i, &j) } else { (&j, &i) };
        let text = format!("turn {turn}");
        send(from, &text).await?;
        to.wait_text("#messages .msg:not(.pending) .msg-text", &text)
            .await?;
        from.wait_text("#messages .msg:not(.pending) .msg-text", &text)
            .await?;
        calm_for(&i, Duration::from_millis(1000)).await?;
        calm_for(&j, Duration::from_millis(1000)).await?;
    }

    // The sockets really were closed for expiry, more than once each, and renewed every time.
    for b in [&i, &j] {
        let seen = closes(b).await?;
        let expired = seen.iter().filter(|c| *c == "4001 token_expired").count();
        assert!(expired >= 2, "4001 closes seen: {seen:?}");
        b.wait_text("#conn-status", "online").await?;
    }
    i.screenshot("40-after-expiries").await?;

    i.quit().await?;
    j.quit().await?;
    drop(server);
    Ok(())
}
