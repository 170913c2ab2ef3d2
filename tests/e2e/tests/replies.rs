//! Replies: "Reply" puts the message in a bar above the composer (Escape cancels it); the sent
//! reply quotes the original, and clicking the quote loads older history until the original is
//! there, scrolls to it and highlights it.

use chat_e2e::flows::{
    Remember, add_contact, click_in_message, open_direct, send, sign_up, wait_message,
};
use chat_e2e::keys::ENTER;
use chat_e2e::{Browser, ChromeDriver, Result, Server, TempDir, unique_suffix};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_quotes_the_original_and_leads_back_to_it() -> Result<()> {
    let data = TempDir::new("data");
    let server = Server::start(data.path(), 0);
    let base = server.url();
    let chromedriver = ChromeDriver::start();
    let run = unique_suffix();
    let (alice, bob) = (format!("alice_{run}"), format!("bob_{run}"));
    let a = Browser::open(&chromedriver, "reply-alice", 1100, 760).await?;
    let b = Browser::open(&chromedriver, "reply-bob", 1100, 760).await?;
    sign_up(&a, &base, &alice, Remember::Yes).await?;
    sign_up(&b, &base, &bob, Remember::No).await?;
    add_contact(&a, &bob).await?;
    open_direct(&a, &bob).await?;
    send(&a, "the original question").await?;
    wait_message(&a, "the original question").await?;
    for i in 1..=30 {
        send(&a, &format!("filler {i}")).await?;
    }
    wait_message(&a, "filler 30").await?;

    b.click("#tab-chats").await?;
    b.click(".chat-item").await?;
    wait_message(&b, "the original question").await?;

    // Reply, then cancel with Escape; reply again and send.
    click_in_message(&b, "the original question", ".reply-message").await?;
    b.wait_text("#reply-bar", &format!("Replying to {alice}"))
        .await?;
    b.wait_text("#reply-bar", "the original question").await?;
    b.type_into("#composer", "\u{E00C}").await?; // Escape
    b.wait_gone("#reply-bar").await?;
    click_in_message(&b, "the original question", ".reply-message").await?;
    b.wait_present("#reply-bar").await?;
    b.type_into("#composer", &format!("here is the answer{ENTER}"))
        .await?;
    b.wait_gone("#reply-bar").await?;
    wait_message(&b, "here is the answer").await?;

    // Alice sees the quote; after a reload only the newest page is loaded, without the original.
    wait_message(&a, "here is the answer").await?;
    a.reload().await?;
    a.wait_text("#conn-status", "online").await?;
    wait_message(&a, "here is the answer").await?;
    let quote = a
        .js(
            "const m = Array.from(document.querySelectorAll('#messages .msg'))
               .find(m => m.querySelector('.msg-text')?.textContent === 'here is the answer');
             const q = m && m.querySelector('.reply-quote');
             return q ? [q.querySelector('.reply-quote-sender').textContent,
                         q.querySelector('.reply-quote-text').textContent,
                         q.dataset.replySeq] : null;",
            serde_json::json!(null),
        )
        .await?;
    assert_eq!(
        quote,
        serde_json::json!([alice, "the original question", "1"]),
        "the quote names the original's sender and text"
    );
    assert_eq!(
        a.count("#messages .msg[data-seq=\"1\"]").await?,
        0,
        "the original is not loaded before the click"
    );
    a.click("#messages .reply-quote").await?;
    a.wait_present("#messages .msg.flash[data-seq=\"1\"]")
        .await?;
    let in_view = a
        .js(
            "const list = document.getElementById('messages').getBoundingClientRect();
             const m = document.querySelector('#messages .msg[data-seq=\"1\"]').getBoundingClientRect();
             return m.top >= list.top - 1 && m.bottom <= list.bottom + 1;",
            serde_json::json!(null),
        )
        .await?;
    assert_eq!(
        in_view,
        serde_json::json!(true),
        "the original is scrolled into view"
    );
    a.screenshot("reply-jump").await?;
    b.screenshot("reply-sent").await?;
    // The highlight goes away.
    a.wait_gone("#messages .msg.flash").await?;
    // Alice deletes the original: Bob's quote says so at once.
    click_in_message(&a, "the original question", ".delete-message").await?;
    a.click(".confirm-delete").await?;
    b.wait_text(
        "#messages .reply-quote.deleted .reply-quote-text",
        "deleted message",
    )
    .await?;
    a.quit().await?;
    b.quit().await?;
    drop(server);
    Ok(())
}
