//! Resuming by version: Bob's socket is cut (and kept from reconnecting) while Alice edits one
//! message, deletes another and sends a new one; when Bob's socket is back, without a reload,
//! his open conversation shows the edit (with its marker), the deletion and the new message.

use chat_e2e::flows::{Remember, add_contact, confirmed, send, sign_up};
use chat_e2e::keys::ENTER;
use chat_e2e::{Browser, ChromeDriver, Result, Server, TempDir, unique_suffix};

/// Lets the test take the page's WebSocket offline: `__wsOffline()` closes every open socket
/// and points new ones at a path the server does not upgrade (same origin, so the CSP allows
/// it and the attempt just fails); `__wsOnline()` lets the next attempt through again.
const SWITCHABLE_SOCKET: &str = "(() => {
  const Native = window.WebSocket;
  let offline = false;
  let open = [];
  const Switchable = function (url, protocols) {
    const target = offline ? String(url).replace('/ws', '/ws-offline') : url;
    const ws = protocols === undefined ? new Native(target) : new Native(target, protocols);
    open.push(ws);
    return ws;
  };
  Switchable.prototype = Native.prototype;
  Object.assign(Switchable, { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 });
  window.WebSocket = Switchable;
  window.__wsOffline = () => { offline = true; open.forEach(ws => ws.close()); open = []; };
  window.__wsOnline = () => { offline = false; };
})();";

async fn wait_message(b: &Browser, text: &str) -> Result<()> {
    b.wait_for(&format!("message {text:?}"), || async {
        Ok(confirmed(b).await?.iter().any(|t| t == text).then_some(()))
    })
    .await
}

/// Clicks one of the action buttons of my message `text`.
async fn message_action(b: &Browser, text: &str, button: &str) -> Result<()> {
    let clicked = b
        .js(
            "const [text, button] = arguments[0];
             const msg = Array.from(document.querySelectorAll('#messages .msg.mine'))
               .find(m => m.querySelector('.msg-text')?.textContent === text);
             if (!msg) return false;
             msg.scrollIntoView({block: 'center'});
             const b = msg.querySelector(button);
             if (!b) return false;
             b.click();
             return true;",
            serde_json::json!([text, button]),
        )
        .await?;
    if clicked != serde_json::json!(true) {
        return Err(format!("no {button} on message {text:?}").into());
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edits_and_deletes_made_while_offline_show_after_the_resume() -> Result<()> {
    let data = TempDir::new("data");
    let server = Server::start(data.path(), 0);
    let base = server.url();
    let chromedriver = ChromeDriver::start();
    let run = unique_suffix();
    let (alice, bob) = (format!("alice_{run}"), format!("bob_{run}"));

    let a = Browser::open(&chromedriver, "alice", 1000, 700).await?;
    let b = Browser::open(&chromedriver, "bob", 1000, 700).await?;
    b.add_init_script(SWITCHABLE_SOCKET).await?;
    sign_up(&a, &base, &alice, Remember::No).await?;
    sign_up(&b, &base, &bob, Remember::No).await?;
    add_contact(&a, &bob).await?;
    a.click(&format!(
        ".contact[data-username=\"{bob}\"] .message-contact"
    ))
    .await?;
    for text in ["keep me", "fix me", "remove me"] {
        send(&a, text).await?;
        wait_message(&a, text).await?;
    }
    b.wait_text(".chat-item .chat-preview", "remove me").await?;
    b.click(".chat-item").await?;
    for text in ["keep me", "fix me", "remove me"] {
        wait_message(&b, text).await?;
    }

    // Bob's socket goes away and stays away (the marker proves the page is never reloaded).
    b.js(
        "window.__sameDocument = true; window.__wsOffline();",
        serde_json::json!(null),
    )
    .await?;
    b.wait_text("#conn-status", "offline").await?;

    // Meanwhile Alice edits one message, deletes another and sends a new one.
    message_action(&a, "fix me", ".edit-message").await?;
    a.wait_present(".edit-input").await?;
    let edit = a.driver.find(thirtyfour::By::Css(".edit-input")).await?;
    edit.clear().await?;
    edit.send_keys(format!("fixed while you were away{ENTER}"))
        .await?;
    wait_message(&a, "fixed while you were away").await?;
    message_action(&a, "remove me", ".delete-message").await?;
    a.click(".confirm-delete").await?;
    a.wait_text(".msg.deleted .msg-deleted", "This message was deleted")
        .await?;
    send(&a, "new while you were away").await?;
    wait_message(&a, "new while you were away").await?;

    // Bob really missed all of it.
    let seen = confirmed(&b).await?;
    assert!(seen.iter().any(|t| t == "fix me"), "bob saw {seen:?}");
    assert!(seen.iter().any(|t| t == "remove me"), "bob saw {seen:?}");
    assert_eq!(b.count(".msg.deleted").await?, 0);
    b.screenshot("50-offline-before-resume").await?;

    // Back online, no reload: the edit, the deletion and the new message all show.
    b.js("window.__wsOnline();", serde_json::json!(null))
        .await?;
    b.click(".status-line .link-button").await.ok();
    b.wait_text("#conn-status", "online").await?;
    wait_message(&b, "new while you were away").await?;
    wait_message(&b, "fixed while you were away").await?;
    b.wait_text(".msg .msg-edited", "edited").await?;
    b.wait_text(".msg.deleted .msg-deleted", "This message was deleted")
        .await?;
    b.wait_for("the deleted text to disappear", || async {
        Ok((!confirmed(&b).await?.iter().any(|t| t == "remove me")).then_some(()))
    })
    .await?;
    let seen = confirmed(&b).await?;
    assert!(!seen.iter().any(|t| t == "fix me"), "bob saw {seen:?}");
    for text in [
        "keep me",
        "fixed while you were away",
        "new while you were away",
    ] {
        let n = seen.iter().filter(|t| *t == text).count();
        assert_eq!(n, 1, "bob sees {text:?} {n} times: {seen:?}");
    }
    b.wait_text(".chat-item .chat-preview", "new while you were away")
        .await?;
    let same = b
        .js(
            "return window.__sameDocument === true;",
            serde_json::json!(null),
        )
        .await?;
    assert_eq!(same, serde_json::json!(true), "bob's page was reloaded");
    b.screenshot("51-resumed").await?;

    a.quit().await?;
    b.quit().await?;
    drop(server);
    Ok(())
}
