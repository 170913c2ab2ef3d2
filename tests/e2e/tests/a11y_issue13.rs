//! Accessibility of the issue 13 screens: axe-core finds nothing on a conversation with
//! formatting, a reply, reactions and a mention, with the emoji picker, the reply bar and the
//! mention list open, on search results, the rooms directory and a group's sharing settings, in
//! light and dark, at phone and desktop widths.

use chat_e2e::flows::{
    Remember, add_contact, click_in_message, create_group, open_emoji_picker, send, sign_up,
    wait_message,
};
use chat_e2e::keys::{ENTER, shift_enter};
use chat_e2e::{Browser, ChromeDriver, Result, Server, TempDir, unique_suffix};

async fn check(b: &Browser, label: &str, found: &mut Vec<String>) -> Result<()> {
    for scheme in ["light", "dark"] {
        b.emulate_color_scheme(scheme).await?;
        for v in b.axe().await? {
            found.push(format!("{scheme} {label}: {v}"));
        }
    }
    b.emulate_color_scheme("light").await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_axe_violations_on_the_new_screens() -> Result<()> {
    let data = TempDir::new("data");
    let server = Server::start(data.path(), 0);
    let base = server.url();
    let chromedriver = ChromeDriver::start();
    let run = unique_suffix();
    let (alice, bob) = (format!("alice_{run}"), format!("bob_{run}"));
    let b = Browser::open(&chromedriver, "a11y13-bob", 1280, 800).await?;
    sign_up(&b, &base, &bob, Remember::No).await?;
    let a = Browser::open(&chromedriver, "a11y13-alice", 1280, 800).await?;
    sign_up(&a, &base, &alice, Remember::No).await?;
    add_contact(&a, &bob).await?;
    let room = format!("Team {run}");
    create_group(&a, &room, true).await?;
    let nl = shift_enter();
    a.type_into(
        "#composer",
        &format!("**Plan** for _today_:{nl}{nl}- `build`{nl}- ship{nl}{nl}> see https://example.com{ENTER}"),
    )
    .await?;
    send(&a, &format!("ping @{bob} about search")).await?;
    b.click("#tab-chats").await?;
    b.click(".chat-item").await?;
    let ping = format!("ping @{bob} about search");
    wait_message(&b, &ping).await?;
    click_in_message(&b, &ping, ".reply-message").await?;
    b.type_into("#composer", &format!("on it{ENTER}")).await?;
    wait_message(&b, "on it").await?;
    open_emoji_picker(&b, &ping).await?;
    b.driver
        .active_element()
        .await?
        .send_keys(ENTER.to_string())
        .await?;
    b.wait_present("#messages .reaction").await?;
    a.wait_present("#messages .reaction").await?;

    let mut found = Vec::new();
    for width in [390, 1280] {
        b.driver.set_window_rect(0, 0, width, 800).await?;
        check(&b, &format!("{width} conversation"), &mut found).await?;
        click_in_message(&b, "on it", ".reply-message").await?;
        b.wait_present("#reply-bar").await?;
        b.type_into("#composer", "@").await?;
        b.wait_present("#mention-list").await?;
        check(
            &b,
            &format!("{width} reply bar and mention list"),
            &mut found,
        )
        .await?;
        b.screenshot(&format!("a11y13-reply-mention-{width}"))
            .await?;
        // Escape closes the list, then the reply; Ctrl+A and Backspace empty the box.
        b.type_into("#composer", "\u{E00C}\u{E00C}\u{E009}a\u{E000}\u{E003}")
            .await?;
        b.wait_gone("#reply-bar").await?;
        open_emoji_picker(&b, "on it").await?;
        check(&b, &format!("{width} emoji picker"), &mut found).await?;
        b.screenshot(&format!("a11y13-picker-{width}")).await?;
        b.driver
            .active_element()
            .await?
            .send_keys("\u{E00C}")
            .await?;
        b.wait_gone(".emoji-picker").await?;
    }
    for width in [390, 1280] {
        a.driver.set_window_rect(0, 0, width, 800).await?;
        if width == 390 {
            a.click(".back").await?;
        }
        a.click("#tab-chats").await?;
        a.type_into("#global-search", "search").await?;
        a.wait_present(".msg-search-result").await?;
        check(&a, &format!("{width} search results"), &mut found).await?;
        a.screenshot(&format!("a11y13-search-{width}")).await?;
        a.js(
            "const i = document.getElementById('global-search'); i.value = '';
             i.dispatchEvent(new Event('input', { bubbles: true }));",
            serde_json::json!(null),
        )
        .await?;
        a.click("#tab-rooms").await?;
        a.wait_present("#room-list .room").await?;
        check(&a, &format!("{width} rooms"), &mut found).await?;
        a.screenshot(&format!("a11y13-rooms-{width}")).await?;
        a.click("#room-list .join-room").await?;
        a.wait_text("#conv-title", &room).await?;
        a.click("#members-toggle").await?;
        a.wait_present("#create-invite").await?;
        a.click("#create-invite").await?;
        a.wait_present("#invite-list .invite").await?;
        check(&a, &format!("{width} sharing"), &mut found).await?;
        a.screenshot(&format!("a11y13-sharing-{width}")).await?;
        a.click("#invite-list .revoke-invite").await?;
        a.wait_gone("#invite-list .invite").await?;
        a.click("#members-toggle").await?;
    }
    assert!(found.is_empty(), "axe found:\n{}", found.join("\n"));
    a.quit().await?;
    b.quit().await?;
    drop(server);
    Ok(())
}
