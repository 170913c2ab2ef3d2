//! Writing to someone found in the people search, without adding them as a contact first: the
//! search result has a "Message" button that opens the direct chat (issue 12 item 7, its last
//! part).

use chat_e2e::flows::{Remember, send, sign_up, wait_message};
use chat_e2e::{Browser, ChromeDriver, Result, Server, TempDir, unique_suffix};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn message_someone_straight_from_the_search() -> Result<()> {
    let data = TempDir::new("data");
    let server = Server::start(data.path(), 0);
    let base = server.url();
    let chromedriver = ChromeDriver::start();
    let run = unique_suffix();
    let (alice, bob) = (format!("alice_{run}"), format!("bob_{run}"));
    let a = Browser::open(&chromedriver, "search-alice", 1100, 760).await?;
    let b = Browser::open(&chromedriver, "search-bob", 1100, 760).await?;
    sign_up(&a, &base, &alice, Remember::No).await?;
    sign_up(&b, &base, &bob, Remember::No).await?;

    a.click("#tab-contacts").await?;
    a.type_into("#people-search", &bob).await?;
    a.click(&format!(
        ".search-result[data-username=\"{bob}\"] .message-user"
    ))
    .await?;
    a.wait_text("#conv-title", &bob).await?;
    assert_eq!(
        a.count(&format!(".contact[data-username=\"{bob}\"]"))
            .await?,
        0,
        "messaging someone does not add them as a contact"
    );
    send(&a, "found you in the search").await?;
    wait_message(&a, "found you in the search").await?;
    b.click("#tab-chats").await?;
    b.click(".chat-item").await?;
    wait_message(&b, "found you in the search").await?;

    a.quit().await?;
    b.quit().await?;
    drop(server);
    Ok(())
}
