//! Message actions on a touch screen (issue 12 item 2): with no hover, a message shows no
//! actions and keeps no room for them until a long press (or a tap on the bubble) opens them;
//! another tap closes them, and the opened actions work. A mouse keeps its context menu.

use chat_e2e::flows::{Remember, add_contact, open_direct, send, sign_up, wait_message};
use chat_e2e::{Browser, ChromeDriver, Result, Server, TempDir, unique_suffix};
use serde_json::{Value, json};

/// Fires `contextmenu` (what a long press fires) on the bubble of the message reading `text`;
/// true if the page took it over (prevented the browser's menu).
async fn long_press(b: &Browser, text: &str) -> Result<bool> {
    let taken = b
        .js(
            "const msg = Array.from(document.querySelectorAll('#messages .msg'))
               .find(m => m.querySelector('.msg-text')?.textContent === arguments[0]);
             const ev = new MouseEvent('contextmenu', {bubbles: true, cancelable: true});
             msg.querySelector('.bubble').dispatchEvent(ev);
             return ev.defaultPrevented;",
            json!(text),
        )
        .await?;
    Ok(taken == json!(true))
}

/// How the actions of the message reading `text` are laid out: `display` and height in px.
async fn actions_box(b: &Browser, text: &str) -> Result<(String, f64)> {
    let v: Value = b
        .js(
            "const msg = Array.from(document.querySelectorAll('#messages .msg'))
               .find(m => m.querySelector('.msg-text')?.textContent === arguments[0]);
             const a = msg.querySelector('.msg-actions');
             return [getComputedStyle(a).display, a.getBoundingClientRect().height];",
            json!(text),
        )
        .await?;
    Ok((
        v[0].as_str().unwrap_or_default().to_owned(),
        v[1].as_f64().unwrap_or(-1.0),
    ))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn touch_screens_open_message_actions_with_a_long_press() -> Result<()> {
    let data = TempDir::new("data");
    let server = Server::start(data.path(), 0);
    let base = server.url();
    let chromedriver = ChromeDriver::start();
    let run = unique_suffix();
    let (pia, quin) = (format!("pia_{run}"), format!("quin_{run}"));
    let other = Browser::open(&chromedriver, "quin", 1100, 760).await?;
    sign_up(&other, &base, &quin, Remember::No).await?;
    let b = Browser::open(&chromedriver, "pia-phone", 390, 844).await?;
    sign_up(&b, &base, &pia, Remember::No).await?;
    add_contact(&b, &quin).await?;
    open_direct(&b, &quin).await?;
    send(&b, "touch me").await?;
    wait_message(&b, "touch me").await?;

    // A mouse: the actions are laid out (shown on hover) and the context menu is the browser's.
    assert!(
        !long_press(&b, "touch me").await?,
        "a mouse's menu was taken"
    );
    assert_eq!(actions_box(&b, "touch me").await?.0, "flex");

    b.emulate_touch_screen().await?;
    let touch = b
        .js(
            "return matchMedia('(hover: none) and (pointer: coarse)').matches;",
            json!(null),
        )
        .await?;
    assert_eq!(touch, json!(true), "touch emulation did not take");
    // No actions and no room kept for them.
    let (display, height) = actions_box(&b, "touch me").await?;
    assert_eq!((display.as_str(), height), ("none", 0.0));
    b.screenshot("50-touch-closed").await?;

    // A long press opens them (and the browser's menu does not show); a tap closes them.
    assert!(long_press(&b, "touch me").await?);
    assert_eq!(actions_box(&b, "touch me").await?.0, "flex");
    b.screenshot("51-touch-open").await?;
    b.click("#messages .msg.mine .msg-text").await?;
    b.wait_for("actions closed by a tap", || async {
        Ok((actions_box(&b, "touch me").await?.0 == "none").then_some(()))
    })
    .await?;

    // A tap opens them too, and they work.
    b.click("#messages .msg.mine .msg-text").await?;
    b.wait_for("actions opened by a tap", || async {
        Ok((actions_box(&b, "touch me").await?.0 == "flex").then_some(()))
    })
    .await?;
    b.click("#messages .msg.mine .edit-message").await?;
    b.wait_present(".edit-input").await?;

    b.quit().await?;
    other.quit().await?;
    drop(server);
    Ok(())
}
