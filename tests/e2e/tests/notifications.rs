//! Browser notifications (issue 14 item 5): turned on from the account panel (the permission
//! is asked on that click), shown for direct messages and mentions in chats not on screen,
//! never for plain group chatter, the open chat, or a chat muted (kept by the server, so the
//! mute holds on every device); a click opens the chat; the
//! tab icon carries the unread count. Headless Chromium grants the permission through the
//! DevTools protocol and cannot draw notifications, so the page's `Notification` is wrapped to
//! record each one the app creates (the real constructor still runs).

use chat_e2e::flows::{
    Remember, add_contact, create_group, open_chat, open_direct, send, set_page_hidden, sign_up,
};
use chat_e2e::{Browser, ChromeDriver, Result, Server, TempDir, unique_suffix};
use serde_json::{Value, json};

const RECORDER: &str = "
  if (window.Notification) {
    const Real = window.Notification;
    window.__shown = [];
    window.Notification = class extends Real {
      constructor(title, options) {
        super(title, options);
        window.__shown.push({ title, body: options && options.body, tag: options && options.tag });
        (window.__made = window.__made || []).push(this);
      }
    };
  }
";

/// (title, body) of every notification the app made so far.
async fn shown(b: &Browser) -> Result<Vec<(String, String)>> {
    let v: Value = b
        .js(
            "return (window.__shown || []).map(n => [n.title, n.body]);",
            json!(null),
        )
        .await?;
    Ok(serde_json::from_value(v)?)
}

async fn wait_shown(b: &Browser, count: usize) -> Result<Vec<(String, String)>> {
    b.wait_for(&format!("{count} notifications"), || async {
        let list = shown(b).await?;
        Ok((list.len() >= count).then_some(list))
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn direct_messages_and_mentions_notify_when_not_on_screen() -> Result<()> {
    let data = TempDir::new("data");
    let server = Server::start(data.path(), 0);
    let base = server.url();
    let chromedriver = ChromeDriver::start();
    let run = unique_suffix();
    let (kim, lou) = (format!("kim_{run}"), format!("lou_{run}"));
    let k = Browser::open(&chromedriver, "kim", 1100, 760).await?;
    let l = Browser::open(&chromedriver, "lou", 1100, 760).await?;
    k.add_init_script(RECORDER).await?;
    k.driver
        .cdp()
        .send_raw(
            "Browser.grantPermissions",
            json!({ "origin": base, "permissions": ["notifications"] }),
        )
        .await?;
    sign_up(&k, &base, &kim, Remember::No).await?;
    sign_up(&l, &base, &lou, Remember::No).await?;
    add_contact(&l, &kim).await?;
    create_group(&l, "crew", false).await?;
    open_direct(&l, &kim).await?;

    // Off until turned on; turning on (a click) asks the browser, which allows it.
    send(&l, "before turning on").await?;
    k.wait_text(".chat-item .chat-title", &lou).await?;
    k.click("#open-account").await?;
    k.click("#notify-toggle").await?;
    k.wait_for("notifications on", || async {
        let on = k
            .js(
                "return document.querySelector('#notify-toggle').checked;",
                json!(null),
            )
            .await?;
        Ok((on == json!(true)).then_some(()))
    })
    .await?;
    assert_eq!(k.text("#notify-error").await?.as_deref(), Some(""));
    assert!(shown(&k).await?.is_empty(), "notified before it was on");

    // A direct message; then group chatter (nothing) and a mention (something).
    send(&l, "hello kim").await?;
    let list = wait_shown(&k, 1).await?;
    assert_eq!(list[0], (lou.clone(), "hello kim".to_owned()));
    open_chat(&l, "crew").await?;
    send(&l, "for everyone").await?;
    send(&l, &format!("@{kim} look here")).await?;
    let list = wait_shown(&k, 2).await?;
    assert_eq!(
        list[1],
        (format!("{lou} in crew"), format!("@{kim} look here"))
    );
    assert_eq!(list.len(), 2, "group chatter notified: {list:?}");

    // The tab icon carries the unread count.
    let icon = k
        .js(
            "return document.querySelector(\"link[rel~='icon']\").getAttribute('href');",
            json!(null),
        )
        .await?;
    assert!(
        icon.as_str()
            .is_some_and(|i| i.starts_with("data:image/svg+xml,")),
        "tab icon: {icon}"
    );

    // A click on the direct message's notification opens that chat.
    k.js(
        "window.__made[0].dispatchEvent(new Event('click'));",
        json!(null),
    )
    .await?;
    k.wait_text("#conv-title", &lou).await?;

    // The open chat, on screen, does not notify. (Two headless windows cannot both have the
    // focus, so this one is told it has it.)
    k.js(
        "document.hasFocus = () => true; window.dispatchEvent(new Event('focus'));",
        json!(null),
    )
    .await?;
    open_direct(&l, &kim).await?;
    send(&l, "you are looking").await?;
    k.wait_text("#messages", "you are looking").await?;
    // A muted chat does not either, even in the background; unmuted it does again.
    k.click("#members-toggle").await?;
    k.click("#mute-chat").await?;
    // The server keeps the mute: wait for the chat it sends back.
    k.wait_present("#mute-chat[data-muted='true']").await?;
    set_page_hidden(&k, true).await?;
    send(&l, "muted now").await?;
    k.wait_text("#messages", "muted now").await?;
    assert_eq!(shown(&k).await?.len(), 2, "{:?}", shown(&k).await?);
    k.click("#mute-chat").await?;
    k.wait_present("#mute-chat[data-muted='false']").await?;
    send(&l, "back again").await?;
    let list = wait_shown(&k, 3).await?;
    assert_eq!(list[2], (lou.clone(), "back again".to_owned()));
    assert_eq!(list.len(), 3, "{list:?}");

    k.quit().await?;
    l.quit().await?;
    drop(server);
    Ok(())
}
