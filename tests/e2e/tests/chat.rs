//! Two people in two browser sessions against a real server: sign up, add each other, chat in
//! real time (typing, presence, read marker), edit and delete, reload and keep the history, and
//! come back after a server restart with what was sent meanwhile and nothing twice.

use chat_e2e::flows::{PASSWORD, Remember, add_contact, confirmed, send, sign_up};
use chat_e2e::keys::{ENTER, shift_enter};
use chat_e2e::{Browser, ChromeDriver, Result, Server, TempDir, unique_suffix};

async fn wait_message(b: &Browser, text: &str) -> Result<()> {
    b.wait_for(&format!("message {text:?}"), || async {
        Ok(confirmed(b).await?.iter().any(|t| t == text).then_some(()))
    })
    .await
}

/// Hovers a message of mine and clicks one of its action buttons.
async fn message_action(b: &Browser, text: &str, button: &str) -> Result<()> {
    let clicked = b
        .js(
            "const [text, button] = arguments[0];
             const msg = Array.from(document.querySelectorAll('#messages .msg.mine'))
               .find(m => m.querySelector('.msg-text')?.textContent === text);
             if (!msg) return false;
             msg.scrollIntoView({block: 'center'});
             const b = msg.querySelector(button);
             if (!b) return false;
             b.click();
             return true;",
            serde_json::json!([text, button]),
        )
        .await?;
    if clicked != serde_json::json!(true) {
        return Err(format!("no {button} on message {text:?}").into());
    }
    Ok(())
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
async fn two_people_chat_in_real_time_and_survive_a_restart() -> Result<()> {
    let data = TempDir::new("data");
    let mut server = Server::start(data.path(), 0);
    let base = server.url();
    let chromedriver = ChromeDriver::start();
    let run = unique_suffix();
    let (alice, bob) = (format!("alice_{run}"), format!("bob_{run}"));

    let a = Browser::open(&chromedriver, "alice", 1200, 800).await?;
    let b = Browser::open(&chromedriver, "bob", 1200, 800).await?;

    // Clear errors on the sign-in page.
    b.goto(&base).await?;
    b.type_into("#auth-username", &bob).await?;
    b.type_into("#auth-password", PASSWORD).await?;
    b.click("#auth-submit").await?;
    b.wait_text("#auth-error", "Wrong username or password.")
        .await?;
    b.screenshot("01-sign-in-error").await?;

    sign_up(&a, &base, &alice, Remember::Yes).await?;
    sign_up(&b, &base, &bob, Remember::Yes).await?;

    // A taken name is refused with a clear message.
    let c = Browser::open(&chromedriver, "carol", 1200, 800).await?;
    c.goto(&base).await?;
    c.click("#auth-tab-signup").await?;
    c.type_into("#auth-username", &alice).await?;
    c.type_into("#auth-password", PASSWORD).await?;
    c.click("#auth-submit").await?;
    c.wait_text("#auth-error", "already taken").await?;
    c.quit().await?;

    // Contacts, with presence.
    add_contact(&a, &bob).await?;
    add_contact(&b, &alice).await?;
    // Presence needs consent: Bob shares his once he has added Alice. No event tells Alice
    // that he started sharing, so she sees it when her contacts are fetched again (opening
    // the Contacts panel does that).
    a.click("#tab-chats").await?;
    a.click("#tab-contacts").await?;
    a.wait_present(&format!(".contact.online[data-username=\"{bob}\"]"))
        .await?;
    a.screenshot("02-contacts").await?;

    // Alice opens the direct chat and writes.
    a.click(&format!(
        ".contact[data-username=\"{bob}\"] .message-contact"
    ))
    .await?;
    a.wait_text("#conv-title", &bob).await?;
    a.wait_text("#conv-subtitle", "online").await?;
    send(&a, "Hello Bob").await?;
    wait_message(&a, "Hello Bob").await?;

    // Bob sees it in his chat list: last message, unread badge, presence dot.
    b.click("#tab-chats").await?;
    b.wait_text(".chat-item .chat-preview", "Hello Bob").await?;
    b.wait_text(".chat-item .badge", "1").await?;
    b.wait_present(".chat-item .presence-dot.online").await?;
    b.screenshot("03-chat-list-unread").await?;
    b.click(".chat-item").await?;
    wait_message(&b, "Hello Bob").await?;
    b.wait_gone(".chat-item .badge").await?;

    // Typing indicator.
    b.type_into("#composer", "Hi Ali").await?;
    a.wait_text("#typing", &format!("{bob} is typing…")).await?;
    a.screenshot("04-typing").await?;

    // Shift+Enter makes a new line; Enter sends.
    b.type_into(
        "#composer",
        &format!("ce{}second line{ENTER}", shift_enter()),
    )
    .await?;
    wait_message(&a, "Hi Alice\nsecond line").await?;
    a.wait_for("typing indicator to clear", || async {
        Ok(a.text("#typing")
            .await?
            .is_some_and(|t| t.is_empty())
            .then_some(()))
    })
    .await?;

    // Text is text, never HTML.
    send(&a, "<b>not bold</b> <img src=x onerror=alert(1)>").await?;
    wait_message(&b, "<b>not bold</b> <img src=x onerror=alert(1)>").await?;
    assert_eq!(
        b.count("#messages .msg-text b, #messages .msg-text img")
            .await?,
        0
    );

    // Read marker: Bob is looking at the newest message, so Alice sees it was seen.
    a.wait_text(".msg.mine .seen", "Seen").await?;

    // Edit and delete.
    message_action(&a, "Hello Bob", ".edit-message").await?;
    a.wait_present(".edit-input").await?;
    let edit = a.driver.find(thirtyfour::By::Css(".edit-input")).await?;
    edit.clear().await?;
    edit.send_keys(format!("Hello Bob (edited){ENTER}")).await?;
    wait_message(&b, "Hello Bob (edited)").await?;
    b.wait_text(".msg .msg-edited", "edited").await?;
    message_action(
        &a,
        "<b>not bold</b> <img src=x onerror=alert(1)>",
        ".delete-message",
    )
    .await?;
    a.click(".confirm-delete").await?;
    b.wait_text(".msg.deleted .msg-deleted", "This message was deleted")
        .await?;
    a.wait_text(".msg.deleted .msg-deleted", "This message was deleted")
        .await?;
    a.screenshot("05-conversation").await?;

    // Reload: remembered session, same chat, same history.
    b.reload().await?;
    b.wait_text("#conn-status", "online").await?;
    wait_message(&b, "Hi Alice\nsecond line").await?;
    wait_message(&b, "Hello Bob (edited)").await?;
    b.wait_present(".msg.deleted").await?;
    b.wait_present("#history-start").await?;

    // The server goes away: both show it and keep trying.
    server.kill();
    a.wait_text("#conn-status", "offline, retrying in").await?;
    b.wait_text("#conn-status", "offline").await?;
    // Bob writes while offline: the message waits.
    send(&b, "sent while you were away").await?;
    b.wait_text(".msg.pending .pending-state", "waiting for connection")
        .await?;
    b.screenshot("06-offline-pending").await?;
    // Wait until Alice's next attempt is a couple of seconds off (the backoff stops growing at
    // 3 s), so Bob's message reaches the server while Alice is still away and she has to catch
    // up on it after her reconnect.
    a.wait_for("a longer backoff", || async {
        let label = a.text("#conn-status").await?.unwrap_or_default();
        Ok(retry_seconds(&label).filter(|s| *s >= 2))
    })
    .await?;
    let restarted = Server::start(data.path(), server.addr.port());
    b.click(".status-line .link-button").await.ok();
    b.wait_text("#conn-status", "online").await?;
    wait_message(&b, "sent while you were away").await?;
    b.wait_gone(".msg.pending").await?;
    a.wait_text("#conn-status", "online").await?;
    wait_message(&a, "sent while you were away").await?;
    a.screenshot("07-reconnected").await?;
    // Exactly once on both sides.
    for (who, browser) in [("alice", &a), ("bob", &b)] {
        let n = confirmed(browser)
            .await?
            .iter()
            .filter(|t| *t == "sent while you were away")
            .count();
        assert_eq!(n, 1, "{who} sees the message {n} times");
    }
    send(&a, "welcome back").await?;
    wait_message(&b, "welcome back").await?;

    // Phone width: one column at a time.
    b.driver.set_window_rect(0, 0, 390, 844).await?;
    b.screenshot("08-phone-conversation").await?;
    b.click(".back").await?;
    b.wait_present(".chat-item").await?;
    b.screenshot("09-phone-chat-list").await?;

    // Dark colour scheme.
    a.emulate_color_scheme("dark").await?;
    a.screenshot("10-dark").await?;

    // Sign-out revokes the remembered session: a reload shows the sign-in page.
    a.click("#signout").await?;
    a.wait_present("#auth-username").await?;
    a.reload().await?;
    a.wait_present("#auth-username").await?;

    // Quitting checks each page for CSP violations, which needs the server.
    a.quit().await?;
    b.quit().await?;
    drop(restarted);
    Ok(())
}
