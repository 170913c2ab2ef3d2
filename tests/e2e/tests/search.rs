//! Message search: the sidebar's box finds messages in every chat (case-insensitively, with the
//! match marked), "More" brings the next page, and a result opens its chat at that message,
//! loading the history back to it; the conversation's own search looks in that chat only.

use chat_e2e::flows::{Remember, add_contact, open_direct, send, sign_up, wait_message};
use chat_e2e::{Browser, ChromeDriver, Result, Server, TempDir, unique_suffix};

const COUNT: usize = 45;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_pages_highlights_and_opens_results() -> Result<()> {
    let data = TempDir::new("data");
    let server = Server::start(data.path(), 0);
    let base = server.url();
    let chromedriver = ChromeDriver::start();
    let run = unique_suffix();
    let (alice, bob) = (format!("alice_{run}"), format!("bob_{run}"));
    let a = Browser::open(&chromedriver, "search-alice", 1100, 760).await?;
    sign_up(&a, &base, &alice, Remember::Yes).await?;
    let b = Browser::open(&chromedriver, "search-bob", 1100, 760).await?;
    sign_up(&b, &base, &bob, Remember::No).await?;
    b.quit().await?;
    add_contact(&a, &bob).await?;
    open_direct(&a, &bob).await?;
    for i in 1..=COUNT {
        send(&a, &format!("Needle number {i}")).await?;
    }
    send(&a, "nothing to find here").await?;
    wait_message(&a, "nothing to find here").await?;
    a.reload().await?;
    a.wait_text("#conn-status", "online").await?;

    a.type_into("#global-search", "NEEDLE").await?;
    a.wait_present(".msg-search-result").await?;
    a.wait_for("a first page", || async {
        Ok((a.count(".msg-search-result").await? == 20).then_some(()))
    })
    .await?;
    let first = a.texts(".msg-search-result .search-text").await?;
    assert_eq!(first[0], format!("Needle number {COUNT}"), "newest first");
    let marks = a.texts(".msg-search-result mark").await?;
    assert!(
        marks.iter().all(|m| m == "Needle"),
        "the match is marked: {marks:?}"
    );
    assert_eq!(marks.len(), 20);
    a.screenshot("search-results").await?;
    a.click(".search-more").await?;
    a.wait_for("a second page", || async {
        Ok((a.count(".msg-search-result").await? == 40).then_some(()))
    })
    .await?;
    a.click(".search-more").await?;
    a.wait_for("all of them", || async {
        Ok((a.count(".msg-search-result").await? == COUNT).then_some(()))
    })
    .await?;
    assert_eq!(
        a.count(".search-more").await?,
        0,
        "no More after the last page"
    );

    // The oldest result is not loaded in the chat; opening it loads back to it.
    a.js(
        "Array.from(document.querySelectorAll('.msg-search-result'))
           .find(r => r.querySelector('.search-text').textContent === 'Needle number 2')
           .click();",
        serde_json::json!(null),
    )
    .await?;
    a.wait_present("#messages .msg.flash[data-seq=\"2\"]")
        .await?;
    let flashed = a.text("#messages .msg.flash .msg-text").await?;
    assert_eq!(flashed.as_deref(), Some("Needle number 2"));

    // Within the chat, from the header; fewer than 2 characters asks nothing.
    a.js(
        "const i = document.getElementById('global-search'); i.value = '';
         i.dispatchEvent(new Event('input', { bubbles: true }));",
        serde_json::json!(null),
    )
    .await?;
    a.click("#search-toggle").await?;
    a.type_into("#chat-search", "f").await?;
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    assert_eq!(a.count(".conv-search .msg-search-result").await?, 0);
    a.type_into("#chat-search", "ind").await?;
    a.wait_for("one result in the chat", || async {
        Ok((a.count(".conv-search .msg-search-result").await? == 1).then_some(()))
    })
    .await?;
    assert_eq!(
        a.texts(".conv-search .msg-search-result mark").await?,
        ["find"]
    );
    a.screenshot("search-in-chat").await?;
    a.quit().await?;
    drop(server);
    Ok(())
}
