//! Accessibility: axe-core (vendored from npm, WCAG 2.0-2.2 A/AA rules) finds nothing on the
//! app's screens (sign-in, sign-up, conversation with mine, theirs, a link and a deleted
//! message, details, chats, contacts, new chat), in light and dark, at phone and desktop widths,
//! nor on an error inside my own bubble or a list with an unread badge.

use chat_e2e::flows::{
    Remember, add_contact, open_direct, send, set_page_hidden, sign_up, wait_message,
};
use chat_e2e::{Browser, ChromeDriver, Result, Server, TempDir, unique_suffix};

/// Collects axe's violations on the current screen under `label`.
async fn check(b: &Browser, label: &str, found: &mut Vec<String>) -> Result<()> {
    for v in b.axe().await? {
        found.push(format!("{label}: {v}"));
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_axe_violations_on_any_screen() -> Result<()> {
    let data = TempDir::new("data");
    let server = Server::start(data.path(), 0);
    let base = server.url();
    let chromedriver = ChromeDriver::start();
    let run = unique_suffix();
    let (alice, bob) = (format!("alice_{run}"), format!("bob_{run}"));
    let b = Browser::open(&chromedriver, "a11y-bob", 1280, 800).await?;
    sign_up(&b, &base, &bob, Remember::No).await?;
    let a = Browser::open(&chromedriver, "a11y-alice", 1280, 800).await?;
    let mut found = Vec::new();
    for scheme in ["light", "dark"] {
        a.emulate_color_scheme(scheme).await?;
        for width in [390, 1280] {
            a.driver.set_window_rect(0, 0, width, 800).await?;
            a.goto(&base).await?;
            a.wait_present("#auth-username").await?;
            check(&a, &format!("{scheme} {width} sign-in"), &mut found).await?;
            a.click("#auth-tab-signup").await?;
            check(&a, &format!("{scheme} {width} sign-up"), &mut found).await?;
        }
    }
    a.driver.set_window_rect(0, 0, 1280, 800).await?;
    sign_up(&a, &base, &alice, Remember::Yes).await?;
    add_contact(&a, &bob).await?;
    open_direct(&a, &bob).await?;
    send(&a, "hello https://example.com").await?;
    wait_message(&a, "hello https://example.com").await?;
    // Someone else's message, a deleted one, and an unread badge in Bob's list.
    b.click("#tab-chats").await?;
    b.click(".chat-item").await?;
    send(&b, "hi from bob").await?;
    wait_message(&a, "hi from bob").await?;
    send(&a, "to delete").await?;
    wait_message(&a, "to delete").await?;
    // The stored message, not its pending bubble (which the echo replaces, taking an open
    // confirmation with it).
    a.wait_for("the stored message", || async {
        let clicked = a
            .js(
                "const m = Array.from(document.querySelectorAll('#messages .msg.mine:not(.pending)'))
                   .find(m => m.querySelector('.msg-text').textContent === 'to delete');
                 if (!m) return false;
                 m.querySelector('.delete-message').click();
                 return true;",
                serde_json::json!(null),
            )
            .await?;
        Ok((clicked == serde_json::json!(true)).then_some(()))
    })
    .await?;
    a.click(".confirm-delete").await?;
    a.wait_present(".msg.deleted").await?;
    for scheme in ["light", "dark"] {
        a.emulate_color_scheme(scheme).await?;
        for width in [390, 1280] {
            a.driver.set_window_rect(0, 0, width, 800).await?;
            a.wait_present("#composer").await?;
            check(&a, &format!("{scheme} {width} conversation"), &mut found).await?;
            a.click("#members-toggle").await?;
            a.wait_present("#members-panel").await?;
            check(&a, &format!("{scheme} {width} details"), &mut found).await?;
            a.click("#members-panel .icon-button").await?;
            if width < 700 {
                a.click(".back").await?;
            }
            a.click("#tab-chats").await?;
            check(&a, &format!("{scheme} {width} chats"), &mut found).await?;
            a.click("#tab-contacts").await?;
            check(&a, &format!("{scheme} {width} contacts"), &mut found).await?;
            a.click("#tab-new").await?;
            check(&a, &format!("{scheme} {width} new chat"), &mut found).await?;
            a.click("#open-account").await?;
            a.wait_present("#session-list .session").await?;
            check(&a, &format!("{scheme} {width} account"), &mut found).await?;
            a.click("#tab-chats").await?;
            a.click(".chat-item").await?;
        }
    }
    // An error inside my own bubble (editing to nothing).
    a.js(
        "const m = Array.from(document.querySelectorAll('#messages .msg.mine'))
           .find(m => m.querySelector('.msg-text')?.textContent.startsWith('hello'));
         m.querySelector('.edit-message').click();",
        serde_json::json!(null),
    )
    .await?;
    a.wait_present(".edit-input").await?;
    let edit = a.driver.find(thirtyfour::By::Css(".edit-input")).await?;
    // Ctrl+A, Backspace (real keys, so the app sees the input), then Enter.
    edit.send_keys("\u{E009}a\u{E000}\u{E003}\u{E007}").await?;
    a.wait_text(".edit-box .form-error", "must not be empty")
        .await?;
    for scheme in ["light", "dark"] {
        a.emulate_color_scheme(scheme).await?;
        check(&a, &format!("{scheme} edit error"), &mut found).await?;
    }
    a.screenshot("a11y-edit-error").await?;
    // Bob's list with an unread badge (his page in the background, so nothing is read).
    set_page_hidden(&b, true).await?;
    send(&a, "unread for bob").await?;
    b.wait_present(".chat-item .badge").await?;
    check(&b, "light 1280 unread chats", &mut found).await?;

    assert!(found.is_empty(), "axe found:\n{}", found.join("\n"));
    a.quit().await?;
    b.quit().await?;
    drop(server);
    Ok(())
}
