//! Groups and history: create a group, page back through a long history with `before_seq`
//! (scrolling up), add a member by name (with a clear error for an unknown one), and leave
//! (after a confirmation, without a panic: the harness fails any test whose page panicked),
//! which the group's history then says in a system line.

use chat_e2e::flows::{Remember, add_contact, send, sign_up};
use chat_e2e::keys::ENTER;
use chat_e2e::{Browser, ChromeDriver, Result, Server, TempDir, unique_suffix};

const HISTORY: usize = 40;

/// The `data-seq` of every confirmed message shown, top to bottom.
async fn shown_seqs(b: &Browser) -> Result<Vec<i64>> {
    let v = b
        .js(
            "return Array.from(document.querySelectorAll('#messages .msg[data-seq]'))
               .map(m => Number(m.dataset.seq));",
            serde_json::json!(null),
        )
        .await?;
    Ok(serde_json::from_value(v)?)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn groups_paging_members_and_leaving() -> Result<()> {
    let data = TempDir::new("data");
    let server = Server::start(data.path(), 0);
    let base = server.url();
    let chromedriver = ChromeDriver::start();
    let run = unique_suffix();
    let (dana, eric) = (format!("dana_{run}"), format!("eric_{run}"));

    let d = Browser::open(&chromedriver, "dana", 1100, 760).await?;
    let e = Browser::open(&chromedriver, "eric", 1100, 760).await?;
    sign_up(&d, &base, &dana, Remember::No).await?;
    sign_up(&e, &base, &eric, Remember::Yes).await?;
    add_contact(&d, &eric).await?;

    // A group with a name and a picked contact.
    d.click("#tab-new").await?;
    d.type_into("#group-name", "Release crew").await?;
    d.click(".group-candidate input").await?;
    d.click("#create-group").await?;
    d.wait_text("#conv-title", "Release crew").await?;
    d.wait_text("#conv-subtitle", "2 members").await?;

    // Eric has the group open while the history arrives, so he has read it all.
    e.wait_text(".chat-item .chat-title", "Release crew")
        .await?;
    e.click(".chat-item").await?;
    e.wait_text("#conv-title", "Release crew").await?;

    // A long history, sent one after the other.
    for i in 1..=HISTORY {
        send(&d, &format!("message {i}")).await?;
    }
    d.wait_for("every message confirmed", || async {
        let seqs = shown_seqs(&d).await?;
        Ok((seqs.len() == HISTORY && d.count(".msg.pending").await? == 0).then_some(()))
    })
    .await?;

    // After a reload Eric opens it again with nothing unread: only the latest page, then he
    // scrolls back. (With unread messages it would open at the first of them: read_state.rs.)
    e.wait_for("everything read", || async {
        Ok(
            (shown_seqs(&e).await?.len() == HISTORY && e.driver.title().await? == "Chat")
                .then_some(()),
        )
    })
    .await?;
    e.reload().await?;
    e.wait_text("#conn-status", "online").await?;
    e.wait_text(
        ".chat-item .chat-preview",
        &format!("{dana}: message {HISTORY}"),
    )
    .await?;
    e.click(".chat-item").await?;
    e.wait_for("the newest page", || async {
        Ok(shown_seqs(&e)
            .await?
            .last()
            .copied()
            .filter(|s| *s == HISTORY as i64))
    })
    .await?;
    let first_page = shown_seqs(&e).await?;
    assert!(
        first_page.len() < HISTORY,
        "the whole history was loaded at once: {first_page:?}"
    );
    e.screenshot("11-group").await?;
    e.wait_for("the beginning of the history", || async {
        e.js(
            "document.getElementById('messages').scrollTop = 0;",
            serde_json::json!(null),
        )
        .await?;
        Ok((e.count("#history-start").await? > 0).then_some(()))
    })
    .await?;
    let all = shown_seqs(&e).await?;
    let expected: Vec<i64> = (1..=HISTORY as i64).collect();
    assert_eq!(all, expected, "every message once, in order");

    // Events of one chat never show in another: Dana looks at her direct chat with Eric while
    // Eric writes in the group.
    d.click("#tab-contacts").await?;
    d.click(&format!(
        ".contact[data-username=\"{eric}\"] .message-contact"
    ))
    .await?;
    d.wait_text("#conv-title", &eric).await?;
    send(&e, "group only").await?;
    d.click("#tab-chats").await?;
    d.wait_text(".chat-item.unread .chat-preview", "group only")
        .await?;
    d.wait_for("the tab title to count the unread message", || async {
        let title = d.driver.title().await?;
        Ok((title == "(1) Chat").then_some(()))
    })
    .await?;
    let direct = d.texts("#messages .msg-text").await?;
    assert!(
        !direct
            .iter()
            .any(|t| t.contains("group only") || t.starts_with("message ")),
        "group messages leaked into the direct chat: {direct:?}"
    );
    assert_eq!(d.text("#conv-title").await?.as_deref(), Some(eric.as_str()));
    d.click(".chat-item.unread").await?;
    d.wait_text("#conv-title", "Release crew").await?;
    d.wait_text("#messages .msg-text", "group only").await?;
    d.wait_gone(".chat-item.unread").await?;

    // Adding an unknown person fails clearly; leaving removes the group from the list.
    e.click("#members-toggle").await?;
    e.wait_present(&format!("#member-list .member[data-username=\"{dana}\"]"))
        .await?;
    e.type_into("#add-member-input", &format!("nobody_{run}{ENTER}"))
        .await?;
    e.wait_text("#members-panel .form-error", "There is no user called")
        .await?;
    e.screenshot("12-members").await?;
    // Leaving asks first (only a member can add you back); Cancel keeps Eric in the group.
    e.click("#members-panel .leave-group").await?;
    e.wait_text("#members-panel .confirm-question", "Leave Release crew?")
        .await?;
    e.click("#members-panel .cancel-confirm").await?;
    e.wait_present("#members-panel .leave-group").await?;
    assert!(
        e.texts(".chat-item .chat-title")
            .await?
            .iter()
            .any(|t| t == "Release crew"),
        "cancelling left the group"
    );
    e.click("#members-panel .leave-group").await?;
    e.click("#members-panel .confirm-leave").await?;
    e.wait_for("the group to leave Eric's list", || async {
        let titles = e.texts(".chat-item .chat-title").await?;
        Ok((!titles.iter().any(|t| t == "Release crew")).then_some(()))
    })
    .await?;
    d.wait_text("#conv-subtitle", "1 member").await?;
    // The group's history says so, in place and without counting as unread (Dana is looking).
    d.wait_text("#messages .system-line", &format!("{eric} left"))
        .await?;
    d.wait_text(".chat-item .chat-preview", &format!("{eric} left"))
        .await?;
    assert_eq!(
        d.count(".chat-item.unread").await?,
        0,
        "a line is nothing to read"
    );

    // Removing a contact.
    d.click("#tab-contacts").await?;
    d.click(&format!(
        ".contact[data-username=\"{eric}\"] .remove-contact"
    ))
    .await?;
    d.wait_gone(&format!(".contact[data-username=\"{eric}\"]"))
        .await?;

    d.quit().await?;
    e.quit().await?;
    drop(server);
    Ok(())
}
