//! Read state that tells the truth: a chat open in a background (hidden, unfocused) tab reads
//! nothing, so the sender sees no "Seen" and the reader keeps the unread count until they come
//! back; a chat opened with unread messages opens at a "New messages" line before the first of
//! them, and only what has been on screen counts as read.

use std::time::Duration;

use chat_e2e::flows::{
    Remember, add_contact, confirmed, open_direct, send, set_page_hidden, sign_up, wait_message,
};
use chat_e2e::{Browser, ChromeDriver, Result, Server, TempDir, unique_suffix};

const UNREAD: usize = 30;

/// The text of the message of mine that carries the "Seen" marker, if any.
async fn seen_on(b: &Browser) -> Result<Option<String>> {
    let v = b
        .js(
            "const seen = document.querySelector('#messages .msg.mine .seen');
             return seen ? seen.closest('.msg').querySelector('.msg-text').textContent : null;",
            serde_json::json!(null),
        )
        .await?;
    Ok(v.as_str().map(str::to_owned))
}

async fn title(b: &Browser) -> Result<String> {
    Ok(b.driver.title().await?)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_what_is_seen_is_read() -> Result<()> {
    let data = TempDir::new("data");
    let server = Server::start(data.path(), 0);
    let base = server.url();
    let chromedriver = ChromeDriver::start();
    let run = unique_suffix();
    let (alice, bob) = (format!("alice_{run}"), format!("bob_{run}"));
    let a = Browser::open(&chromedriver, "read-alice", 1100, 760).await?;
    let b = Browser::open(&chromedriver, "read-bob", 1100, 760).await?;
    sign_up(&a, &base, &alice, Remember::No).await?;
    sign_up(&b, &base, &bob, Remember::Yes).await?;
    add_contact(&a, &bob).await?;
    open_direct(&a, &bob).await?;
    send(&a, "hello").await?;
    b.click("#tab-chats").await?;
    b.click(".chat-item").await?;
    wait_message(&b, "hello").await?;
    a.wait_for("\"Seen\" on hello", || async {
        Ok((seen_on(&a).await?.as_deref() == Some("hello")).then_some(()))
    })
    .await?;

    // Bob's tab goes to the background with the chat open at the bottom.
    set_page_hidden(&b, true).await?;
    send(&a, "while hidden").await?;
    wait_message(&b, "while hidden").await?;
    b.wait_for("the unread count in Bob's title", || async {
        Ok((title(&b).await? == "(1) Chat").then_some(()))
    })
    .await?;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        seen_on(&a).await?.as_deref(),
        Some("hello"),
        "Alice was told Bob saw a message his hidden tab only received"
    );
    assert_eq!(title(&b).await?, "(1) Chat");
    b.screenshot("read-hidden").await?;

    // Bob comes back: now it is read, and Alice is told.
    set_page_hidden(&b, false).await?;
    b.wait_for("Bob's title without unread", || async {
        Ok((title(&b).await? == "Chat").then_some(()))
    })
    .await?;
    a.wait_for("\"Seen\" on the newest", || async {
        Ok((seen_on(&a).await?.as_deref() == Some("while hidden")).then_some(()))
    })
    .await?;

    // Bob leaves the chat (the app's start page); Alice writes a lot meanwhile.
    b.goto(&base).await?;
    b.wait_text("#conn-status", "online").await?;
    for i in 1..=UNREAD {
        send(&a, &format!("unread {i:02}")).await?;
    }
    a.wait_for("every message confirmed", || async {
        let shown = confirmed(&a).await?;
        Ok((shown.iter().any(|t| t == &format!("unread {UNREAD:02}"))
            && a.count(".msg.pending").await? == 0)
            .then_some(()))
    })
    .await?;
    b.wait_for("Bob's title counting them", || async {
        Ok((title(&b).await? == format!("({UNREAD}) Chat")).then_some(()))
    })
    .await?;

    // Opening the chat: at the "New messages" line, right before the first unread message.
    b.click(".chat-item").await?;
    b.wait_present("#new-messages").await?;
    let view = || async {
        b.js(
            "const list = document.getElementById('messages').getBoundingClientRect();
             const line = document.getElementById('new-messages');
             const next = line.nextElementSibling;
             const msgs = Array.from(document.querySelectorAll('#messages .msg[data-seq]'));
             const last = msgs[msgs.length - 1].getBoundingClientRect();
             const rect = line.getBoundingClientRect();
             return { after: next && next.querySelector('.msg-text')?.textContent,
                      line_on_screen: rect.top >= list.top && rect.bottom <= list.bottom,
                      newest_on_screen: last.top < list.bottom };",
            serde_json::json!(null),
        )
        .await
    };
    let opened = b
        .wait_for("the view at the New messages line", || async {
            let v = view().await?;
            Ok((v["line_on_screen"] == true).then_some(v))
        })
        .await?;
    b.screenshot("read-new-messages").await?;
    assert_eq!(opened["after"], "unread 01", "{opened}");
    assert_eq!(opened["newest_on_screen"], false, "{opened}");
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let left: usize = title(&b)
        .await?
        .strip_prefix('(')
        .and_then(|t| t.split(')').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(
        left > 0 && left < UNREAD,
        "only what was on screen is read: {left} of {UNREAD} still unread"
    );

    // Scrolling down to the newest reads the rest.
    b.wait_for("everything read after scrolling down", || async {
        b.js(
            "const l = document.getElementById('messages'); l.scrollTop = l.scrollHeight;",
            serde_json::json!(null),
        )
        .await?;
        Ok((title(&b).await? == "Chat").then_some(()))
    })
    .await?;
    a.wait_for("\"Seen\" on the last", || async {
        Ok((seen_on(&a).await?.as_deref() == Some(&*format!("unread {UNREAD:02}"))).then_some(()))
    })
    .await?;

    a.quit().await?;
    b.quit().await?;
    drop(server);
    Ok(())
}
