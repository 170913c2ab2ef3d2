//! Connection state everyone notices: with the server gone, the open conversation says so in a
//! banner on desktop and phone widths, nobody is shown online, the wait between attempts stays
//! at most about 3 s (a restarted server is found within seconds without "Retry now"), an
//! error toast never covers the composer, and toast and banner go away on reconnect. A server
//! that stops answering while the socket stays open (frozen) is noticed by the heartbeat and
//! shown as "not responding"; what was sent meanwhile arrives once it is back.

use std::time::{Duration, Instant};

use chat_e2e::flows::{Remember, add_contact, open_direct, send, sign_up, wait_message};
use chat_e2e::{Browser, ChromeDriver, Result, Server, TempDir, unique_suffix};

/// Whether the element `css` is displayed and inside the window.
async fn on_screen(b: &Browser, css: &str) -> Result<bool> {
    let v = b
        .js(
            "const el = document.querySelector(arguments[0]);
             if (!el) return false;
             const r = el.getBoundingClientRect();
             return r.width > 0 && r.height > 0 && r.top >= 0 && r.left >= 0 &&
                    r.bottom <= innerHeight && r.right <= innerWidth;",
            serde_json::json!(css),
        )
        .await?;
    Ok(v == serde_json::json!(true))
}

/// Whether the boxes of `one` and `other` overlap.
async fn overlap(b: &Browser, one: &str, other: &str) -> Result<bool> {
    let v = b
        .js(
            "const [x, y] = arguments[0].map(s => document.querySelector(s).getBoundingClientRect());
             return x.left < y.right && y.left < x.right && x.top < y.bottom && y.top < x.bottom;",
            serde_json::json!([one, other]),
        )
        .await?;
    Ok(v == serde_json::json!(true))
}

