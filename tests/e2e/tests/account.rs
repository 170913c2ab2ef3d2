//! The account panel (issue 16 item 4): change the password (wrong, mismatched and short ones
//! refused with a sentence; the other device is signed out; only the new password works), take
//! a copy of my data (the file offered holds my messages), and delete the account (a wrong
//! password refused; then the sign-in page says so, my message is gone for the other person,
//! and the account cannot sign in).

use chat_e2e::flows::{
    PASSWORD, Remember, add_contact, open_chat, open_direct, send, sign_in, sign_up, try_sign_in,
    wait_message,
};
use chat_e2e::{Browser, ChromeDriver, Result, Server, TempDir, unique_suffix};
use serde_json::{Value, json};

const NEW_PASSWORD: &str = "a much longer passphrase";

/// Fills the password form and submits it.
async fn change_password(b: &Browser, current: &str, new: &str, repeat: &str) -> Result<()> {
    for (field, text) in [
        ("#current-password", current),
        ("#new-password", new),
        ("#repeat-password", repeat),
    ] {
        b.js(
            "document.querySelector(arguments[0]).value = '';",
            json!(field),
        )
        .await?;
        b.type_into(field, text).await?;
    }
    b.click("#change-password").await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn password_export_and_deletion_work_from_the_account_panel() -> Result<()> {
    let data = TempDir::new("data");
    let server = Server::start(data.path(), 0);
    let base = server.url();
    let chromedriver = ChromeDriver::start();
    let ivy = format!("ivy_{}", unique_suffix());
    let jay = format!("jay_{}", unique_suffix());

    let laptop = Browser::open(&chromedriver, "ivy-laptop", 1100, 760).await?;
    let phone = Browser::open(&chromedriver, "ivy-phone", 390, 760).await?;
    let friend = Browser::open(&chromedriver, "jay", 1100, 760).await?;
    sign_up(&friend, &base, &jay, Remember::No).await?;
    sign_up(&laptop, &base, &ivy, Remember::No).await?;
    sign_in(&phone, &base, &ivy).await?;
    add_contact(&laptop, &jay).await?;
    open_direct(&laptop, &jay).await?;
    send(&laptop, "a message ivy wrote").await?;
    wait_message(&laptop, "a message ivy wrote").await?;
    open_chat(&friend, &ivy).await?;
    wait_message(&friend, "a message ivy wrote").await?;

    // Password: each refusal says why in a sentence, and nothing changes.
    laptop.click("#open-account").await?;
    laptop.wait_text("#account-heading", "Account").await?;
    change_password(&laptop, "not my password", NEW_PASSWORD, NEW_PASSWORD).await?;
    laptop
        .wait_text("#password-error", "not your current password")
        .await?;
    change_password(&laptop, PASSWORD, NEW_PASSWORD, "something else entirely").await?;
    laptop.wait_text("#password-error", "do not match").await?;
    change_password(&laptop, PASSWORD, "short", "short").await?;
    laptop
        .wait_text("#password-error", "8-128 characters")
        .await?;
    assert_eq!(laptop.text("#password-done").await?.as_deref(), Some(""));
    laptop.screenshot("30-account-password-refused").await?;

    change_password(&laptop, PASSWORD, NEW_PASSWORD, NEW_PASSWORD).await?;
    laptop
        .wait_text("#password-done", "Password changed")
        .await?;
    assert_eq!(laptop.text("#password-error").await?.as_deref(), Some(""));
    // The phone is signed out; this device goes on.
    phone.wait_present("#auth-username").await?;
    laptop.wait_text("#conn-status", "online").await?;
    try_sign_in(&phone, &base, &ivy, PASSWORD).await?;
    phone
        .wait_text("#auth-error", "Wrong username or password")
        .await?;
    try_sign_in(&phone, &base, &ivy, NEW_PASSWORD).await?;
    phone.wait_text("#conn-status", "online").await?;
    phone.click("#open-account").await?;
    phone.wait_present("#account-panel").await?;
    phone.screenshot("31-account-phone").await?;

    // A copy of my data: the file offered is the server's export, with my message in it.
    let downloads = TempDir::new("downloads");
    laptop.allow_downloads(downloads.path()).await?;
    laptop.click("#prepare-export").await?;
    laptop.wait_present("#download-export").await?;
    let label = laptop.text("#download-export").await?.unwrap_or_default();
    assert!(
        label.starts_with(&format!("Download chat-{ivy}.json (")),
        "the link names the file and its size: {label:?}"
    );
    laptop.click("#download-export").await?;
    let file = downloads.path().join(format!("chat-{ivy}.json"));
    let export: Value = laptop
        .wait_for("the downloaded file", || async {
            Ok(std::fs::read_to_string(&file)
                .ok()
                .and_then(|text| serde_json::from_str(&text).ok()))
        })
        .await?;
    assert_eq!(export["user"]["username"], json!(ivy));
    let texts: Vec<&str> = export["messages"]
        .as_array()
        .map(|m| m.iter().filter_map(|m| m["content"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(texts, ["a message ivy wrote"]);
    assert_eq!(export["contacts"][0]["username"], json!(jay));

    // Deleting: the wrong password is refused; the right one ends everything.
    laptop.type_into("#delete-password", PASSWORD).await?;
    laptop.click("#delete-account").await?;
    laptop
        .wait_text("#delete-error", "not your current password")
        .await?;
    laptop.screenshot("32-account-delete-refused").await?;
    laptop
        .js(
            "document.querySelector('#delete-password').value = '';",
            json!(null),
        )
        .await?;
    laptop.type_into("#delete-password", NEW_PASSWORD).await?;
    laptop.click("#delete-account").await?;
    laptop.wait_present("#auth-username").await?;
    laptop
        .wait_text(".auth-note", "Your account was deleted")
        .await?;
    phone.wait_present("#auth-username").await?;
    // Jay's open chat shows the message as deleted.
    friend
        .wait_text(".msg.deleted .msg-deleted", "This message was deleted")
        .await?;
    try_sign_in(&laptop, &base, &ivy, NEW_PASSWORD).await?;
    laptop
        .wait_text("#auth-error", "Wrong username or password")
        .await?;

    for b in [laptop, phone, friend] {
        b.quit().await?;
    }
    drop(server);
    Ok(())
}
