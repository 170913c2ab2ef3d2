//! The devices screen: two browsers signed in as one person; from one, sign the other out (its
//! list updates, the other lands on the sign-in page with a calm word), then sign in there again
//! and use "sign out all other devices".

use chat_e2e::flows::{Remember, sign_in, sign_up};
use chat_e2e::{Browser, ChromeDriver, Result, Server, TempDir, unique_suffix};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn devices_are_listed_and_others_can_be_signed_out() -> Result<()> {
    let data = TempDir::new("data");
    let server = Server::start(data.path(), 0);
    let base = server.url();
    let chromedriver = ChromeDriver::start();
    let hana = format!("hana_{}", unique_suffix());

    let laptop = Browser::open(&chromedriver, "hana-laptop", 1100, 760).await?;
    let phone = Browser::open(&chromedriver, "hana-phone", 1100, 760).await?;
    sign_up(&laptop, &base, &hana, Remember::No).await?;
    sign_in(&phone, &base, &hana).await?;

    // Both devices are listed, this one marked, with a readable name and times.
    laptop.click("#open-account").await?;
    laptop
        .wait_for("two sessions", || async {
            Ok((laptop.count("#session-list .session").await? == 2).then_some(()))
        })
        .await?;
    laptop
        .wait_text(".session.current .this-device", "This device")
        .await?;
    let devices = laptop.texts(".session-device").await?;
    assert!(
        devices.iter().all(|d| d == "Chrome on Linux"),
        "device names: {devices:?}"
    );
    laptop
        .wait_text(".session:not(.current) .session-times", "Last active")
        .await?;
    laptop.screenshot("20-devices").await?;

    // Sign the phone out from the laptop: the list shrinks, the phone is on the sign-in page.
    laptop.click(".session:not(.current) .end-session").await?;
    laptop
        .wait_for("one session left", || async {
            Ok((laptop.count("#session-list .session").await? == 1).then_some(()))
        })
        .await?;
    phone.wait_present("#auth-username").await?;
    phone.wait_text(".auth-note", "signed out").await?;
    phone.screenshot("21-signed-out-elsewhere").await?;

    // The phone signs in again; "sign out all other devices" (asks first) signs it out again.
    sign_in(&phone, &base, &hana).await?;
    laptop.click("#tab-chats").await?;
    laptop.click("#open-account").await?;
    laptop
        .wait_for("two sessions again", || async {
            Ok((laptop.count("#session-list .session").await? == 2).then_some(()))
        })
        .await?;
    laptop.click(".end-other-sessions").await?;
    laptop.click(".confirm-end-others").await?;
    laptop
        .wait_for("only this device", || async {
            Ok((laptop.count("#session-list .session").await? == 1
                && laptop.count("#session-list .session.current").await? == 1)
                .then_some(()))
        })
        .await?;
    phone.wait_present("#auth-username").await?;
    // The laptop is still signed in and working.
    laptop.wait_text("#conn-status", "online").await?;

    laptop.quit().await?;
    phone.quit().await?;
    drop(server);
    Ok(())
}
