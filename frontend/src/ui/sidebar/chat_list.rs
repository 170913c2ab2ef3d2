//! The chats panel: my chats, newest activity first, with previews, unread counts and the
//! peer's presence. Opening a chat is the state's job; this only asks for it.

use chat_protocol::Chat;
use leptos::prelude::*;

use crate::model::chat_list::direct_peer;
use crate::state::ChatState;
use crate::state::locale::hour_cycle;
use crate::text::format::{chat_title, list_time, preview};
use crate::ui::common::{Avatar, PresenceText};

#[component]
pub(super) fn ChatList(
    /// "Find people" in the empty list.
    #[prop(into)]
    on_find_people: Callback<()>,
) -> impl IntoView {
    let state = expect_context::<ChatState>();
    let empty = move || state.chats_loaded.get() && state.chats.with(Vec::is_empty);
    view! {
        <Show when=move || !state.chats_loaded.get()>
            <p class="muted pad">"Loading chats…"</p>
        </Show>
        <Show when=empty>
            <div class="muted pad">
                <p>"No chats yet."</p>
                <button type="button" class="primary" on:click=move |_| on_find_people.run(())>
                    "Find people"
                </button>
            </div>
        </Show>
        <ul class="chat-list" id="chat-list">
            <For
                each=move || state.chats.get()
                key=|c: &Chat| {
                    (
                        c.id,
                        c.last_seq,
                        c.unread_count,
                        c.unread_mentions,
                        c.members.len(),
                        c.name.clone(),
                        c.last_message.as_ref().map(|m| (m.id, m.deleted, m.edited_at)),
                    )
                }
                let:chat
            >
                <ChatItem chat=chat />
            </For>
        </ul>
    }
}

#[component]
fn ChatItem(chat: Chat) -> impl IntoView {
    let state = expect_context::<ChatState>();
    let me = state.me_or_nobody();
    let id = chat.id;
    let title = chat_title(&chat, me);
    let peer = direct_peer(&chat, me);
    let online = Signal::derive(move || peer.and_then(|p| state.presence_of(p)));
    let when = chat.last_message.as_ref().map(|m| {
        list_time(
            &m.created_at,
            &chrono::Local,
            chrono::Local::now().date_naive(),
            hour_cycle(),
        )
    });
    let unread = chat.unread_count;
    let mentioned = chat.unread_mentions > 0;
    let text = preview(&chat, me);
    view! {
        <li>
            <button
                type="button"
                class="chat-item"
                class:active=move || state.open.get() == Some(id)
                class:unread={unread > 0}
                data-chat-id=id.to_string()
                aria-current=move || (state.open.get() == Some(id)).then_some("true")
                on:click=move |_| state.open_chat(id)
            >
                {if peer.is_some() {
                    view! { <Avatar name=title.clone() online=online /> }.into_any()
                } else {
                    view! { <Avatar name=title.clone() /> }.into_any()
                }}
                <span class="chat-text">
                    <span class="chat-row">
                        <span class="chat-title">{title.clone()}</span>
                        <span class="chat-time">{when}</span>
                    </span>
                    <span class="chat-row">
                        <span class="chat-preview">{text}</span>
                        // The button's name is its text (title, time, preview): what is seen
                        // is what is announced, with "unread" spelled out for the badge.
                        {mentioned
                            .then(|| {
                                view! {
                                    <span class="badge mention-badge">
                                        "@"
                                        <span class="visually-hidden">" mentions you"</span>
                                    </span>
                                }
                            })}
                        {(unread > 0)
                            .then(|| {
                                view! {
                                    <span class="badge">
                                        // The server stops counting at UNREAD_CAP: "99+".
                                        {chat_protocol::limits::unread_label(unread)}
                                        <span class="visually-hidden">" unread"</span>
                                    </span>
                                }
                            })}
                    </span>
                </span>
                {peer.map(|_| view! { <PresenceText online=online /> })}
            </button>
        </li>
    }
}
