//! Links in messages: http, https, www. and mailto addresses become links that open in a new
//! tab with `rel="noopener noreferrer"`; other schemes and HTML stay text.

use chat_e2e::flows::{Remember, add_contact, open_direct, send, sign_up, wait_message};
use chat_e2e::{Browser, ChromeDriver, Result, Server, TempDir, unique_suffix};

const TEXT: &str = "see https://example.com/path?q=1, www.rust-lang.org and mailto:a@b.co \
                    but not javascript:alert(1), data:text/html,hi or <b>this</b>";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn addresses_in_messages_are_links_and_nothing_else_is() -> Result<()> {
    let data = TempDir::new("data");
    let server = Server::start(data.path(), 0);
    let base = server.url();
    let chromedriver = ChromeDriver::start();
    let run = unique_suffix();
    let (alice, bob) = (format!("alice_{run}"), format!("bob_{run}"));
    let a = Browser::open(&chromedriver, "links-alice", 1100, 760).await?;
    let b = Browser::open(&chromedriver, "links-bob", 1100, 760).await?;
    sign_up(&a, &base, &alice, Remember::No).await?;
    sign_up(&b, &base, &bob, Remember::No).await?;
    add_contact(&a, &bob).await?;
    open_direct(&a, &bob).await?;
    send(&a, TEXT).await?;
    wait_message(&a, TEXT).await?;

    b.click("#tab-chats").await?;
    b.click(".chat-item").await?;
    wait_message(&b, TEXT).await?;
    for who in [&a, &b] {
        let links = who
            .js(
                "return Array.from(document.querySelectorAll('#messages .msg-text a'))
                   .map(a => ({ text: a.textContent, href: a.getAttribute('href'),
                                rel: a.getAttribute('rel'), target: a.getAttribute('target') }));",
                serde_json::json!(null),
            )
            .await?;
        let want = serde_json::json!([
            { "text": "https://example.com/path?q=1", "href": "https://example.com/path?q=1",
              "rel": "noopener noreferrer", "target": "_blank" },
            { "text": "www.rust-lang.org", "href": "https://www.rust-lang.org",
              "rel": "noopener noreferrer", "target": "_blank" },
            { "text": "mailto:a@b.co", "href": "mailto:a@b.co",
              "rel": "noopener noreferrer", "target": "_blank" },
        ]);
        assert_eq!(links, want, "exactly these links, in order");
    }
    // HTML in the text is shown as typed (the message reads exactly as sent, checked above).
    assert_eq!(b.count("#messages .msg-text b").await?, 0);
    b.screenshot("links").await?;
    a.quit().await?;
    b.quit().await?;
    drop(server);
    Ok(())
}
