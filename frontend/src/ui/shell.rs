//! The signed-in layout: sidebar + conversation (one column on a phone, switching between them),
//! the passing notice, and the unread count in the tab title and as a badge on its icon.
//! Layout only.

use leptos::prelude::*;

use super::conversation::Conversation;
use super::sidebar::Sidebar;
use crate::model::{alerts, chat_list};
use crate::net::ConnStatus;
use crate::state::ChatState;

/// Shows `badge` (an image address) as the tab's icon, or the app's own icon again.
fn set_tab_icon(badge: Option<&str>) {
    let Ok(Some(link)) = document().query_selector("link[rel~='icon']") else {
        return;
    };
    // The plain icon's address, kept on the element the first time it is replaced.
    let plain = match link.get_attribute("data-plain") {
        Some(plain) => plain,
        None => {
            let plain = link.get_attribute("href").unwrap_or_default();
            let _ = link.set_attribute("data-plain", &plain);
            plain
        }
    };
    let _ = link.set_attribute("href", badge.unwrap_or(&plain));
}

#[component]
pub(crate) fn Shell() -> impl IntoView {
    let state = expect_context::<ChatState>();
    let notice = move || state.notice.get();
    // Unread messages show in the tab title: "(3) Chat".
    Effect::new(move |_| {
        let unread = state.chats.with(|c| chat_list::total_unread(c));
        let title = if unread > 0 {
            format!("({unread}) Chat")
        } else {
            "Chat".to_owned()
        };
        document().set_title(&title);
        set_tab_icon(alerts::badge_icon(unread).as_deref());
    });
    on_cleanup(|| {
        document().set_title("Chat");
        set_tab_icon(None);
    });
    // Back online: what went wrong while offline ("You are offline…") is over.
    Effect::new(move |was_online: Option<bool>| {
        let online = state.status.with(|s| *s == ConnStatus::Online);
        if online && was_online == Some(false) {
            state.notice.set(None);
        }
        online
    });
    view! {
        <div class="shell" class:chat-open=move || state.open.with(Option::is_some)>
            // First in tab order: straight to the open chat (or the empty state).
            <a class="skip-link" href="#main">
                "Skip to conversation"
            </a>
            <h1 class="visually-hidden">"Chat"</h1>
            <Sidebar />
            <main class="main" id="main" tabindex="-1">
                {move || match state.open.get() {
                    Some(chat) => view! { <Conversation chat_id=chat /> }.into_any(),
                    None => {
                        view! {
                            <div class="empty-state">
                                <h2>"No chat open"</h2>
                                <p>"Pick a chat on the left, or start one from your contacts."</p>
                            </div>
                        }
                            .into_any()
                    }
                }}
            </main>
            <Show when=move || notice().is_some()>
                <div class="notice" role="alert">
                    <span>{move || notice().unwrap_or_default()}</span>
                    <button
                        type="button"
                        class="icon-button"
                        aria-label="Dismiss"
                        on:click=move |_| state.notice.set(None)
                    >
                        "×"
                    </button>
                </div>
            </Show>
        </div>
    }
}
