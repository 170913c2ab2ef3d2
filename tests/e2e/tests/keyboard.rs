//! Keyboard and screen-reader basics: a skip link first in tab order that lands on the
//! conversation, an h1, the composer focused when a chat opens on a wide screen, Escape closing
//! the details panel (focus back on its toggle), and every message saying who sent it.

use chat_e2e::flows::{Remember, add_contact, open_direct, send, sign_up, wait_message};
use chat_e2e::{Browser, ChromeDriver, Result, Server, TempDir, unique_suffix};

async fn active(b: &Browser) -> Result<String> {
    let v = b
        .js(
            "const e = document.activeElement;
             return e ? (e.id || e.className || e.tagName) : '';",
            serde_json::json!(null),
        )
        .await?;
    Ok(v.as_str().unwrap_or_default().to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keyboard_and_screen_reader_basics() -> Result<()> {
    let data = TempDir::new("data");
    let server = Server::start(data.path(), 0);
    let base = server.url();
    let chromedriver = ChromeDriver::start();
    let run = unique_suffix();
    let (alice, bob) = (format!("alice_{run}"), format!("bob_{run}"));
    let a = Browser::open(&chromedriver, "kb-alice", 1200, 800).await?;
    let b = Browser::open(&chromedriver, "kb-bob", 1200, 800).await?;
    sign_up(&a, &base, &alice, Remember::No).await?;
    sign_up(&b, &base, &bob, Remember::No).await?;
    add_contact(&a, &bob).await?;
    open_direct(&a, &bob).await?;
    a.wait_for("the composer focused on opening the chat", || async {
        Ok((active(&a).await? == "composer").then_some(()))
    })
    .await?;
    send(&a, "hello bob").await?;
    b.click("#tab-chats").await?;
    b.click(".chat-item").await?;
    wait_message(&b, "hello bob").await?;
    send(&b, "hello alice").await?;
    wait_message(&a, "hello alice").await?;

    // An h1, and a skip link first in tab order that moves focus to the conversation.
    assert_eq!(a.count("h1").await?, 1, "one h1");
    // Start tabbing from the top of the page, as after loading it.
    a.js(
        "const start = document.createElement('span');
         start.tabIndex = -1;
         document.body.prepend(start);
         start.focus();",
        serde_json::json!(null),
    )
    .await?;
    let start = a.driver.active_element().await?;
    start.send_keys("\u{E004}").await?; // Tab
    assert_eq!(active(&a).await?, "skip-link");
    let link = a.driver.active_element().await?;
    link.send_keys("\u{E007}").await?; // Enter
    a.wait_for("focus on the conversation", || async {
        Ok((active(&a).await? == "main").then_some(()))
    })
    .await?;

    // Every message says who sent it, even where only alignment shows it.
    let spoken = a
        .texts("#messages .msg[data-seq]")
        .await?
        .into_iter()
        .map(|t| t.trim().to_owned())
        .collect::<Vec<_>>();
    assert!(
        spoken.iter().any(|t| t.starts_with("You: hello bob")),
        "{spoken:?}"
    );
    assert!(
        spoken
            .iter()
            .any(|t| t.starts_with(&format!("{bob}: hello alice"))),
        "{spoken:?}"
    );

    // Escape closes the details panel and puts focus back on its toggle.
    a.click("#members-toggle").await?;
    a.wait_present("#members-panel").await?;
    a.driver
        .find(thirtyfour::By::Css("#members-panel .icon-button"))
        .await?
        .send_keys("\u{E00C}") // Escape
        .await?;
    a.wait_gone("#members-panel").await?;
    assert_eq!(active(&a).await?, "members-toggle");

    a.quit().await?;
    b.quit().await?;
    drop(server);
    Ok(())
}
