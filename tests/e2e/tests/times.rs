//! Times as the person's locale writes them: 12-hour for en-US, 24-hour for en-GB, the full
//! date on hover; one sender's messages in one minute grouped; avatar initials made of letters
//! (usernames here end in a hex suffix, so digits are right there to be picked wrongly).

use chat_e2e::flows::{Remember, add_contact, open_direct, send, sign_up, wait_message};
use chat_e2e::{Browser, ChromeDriver, Result, Server, TempDir, unique_suffix};

/// Each message's shown time, its hover title, and whether it is grouped, top to bottom.
async fn stamps(b: &Browser) -> Result<Vec<(String, String, bool)>> {
    let v = b
        .js(
            "return Array.from(document.querySelectorAll('#messages .msg[data-seq]')).map(m => {
               const t = m.querySelector('time');
               return [t.textContent, t.getAttribute('title') || '', m.classList.contains('grouped')];
             });",
            serde_json::json!(null),
        )
        .await?;
    Ok(serde_json::from_value(v)?)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn times_follow_the_locale_and_messages_group() -> Result<()> {
    let data = TempDir::new("data");
    let server = Server::start(data.path(), 0);
    let base = server.url();
    let chromedriver = ChromeDriver::start();
    let run = unique_suffix();
    let (alice, bob) = (format!("alice_{run}"), format!("bob_{run}"));
    let a = Browser::open(&chromedriver, "times-alice", 1100, 760).await?;
    let b = Browser::open(&chromedriver, "times-bob", 1100, 760).await?;
    // Bob's browser speaks British English (the harness starts every browser as en-US).
    b.driver
        .cdp()
        .send_raw(
            "Emulation.setLocaleOverride",
            serde_json::json!({ "locale": "en-GB" }),
        )
        .await?;
    sign_up(&a, &base, &alice, Remember::No).await?;
    sign_up(&b, &base, &bob, Remember::No).await?;
    add_contact(&a, &bob).await?;
    open_direct(&a, &bob).await?;
    for text in ["one", "two", "three"] {
        send(&a, text).await?;
    }
    wait_message(&a, "three").await?;
    b.click("#tab-chats").await?;
    b.click(".chat-item").await?;
    wait_message(&b, "three").await?;

    let twelve = |s: &str| {
        let (clock, half) = s.split_once(' ').unwrap_or((s, ""));
        matches!(half, "AM" | "PM")
            && clock.split_once(':').is_some_and(|(h, m)| {
                h.parse::<u8>().is_ok_and(|h| (1..=12).contains(&h)) && m.len() == 2
            })
    };
    let twenty_four = |s: &str| {
        s.len() == 5
            && s.split_once(':').is_some_and(|(h, m)| {
                h.parse::<u8>().is_ok_and(|h| h < 24) && m.parse::<u8>().is_ok_and(|m| m < 60)
            })
    };
    let a_stamps = stamps(&a).await?;
    let b_stamps = stamps(&b).await?;
    assert_eq!(a_stamps.len(), 3, "{a_stamps:?}");
    for (shown, title, _) in &a_stamps {
        assert!(twelve(shown), "en-US shows a 12-hour time: {shown:?}");
        assert!(
            title.contains("20") && title.contains(','),
            "a full date on hover: {title:?}"
        );
    }
    for (shown, title, _) in &b_stamps {
        assert!(twenty_four(shown), "en-GB shows a 24-hour time: {shown:?}");
        assert!(!title.is_empty());
    }
    // One sender, sent within a second: grouped under the first (a minute may turn between
    // two of them, never between both pairs).
    assert!(
        !a_stamps[0].2,
        "the first message starts the group: {a_stamps:?}"
    );
    assert!(
        a_stamps[1].2 || a_stamps[2].2,
        "no message was grouped: {a_stamps:?}"
    );

    // Initials from letters: "bob_<hex>" never shows a digit.
    let initials = a.texts(".chat-item .avatar, .conv-head .avatar").await?;
    assert!(!initials.is_empty());
    for text in &initials {
        let letters: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        assert!(
            !letters.is_empty() && letters.chars().all(char::is_alphabetic),
            "avatar initials {letters:?}"
        );
    }
    a.screenshot("times-en-us").await?;
    b.screenshot("times-en-gb").await?;
    a.quit().await?;
    b.quit().await?;
    drop(server);
    Ok(())
}
