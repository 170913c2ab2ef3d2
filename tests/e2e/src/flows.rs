//! Steps the browser tests share: signing up, adding a contact, sending and reading messages.
//! Only person-level flows built on [`Browser`]; the harness itself stays in `lib.rs`.

use crate::keys::ENTER;
use crate::{Browser, Result};

/// The password every test account uses.
pub const PASSWORD: &str = "correct horse battery";

/// Whether the sign-up ticks "Remember me on this device".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Remember {
    Yes,
    No,
}

/// Opens `base`, creates the account `username` and waits until the socket is online.
pub async fn sign_up(b: &Browser, base: &str, username: &str, remember: Remember) -> Result<()> {
    b.goto(base).await?;
    b.click("#auth-tab-signup").await?;
    b.type_into("#auth-username", username).await?;
    b.type_into("#auth-password", PASSWORD).await?;
    if remember == Remember::Yes {
        b.click("#auth-remember").await?;
    }
    b.click("#auth-submit").await?;
    b.wait_text("#conn-status", "online").await
}

/// Finds `username` in the contacts panel, adds them and waits for the contact row.
pub async fn add_contact(b: &Browser, username: &str) -> Result<()> {
    b.click("#tab-contacts").await?;
    b.type_into("#people-search", username).await?;
    b.click(&format!(
        ".search-result[data-username=\"{username}\"] .add-contact"
    ))
    .await?;
    b.wait_present(&format!(".contact[data-username=\"{username}\"]"))
        .await
}

/// Types `text` into the composer of the open chat and presses Enter.
pub async fn send(b: &Browser, text: &str) -> Result<()> {
    b.type_into("#composer", &format!("{text}{ENTER}")).await
}

/// Texts of the confirmed messages in the open conversation.
pub async fn confirmed(b: &Browser) -> Result<Vec<String>> {
    b.texts("#messages .msg:not(.pending) .msg-text").await
}

/// Opens `base` and signs in as `username` (an existing account) on the sign-in page, then
/// waits until the socket is online.
pub async fn sign_in(b: &Browser, base: &str, username: &str) -> Result<()> {
    try_sign_in(b, base, username, PASSWORD).await?;
    b.wait_text("#conn-status", "online").await
}

/// Opens `base` and submits the sign-in form with `password`, without waiting for the outcome.
pub async fn try_sign_in(b: &Browser, base: &str, username: &str, password: &str) -> Result<()> {
    b.goto(base).await?;
    b.wait_present("#auth-username").await?;
    b.type_into("#auth-username", username).await?;
    b.type_into("#auth-password", password).await?;
    b.click("#auth-submit").await
}

/// Opens the chat titled `title` from the chat list.
pub async fn open_chat(b: &Browser, title: &str) -> Result<()> {
    b.click("#tab-chats").await?;
    b.wait_text(".chat-item .chat-title", title).await?;
    b.js(
        "const item = Array.from(document.querySelectorAll('.chat-item'))
           .find(i => i.querySelector('.chat-title').textContent === arguments[0]);
         item.click();",
        serde_json::json!(title),
    )
    .await?;
    b.wait_text("#conv-title", title).await
}

/// Opens (creating if needed) the direct chat with `username`, a contact, from Contacts.
pub async fn open_direct(b: &Browser, username: &str) -> Result<()> {
    b.click("#tab-contacts").await?;
    b.click(&format!(
        ".contact[data-username=\"{username}\"] .message-contact"
    ))
    .await?;
    b.wait_text("#conv-title", username).await
}

/// Waits until a confirmed message reading exactly `text` is shown in the open chat.
pub async fn wait_message(b: &Browser, text: &str) -> Result<()> {
    b.wait_for(&format!("message {text:?}"), || async {
        Ok(confirmed(b).await?.iter().any(|t| t == text).then_some(()))
    })
    .await
}

/// Makes the page look hidden and unfocused to the app (a background tab), or visible and
/// focused again, and fires the events a real switch fires. Headless Chromium cannot put a
/// tab in the background, so the page's own view of it is changed.
pub async fn set_page_hidden(b: &Browser, hidden: bool) -> Result<()> {
    b.js(
        "const hidden = arguments[0];
         if (hidden) {
           Object.defineProperty(document, 'hidden', { configurable: true, get: () => true });
           Object.defineProperty(document, 'visibilityState',
             { configurable: true, get: () => 'hidden' });
           document.hasFocus = () => false;
         } else {
           delete document.hidden;
           delete document.visibilityState;
           delete document.hasFocus;
         }
         document.dispatchEvent(new Event('visibilitychange', { bubbles: true }));
         window.dispatchEvent(new Event(hidden ? 'blur' : 'focus'));",
        serde_json::json!(hidden),
    )
    .await?;
    Ok(())
}

/// Clicks `button` (a CSS selector inside the message) on the confirmed message whose text is
/// exactly `text`, mine or not. The actions show on hover; a script click needs no hover.
pub async fn click_in_message(b: &Browser, text: &str, button: &str) -> Result<()> {
    let clicked = b
        .js(
            "const [text, button] = arguments[0];
             const msg = Array.from(document.querySelectorAll('#messages .msg:not(.pending)'))
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

/// Opens the emoji picker of the message showing `text` and waits until the keyboard focus is
/// in it (the picker takes the focus a frame after it appears: keys sent before that reach
/// the composer).
pub async fn open_emoji_picker(b: &Browser, text: &str) -> Result<()> {
    click_in_message(b, text, ".react-message").await?;
    b.wait_present(".emoji-picker").await?;
    b.wait_for("the focus in the emoji picker", || async {
        let inside = b
            .js(
                "return !!document.activeElement?.closest('.emoji-picker');",
                serde_json::json!(null),
            )
            .await?;
        Ok((inside == serde_json::json!(true)).then_some(()))
    })
    .await
}

/// Creates a group named `name` with every contact shown as a candidate picked, public or
/// not, and waits until it is open.
pub async fn create_group(b: &Browser, name: &str, public: bool) -> Result<()> {
    b.click("#tab-new").await?;
    b.type_into("#group-name", name).await?;
    b.js(
        "document.querySelectorAll('.group-candidate input').forEach(i => i.click());",
        serde_json::json!(null),
    )
    .await?;
    if public {
        b.click("#group-public").await?;
    }
    b.click("#create-group").await?;
    b.wait_text("#conv-title", name).await
}
