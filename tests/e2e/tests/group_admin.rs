//! Running a group from its details panel (issue 12 item 7, issue 16 item 3): any member
//! renames it and everyone sees the new name live; only admins see the controls to remove
//! members, appoint admins, make it public and choose how long messages are kept (the others
//! are told the period); an appointed admin can remove someone, who loses the chat at once.

use chat_e2e::flows::{Remember, add_contact, create_group, open_chat, sign_up};
use chat_e2e::{Browser, ChromeDriver, Result, Server, TempDir, unique_suffix};
use serde_json::json;

/// Sets the value of the form control `css` as typing or picking would (with the event).
async fn set_value(b: &Browser, css: &str, value: &str, event: &str) -> Result<()> {
    b.js(
        "const [css, value, event] = arguments[0];
         const el = document.querySelector(css);
         el.value = value;
         el.dispatchEvent(new Event(event, {bubbles: true}));",
        json!([css, value, event]),
    )
    .await?;
    Ok(())
}

async fn member_count(b: &Browser) -> Result<usize> {
    b.count("#member-list .member").await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admins_run_the_group_and_anyone_can_rename_it() -> Result<()> {
    let data = TempDir::new("data");
    let server = Server::start(data.path(), 0);
    let base = server.url();
    let chromedriver = ChromeDriver::start();
    let run = unique_suffix();
    let (amy, ben, cal) = (
        format!("amy_{run}"),
        format!("ben_{run}"),
        format!("cal_{run}"),
    );
    let a = Browser::open(&chromedriver, "amy", 1100, 760).await?;
    let b = Browser::open(&chromedriver, "ben", 1100, 760).await?;
    let c = Browser::open(&chromedriver, "cal", 1100, 760).await?;
    sign_up(&a, &base, &amy, Remember::No).await?;
    sign_up(&b, &base, &ben, Remember::No).await?;
    sign_up(&c, &base, &cal, Remember::No).await?;
    add_contact(&a, &ben).await?;
    add_contact(&a, &cal).await?;
    create_group(&a, "team", false).await?;
    open_chat(&b, "team").await?;
    open_chat(&c, "team").await?;

    // The creator is the admin: her panel has the controls, Ben's does not.
    a.click("#members-toggle").await?;
    a.wait_text(
        &format!(".member[data-username=\"{amy}\"] .admin-badge"),
        "admin",
    )
    .await?;
    assert_eq!(a.count(".remove-member").await?, 2);
    a.wait_present("#group-retention").await?;
    b.click("#members-toggle").await?;
    b.wait_present("#group-rename").await?;
    assert_eq!(b.count(".remove-member").await?, 0);
    assert_eq!(b.count(".toggle-admin").await?, 0);
    assert_eq!(b.count("#group-retention").await?, 0);
    let public_disabled = b
        .js(
            "return document.querySelector('#chat-public').disabled;",
            json!(null),
        )
        .await?;
    assert_eq!(public_disabled, json!(true));
    b.screenshot("40-group-member-view").await?;

    // Any member renames it; everyone sees the new name.
    set_value(&b, "#group-rename", "core team", "input").await?;
    b.click("#rename-group").await?;
    a.wait_text("#conv-title", "core team").await?;
    c.wait_text("#conv-title", "core team").await?;
    b.wait_text(".chat-item .chat-title", "core team").await?;
    // ...and the history says who did it, in everyone's words.
    a.wait_text(
        "#messages .system-line",
        &format!("{ben} renamed the group to “core team”"),
    )
    .await?;
    b.wait_text(
        "#messages .system-line",
        "You renamed the group to “core team”",
    )
    .await?;

    // The admin keeps messages for 30 days; Ben is told.
    set_value(&a, "#group-retention", "30", "change").await?;
    b.wait_text("#retention-note", "Messages are kept for 30 days.")
        .await?;

    // Amy makes Ben an admin: his panel grows the controls; he removes Cal.
    a.click(&format!(".member[data-username=\"{ben}\"] .toggle-admin"))
        .await?;
    b.wait_text(
        &format!(".member[data-username=\"{ben}\"] .admin-badge"),
        "admin",
    )
    .await?;
    b.wait_present(&format!(".member[data-username=\"{cal}\"] .remove-member"))
        .await?;
    b.screenshot("41-group-admin-view").await?;
    b.click(&format!(".member[data-username=\"{cal}\"] .remove-member"))
        .await?;
    b.click(".confirm-remove").await?;
    a.wait_for("two members left", || async {
        Ok((member_count(&a).await? == 2).then_some(()))
    })
    .await?;
    a.wait_text("#messages .system-line", &format!("{ben} removed {cal}"))
        .await?;
    // Cal loses the chat at once.
    c.wait_for("the group gone from Cal's list", || async {
        let titles = c.texts(".chat-item .chat-title").await?;
        Ok((!titles.iter().any(|t| t == "core team")).then_some(()))
    })
    .await?;
    c.wait_gone("#composer").await?;

    for browser in [a, b, c] {
        browser.quit().await?;
    }
    drop(server);
    Ok(())
}
