//! Reactions: the picker opens from a message's actions and works with the keyboard (arrows,
//! Enter, Escape, the focus coming back); chips show the emoji and count, pressed for my own,
//! with who reacted on hover; a click toggles mine, and the other side sees it live.

use chat_e2e::flows::{
    Remember, add_contact, click_in_message, open_direct, send, sign_up, wait_message,
};
use chat_e2e::{Browser, ChromeDriver, Result, Server, TempDir, unique_suffix};

const ARROW_RIGHT: &str = "\u{E014}";
const ARROW_DOWN: &str = "\u{E015}";
const ENTER: &str = "\u{E007}";
const ESCAPE: &str = "\u{E00C}";

/// (emoji, count, pressed, title) of every chip in the open chat.
async fn chips(b: &Browser) -> Result<serde_json::Value> {
    b.js(
        "return Array.from(document.querySelectorAll('#messages .reaction')).map(c =>
           [c.dataset.emoji, Number(c.querySelector('.reaction-count').textContent),
            c.getAttribute('aria-pressed'), c.getAttribute('title')]);",
        serde_json::json!(null),
    )
    .await
}

async fn active_id(b: &Browser) -> Result<String> {
    Ok(b.js(
        "return document.activeElement && document.activeElement.id;",
        serde_json::json!(null),
    )
    .await?
    .as_str()
    .unwrap_or_default()
    .to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reactions_by_keyboard_and_click_show_on_both_sides() -> Result<()> {
    let data = TempDir::new("data");
    let server = Server::start(data.path(), 0);
    let base = server.url();
    let chromedriver = ChromeDriver::start();
    let run = unique_suffix();
    let (alice, bob) = (format!("alice_{run}"), format!("bob_{run}"));
    let a = Browser::open(&chromedriver, "react-alice", 1100, 760).await?;
    let b = Browser::open(&chromedriver, "react-bob", 1100, 760).await?;
    sign_up(&a, &base, &alice, Remember::No).await?;
    sign_up(&b, &base, &bob, Remember::Yes).await?;
    add_contact(&a, &bob).await?;
    open_direct(&a, &bob).await?;
    send(&a, "react to me").await?;
    wait_message(&a, "react to me").await?;
    b.click("#tab-chats").await?;
    b.click(".chat-item").await?;
    wait_message(&b, "react to me").await?;

    // Bob opens the picker: the first emoji has the focus; Escape closes and gives the focus back.
    click_in_message(&b, "react to me", ".react-message").await?;
    b.wait_present(".emoji-picker[role=listbox]").await?;
    b.wait_for("focus in the picker", || async {
        Ok(active_id(&b).await?.ends_with("-0").then_some(()))
    })
    .await?;
    b.screenshot("reaction-picker").await?;
    b.driver.active_element().await?.send_keys(ESCAPE).await?;
    b.wait_gone(".emoji-picker").await?;
    assert!(
        active_id(&b).await?.starts_with("react-"),
        "focus back on React"
    );

    // Right, right, down: the 11th emoji (third of the second row); Enter picks it.
    click_in_message(&b, "react to me", ".react-message").await?;
    b.wait_present(".emoji-picker").await?;
    b.wait_for("focus in the picker", || async {
        Ok(active_id(&b).await?.ends_with("-0").then_some(()))
    })
    .await?;
    let el = b.driver.active_element().await?;
    el.send_keys(format!("{ARROW_RIGHT}{ARROW_RIGHT}{ARROW_DOWN}"))
        .await?;
    assert!(
        active_id(&b).await?.ends_with("-10"),
        "arrows move in the grid"
    );
    b.driver.active_element().await?.send_keys(ENTER).await?;
    b.wait_gone(".emoji-picker").await?;
    b.wait_present("#messages .reaction").await?;
    assert_eq!(
        chips(&b).await?,
        serde_json::json!([["😄", 1, "true", bob]]),
        "my chip, pressed"
    );
    a.wait_present("#messages .reaction").await?;
    assert_eq!(
        chips(&a).await?,
        serde_json::json!([["😄", 1, "false", bob]])
    );

    // Alice adds hers with a click on the chip; both see 2 and who.
    a.click("#messages .reaction").await?;
    let both = format!("{bob}, {alice}");
    b.wait_for("two on the chip", || async {
        Ok((chips(&b).await? == serde_json::json!([["😄", 2, "true", both]])).then_some(()))
    })
    .await?;
    a.wait_for("pressed for alice", || async {
        Ok((chips(&a).await? == serde_json::json!([["😄", 2, "true", both]])).then_some(()))
    })
    .await?;
    a.screenshot("reactions").await?;

    // Bob takes his back.
    b.click("#messages .reaction").await?;
    a.wait_for("one left", || async {
        Ok((chips(&a).await? == serde_json::json!([["😄", 1, "true", alice]])).then_some(()))
    })
    .await?;
    // A reload shows the same (from the server's message, not only the events).
    b.reload().await?;
    b.wait_text("#conn-status", "online").await?;
    b.click(".chat-item").await?;
    b.wait_for("chip after reload", || async {
        Ok((chips(&b).await? == serde_json::json!([["😄", 1, "false", alice]])).then_some(()))
    })
    .await?;
    a.quit().await?;
    b.quit().await?;
    drop(server);
    Ok(())
}
