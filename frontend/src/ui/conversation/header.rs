//! The conversation's header: back button, avatar, title, "online"/"n members", and the toggle
//! for the members panel. Shows the chat it is given; changes nothing but the toggle.

use chat_protocol::{Chat, ChatKind};
use leptos::prelude::*;

use crate::model::chat_list::direct_peer;
use crate::state::ChatState;
use crate::text::format::chat_title;
use crate::ui::common::Avatar;

#[component]
pub(super) fn Header(chat: Memo<Option<Chat>>, members_open: RwSignal<bool>) -> impl IntoView {
    let state = expect_context::<ChatState>();
    let me = move || state.me_or_nobody();
    let title = move || {
        chat.with(|c| {
            c.as_ref()
                .map_or_else(|| "Chat".to_owned(), |c| chat_title(c, me()))
        })
    };
    let peer = move || chat.with(|c| c.as_ref().and_then(|c| direct_peer(c, me())));
    let is_group = move || chat.with(|c| c.as_ref().is_some_and(|c| c.kind == ChatKind::Group));
    let peer_online = Signal::derive(move || peer().is_some_and(|p| state.is_user_online(p)));
    let subtitle = move || {
        if is_group() {
            let n = chat.with(|c| c.as_ref().map_or(0, |c| c.members.len()));
            if n == 1 {
                "1 member".to_owned()
            } else {
                format!("{n} members")
            }
        } else if peer_online.get() {
            "online".to_owned()
        } else {
            "offline".to_owned()
        }
    };
    view! {
        <header class="conv-head">
            <button
                type="button"
                class="icon-button back"
                aria-label="Back to chats"
                on:click=move |_| state.close_chat()
            >
                "←"
            </button>
            {move || {
                if peer().is_some() {
                    view! { <Avatar name=title() online=peer_online /> }.into_any()
                } else {
                    view! { <Avatar name=title() /> }.into_any()
                }
            }}
            <div class="conv-titles">
                <h2 id="conv-title">{title}</h2>
                <p id="conv-subtitle" class="muted small">{subtitle}</p>
            </div>
            <button
                type="button"
                id="members-toggle"
                class="ghost"
                aria-expanded=move || members_open.get().to_string()
                aria-controls="members-panel"
                on:click=move |_| members_open.update(|o| *o = !*o)
            >
                {move || if is_group() { "Members" } else { "Details" }}
            </button>
        </header>
    }
}