fn retry_seconds(label: &str) -> Option<u32> {
    label
        .split("retrying in ")
        .nth(1)?
        .split(' ')
        .next()?
        .parse()
        .ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_is_visible_and_short() -> Result<()> {
    let data = TempDir::new("data");
    let mut server = Server::start(data.path(), 0);
    let base = server.url();
    let chromedriver = ChromeDriver::start();
    let run = unique_suffix();
    let (alice, bob) = (format!("alice_{run}"), format!("bob_{run}"));
    let a = Browser::open(&chromedriver, "conn-alice", 1100, 760).await?;
    let b = Browser::open(&chromedriver, "conn-bob", 1100, 760).await?;
    sign_up(&a, &base, &alice, Remember::Yes).await?;
    sign_up(&b, &base, &bob, Remember::Yes).await?;
    add_contact(&a, &bob).await?;
    add_contact(&b, &alice).await?;
    // Alice sees Bob's presence once her contacts are fetched again (he shares it now).
    a.click("#tab-chats").await?;
    open_direct(&a, &bob).await?;
    a.wait_text("#conv-subtitle", "online").await?;
    send(&a, "before the outage").await?;
    wait_message(&a, "before the outage").await?;
    assert!(
        !on_screen(&a, "#conn-banner").await?,
        "a banner while online"
    );

    server.kill();
    let down = Instant::now();
    a.wait_text(
        "#conn-banner",
        "Offline — messages will be sent when you're back",
    )
    .await?;
    assert!(on_screen(&a, "#conn-banner").await?);
    a.wait_gone(".presence-dot.online").await?;
    assert!(
        !a.text("#conv-subtitle")
            .await?
            .unwrap_or_default()
            .contains("online"),
        "Bob still shown online while Alice is disconnected"
    );
    a.screenshot("conn-offline-desktop").await?;

    // An action that needs the connection fails with a toast; it stays clear of the composer.
    a.js(
        "const msg = Array.from(document.querySelectorAll('#messages .msg.mine')).pop();
         msg.querySelector('.delete-message').click();",
        serde_json::json!(null),
    )
    .await?;
    a.click(".confirm-delete").await?;
    a.wait_text(".notice", "You are offline").await?;
    assert!(
        !overlap(&a, ".notice", "#composer").await?,
        "the toast covers the composer"
    );

    // Phone width: the banner is still there, inside the conversation.
    a.driver.set_window_rect(0, 0, 390, 844).await?;
    a.wait_for("the banner on a phone", || async {
        Ok(on_screen(&a, "#conn-banner").await?.then_some(()))
    })
    .await?;
    assert!(
        !overlap(&a, ".notice", "#composer").await?,
        "the toast covers the composer"
    );
    a.screenshot("conn-offline-phone").await?;

    // Stay away long enough for an uncapped backoff to have grown well past 3 s.
    while down.elapsed() < Duration::from_secs(15) {
        let label = a.text("#conn-banner").await?.unwrap_or_default();
        if let Some(secs) = retry_seconds(&label) {
            assert!(secs <= 3, "the next attempt is {secs} s away: {label:?}");
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }

    // Back: found within about 3 s without "Retry now"; banner and toast clear themselves.
    let restarted = Server::start(data.path(), server.addr.port());
    let up = Instant::now();
    a.wait_text("#conn-status", "online").await?;
    let took = up.elapsed();
    assert!(
        took < Duration::from_millis(4_500),
        "reconnecting took {took:?} after the server was back"
    );
    a.wait_gone("#conn-banner").await?;
    a.wait_gone(".notice").await?;
    a.wait_text("#conv-subtitle", "online").await?;
    a.screenshot("conn-back").await?;

    a.quit().await?;
    b.quit().await?;
    drop(restarted);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_frozen_server_shows_as_not_responding_and_recovers() -> Result<()> {
    let data = TempDir::new("data");
    let server = Server::start(data.path(), 0);
    let base = server.url();
    let chromedriver = ChromeDriver::start();
    let run = unique_suffix();
    let (alice, bob) = (format!("alice_{run}"), format!("bob_{run}"));
    let a = Browser::open(&chromedriver, "frozen-alice", 1100, 760).await?;
    let b = Browser::open(&chromedriver, "frozen-bob", 1100, 760).await?;
    sign_up(&a, &base, &alice, Remember::No).await?;
    sign_up(&b, &base, &bob, Remember::No).await?;
    add_contact(&a, &bob).await?;
    add_contact(&b, &alice).await?;
    a.click("#tab-chats").await?;
    open_direct(&a, &bob).await?;
    a.wait_text("#conv-subtitle", "online").await?;
    send(&a, "before the freeze").await?;
    wait_message(&a, "before the freeze").await?;

    server.freeze();
    let frozen = Instant::now();
    // A quiet spell of 8 s, then 4 s without an answer to the ping (and a 1 s timer).
    loop {
        let status = a.text("#conn-status").await?.unwrap_or_default();
        if status.contains("not responding") {
            break;
        }
        assert!(
            frozen.elapsed() < Duration::from_secs(20),
            "still {status:?} {:?} after the freeze",
            frozen.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(
        frozen.elapsed() >= Duration::from_secs(4),
        "called stalled before any ping could have gone unanswered"
    );
    a.wait_text("#conn-banner", "not responding").await?;
    assert!(on_screen(&a, "#conn-banner").await?);
    assert!(
        !a.text("#conv-subtitle")
            .await?
            .unwrap_or_default()
            .contains("online"),
        "Bob still shown online while the server is not answering"
    );
    send(&a, "sent while frozen").await?;
    a.screenshot("conn-stalled").await?;

    // Back: the same socket answers again, the banner goes, and nothing was lost.
    server.thaw();
    a.wait_text("#conn-status", "online").await?;
    a.wait_gone("#conn-banner").await?;
    wait_message(&a, "sent while frozen").await?;
    b.click("#tab-chats").await?;
    chat_e2e::flows::open_chat(&b, &alice).await?;
    wait_message(&b, "sent while frozen").await?;

    a.quit().await?;
    b.quit().await?;
    drop(server);
    Ok(())
}
