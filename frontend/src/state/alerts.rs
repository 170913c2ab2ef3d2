//! Browser notifications for new messages (which ones: `model::alerts`): turning them on (the
//! browser asks for permission then, on the person's click, never on load; kept in this
//! browser's `localStorage`), muting a chat (kept by the server, for all my devices), and
//! showing one that opens its chat when clicked.

use chat_protocol::{ChatId, Message, UpdateChatRequest};
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{Notification, NotificationOptions, NotificationPermission};

use super::{ChatState, page_attended};
use crate::model::alerts::{Alert, Choice, alert_for};
use crate::net::push::PushFailure;
use crate::text::error_text::{Attempt, explain};

const ON_KEY: &str = "chat.notifications";

fn storage() -> Option<web_sys::Storage> {
    window().local_storage().ok().flatten()
}

/// Whether this browser has notifications at all (some phone browsers do not).
fn supported() -> bool {
    js_sys::Reflect::has(&window(), &"Notification".into()).unwrap_or(false)
}

fn granted() -> bool {
    supported() && Notification::permission() == NotificationPermission::Granted
}

/// On if the person turned them on here and the browser still allows them.
pub(super) fn stored_on() -> bool {
    let chosen = storage().and_then(|s| s.get_item(ON_KEY).ok().flatten());
    chosen.as_deref() == Some("on") && granted()
}

/// The app's own icon (its address is content-hashed by the build, so it is read from the
/// page; the tab icon may be showing the unread badge, so its plain address comes first).
fn app_icon() -> Option<String> {
    let link = document().query_selector("link[rel~='icon']").ok()??;
    link.get_attribute("data-plain")
        .or_else(|| link.get_attribute("href"))
        .filter(|href| !href.starts_with("data:"))
}

impl ChatState {
    /// Turns notifications on (asking the browser first) or off.
    pub(crate) async fn set_alerts(&self, on: bool) -> Result<(), String> {
        if on {
            if !supported() {
                return Err("This browser cannot show notifications.".to_owned());
            }
            let asked = Notification::request_permission()
                .map_err(|_| "The browser did not ask for permission.".to_owned())?;
            let answer = wasm_bindgen_futures::JsFuture::from(asked)
                .await
                .ok()
                .and_then(|a| a.as_string());
            if answer.as_deref() != Some("granted") {
                return Err(
                    "Notifications are blocked for this site: allow them in the browser's site settings."
                        .to_owned(),
                );
            }
        }
        if let Some(s) = storage() {
            let _ = if on {
                s.set_item(ON_KEY, "on")
            } else {
                s.remove_item(ON_KEY)
            };
        }
        self.alerts_on.set(on);
        if on {
            self.subscribe_push().await;
        } else if let Some(api) = self.api() {
            crate::net::push::unsubscribe(&api).await;
            self.push_state.set(None);
        }
        Ok(())
    }

    /// A click on a pushed notification while a tab is open opens its chat here (the service
    /// worker focuses this tab and says which chat).
    pub(crate) fn follow_push_clicks(&self) {
        let state = *self;
        crate::net::push::on_notification_click(move |chat| {
            if state.me_untracked().is_some() {
                state.open_chat(chat);
            }
        });
    }

    /// Subscribes this browser to Web Push for the signed-in session (after notifications are
    /// turned on, and at every start while they are on: a subscription belongs to a session).
    /// Failing is not an error for the person: notifications still show while the app is open.
    pub(super) async fn subscribe_push(&self) {
        let Some(api) = self.api() else {
            return;
        };
        let result = crate::net::push::subscribe(&api)
            .await
            .map_err(|e| match e {
                PushFailure::Browser(why) => why,
                PushFailure::Server(e) => explain(&e, Attempt::Other),
            });
        self.push_state.set(Some(result));
    }

    /// Mutes or unmutes `chat` for me (on every device: the server keeps it).
    pub(crate) async fn set_muted(&self, chat: ChatId, muted: bool) -> Result<(), String> {
        let req = UpdateChatRequest {
            muted: Some(muted),
            ..UpdateChatRequest::default()
        };
        self.patch_chat(chat, req, |e| explain(e, Attempt::Other))
            .await
    }

    /// A new message arrived: notify if it deserves it.
    pub(super) fn alert_new_message(&self, message: &Message) {
        if !self.alerts_on.get_untracked() || !granted() {
            return;
        }
        let Some(me) = self.me_untracked() else {
            return;
        };
        let Some(chat) = self.chat_untracked(message.chat_id) else {
            return;
        };
        let blocked = self
            .blocked
            .with_untracked(|b| b.iter().any(|u| u.id == message.sender.id));
        let choice = Choice {
            enabled: !blocked,
            muted: chat.muted,
        };
        let on_screen = self.open.get_untracked() == Some(chat.id) && page_attended();
        if let Some(alert) = alert_for(message, &chat, me, choice, on_screen) {
            self.show_alert(alert);
        }
    }

    fn show_alert(&self, alert: Alert) {
        let options = NotificationOptions::new();
        options.set_body(&alert.body);
        // One notification per chat: a newer message replaces the older one.
        options.set_tag(&alert.chat.to_string());
        if let Some(icon) = app_icon() {
            options.set_icon(&icon);
        }
        let Ok(shown) = Notification::new_with_options(&alert.title, &options) else {
            return;
        };
        let state = *self;
        let chat = alert.chat;
        let closing = shown.clone();
        let on_click = Closure::once_into_js(move || {
            let _ = window().focus();
            state.open_chat(chat);
            closing.close();
        });
        shown.set_onclick(Some(on_click.unchecked_ref()));
    }
}
