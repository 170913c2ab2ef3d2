//! The conversation's header: back button, avatar, title, "online"/"n members", block or
//! unblock the other person of a direct chat (asking first), and the toggle for the members
//! panel. Shows the chat it is given; blocking itself is the state's job.

use chat_protocol::{Chat, ChatKind};
use leptos::prelude::*;

use crate::model::chat_list::direct_peer;
use crate::state::ChatState;
use crate::text::format::chat_title;
use crate::ui::common::{Avatar, ConfirmButton};

#[component]
pub(super) fn Header(
    chat: Memo<Option<Chat>>,
    members_open: RwSignal<bool>,
    search_open: RwSignal<bool>,
) -> impl IntoView {
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
    let peer_user = move || {
        let me = me();
        chat.with(|c| {
            c.as_ref()
                .filter(|c| c.kind == ChatKind::Direct)
                .and_then(|c| c.members.iter().find(|m| m.id != me).cloned())
        })
    };
    let block_control = move || {
        let user = peer_user()?;
        let (id, name) = (user.id, user.username.clone());
        let view = if state.is_blocked(id) {
            view! {
                <button
                    type="button"
                    class="ghost unblock-peer"
                    aria-label=format!("Unblock {name}")
                    on:click=move |_| {
                        leptos::task::spawn_local(async move {
                            if let Err(e) = state.unblock(id).await {
                                state.notify(e);
                            }
                        });
                    }
                >
                    "Unblock"
                </button>
            }
            .into_any()
        } else {
            let block = move || {
                let user = user.clone();
                leptos::task::spawn_local(async move {
                    if let Err(e) = state.block(&user).await {
                        state.notify(e);
                    }
                });
            };
            view! {
                <ConfirmButton
                    class="ghost block-peer"
                    text="Block"
                    label=format!("Block {name}")
                    question=format!("Block {name}? Neither of you can send messages here until you unblock.")
                    confirm_class="danger confirm-block"
                    on_confirm=block
                />
            }
                .into_any()
        };
        Some(view)
    };
    let peer_online = Signal::derive(move || peer().and_then(|p| state.presence_of(p)));
    let subtitle = move || {
        if is_group() {
            let n = chat.with(|c| c.as_ref().map_or(0, |c| c.members.len()));
            if n == 1 {
                "1 member".to_owned()
            } else {
                format!("{n} members")
            }
        } else {
            match peer_online.get() {
                Some(true) => "online".to_owned(),
                Some(false) => "offline".to_owned(),
                // They share no presence with me: say nothing rather than "offline".
                None => String::new(),
            }
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
            <div class="conv-actions">{block_control}</div>
            <button
                type="button"
                id="search-toggle"
                class="ghost"
                aria-expanded=move || search_open.get().to_string()
                on:click=move |_| search_open.update(|o| *o = !*o)
            >
                // On a phone only the magnifier shows; the word stays the button's name.
                <svg class="search-icon" width="18" height="18" viewBox="0 0 18 18" aria-hidden="true">
                    <circle cx="7.5" cy="7.5" r="5.5" fill="none" stroke="currentColor" stroke-width="2"></circle>
                    <line x1="11.5" y1="11.5" x2="16" y2="16" stroke="currentColor" stroke-width="2"></line>
                </svg>
                <span class="search-label">"Search"</span>
            </button>
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
