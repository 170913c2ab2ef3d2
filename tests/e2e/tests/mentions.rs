//! Mentions: `@` in the composer lists the chat's members (arrows, Tab or Enter, click); the
//! person mentioned sees an "@" badge on the chat until they read it, and the message marked
//! with their name highlighted.

use chat_e2e::flows::{Remember, add_contact, create_group, sign_up, wait_message};
use chat_e2e::keys::ENTER;
use chat_e2e::{Browser, ChromeDriver, Result, Server, TempDir, unique_suffix};

const TAB: &str = "\u{E004}";
const ARROW_DOWN: &str = "\u{E015}";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mentions_autocomplete_badge_and_highlight() -> Result<()> {
    let data = TempDir::new("data");
    let server = Server::start(data.path(), 0);
    let base = server.url();
    let chromedriver = ChromeDriver::start();
    let run = unique_suffix();
    let (alice, bob, bea) = (
        format!("alice_{run}"),
        format!("bob_{run}"),
        format!("bea_{run}"),
    );
    let a = Browser::open(&chromedriver, "mention-alice", 1100, 760).await?;
    let b = Browser::open(&chromedriver, "mention-bob", 1100, 760).await?;
    let c = Browser::open(&chromedriver, "mention-bea", 1100, 760).await?;
    sign_up(&a, &base, &alice, Remember::No).await?;
    sign_up(&b, &base, &bob, Remember::No).await?;
    sign_up(&c, &base, &bea, Remember::No).await?;
    add_contact(&a, &bob).await?;
    add_contact(&a, &bea).await?;
    let group = format!("Mentions {run}");
    create_group(&a, &group, false).await?;

    // "@b" lists both b… members (not me), in name order; Down then Tab picks the second.
    a.type_into("#composer", "hi @b").await?;
    a.wait_present("#mention-list[role=listbox]").await?;
    let options = a.texts("#mention-list [role=option]").await?;
    assert_eq!(options, [format!("@{bea}"), format!("@{bob}")]);
    a.screenshot("mention-list").await?;
    a.type_into("#composer", &format!("{ARROW_DOWN}{TAB}"))
        .await?;
    a.wait_gone("#mention-list").await?;
    let value = a
        .js(
            "return document.getElementById('composer').value;",
            serde_json::json!(null),
        )
        .await?;
    assert_eq!(value, serde_json::json!(format!("hi @{bob} ")));
    a.type_into("#composer", &format!("look at this{ENTER}"))
        .await?;
    let text = format!("hi @{bob} look at this");
    wait_message(&a, &text).await?;

    // Bob has not opened the group: a mention badge on it; Bea (not mentioned) has none.
    b.click("#tab-chats").await?;
    b.wait_present(".chat-item .mention-badge").await?;
    c.click("#tab-chats").await?;
    c.wait_text(".chat-item .chat-title", &group).await?;
    c.wait_present(".chat-item .badge").await?;
    assert_eq!(c.count(".chat-item .mention-badge").await?, 0);
    b.screenshot("mention-badge").await?;

    b.click(".chat-item").await?;
    wait_message(&b, &text).await?;
    assert_eq!(
        b.texts("#messages .msg.mentions-me .mention-me").await?,
        [format!("@{bob}")]
    );
    b.wait_gone(".chat-item .mention-badge").await?;
    b.screenshot("mention-highlight").await?;
    // Bea sees the message, without the mark.
    c.click(".chat-item").await?;
    wait_message(&c, &text).await?;
    assert_eq!(c.count("#messages .msg.mentions-me").await?, 0);
    a.quit().await?;
    b.quit().await?;
    c.quit().await?;
    drop(server);
    Ok(())
}
