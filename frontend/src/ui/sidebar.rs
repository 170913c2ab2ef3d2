//! The sidebar: who I am and the connection status, then chats, contacts or "new chat".

use chat_protocol::Chat;
use leptos::prelude::*;

use super::avatar::{Avatar, PresenceText};
use super::contacts::ContactsPanel;
use super::new_chat::NewChatPanel;
use super::status::StatusPill;
use crate::chat_list;
use crate::format::{chat_title, direct_peer, list_time, preview};
use crate::store::Store;

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Panel {
    Chats,
    Contacts,
    NewChat,
}

#[component]
pub fn Sidebar() -> impl IntoView {
    let store = expect_context::<Store>();
    let panel = RwSignal::new(Panel::Chats);
    provide_context(panel);
    let me = move || {
        store
            .user
            .with(|u| u.as_ref().map(|u| u.username.clone()).unwrap_or_default())
    };
    let unread = move || store.chats.with(|c| chat_list::total_unread(c));
    let tab = move |p: Panel, id: &'static str, label: &'static str| {
        view! {
            <button
                type="button"
                role="tab"
                id=id
                aria-selected=move || (panel.get() == p).to_string()
                on:click=move |_| panel.set(p)
            >
                {label}
                {move || {
                    (p == Panel::Chats && unread() > 0)
                        .then(|| {
                            view! {
                                <span class="badge" aria-label=format!("{} unread", unread())>
                                    {unread()}
                                </span>
                            }
                        })
                }}
            </button>
        }
    };
    view! {
        <aside class="sidebar" aria-label="Chats and contacts">
            <header class="sidebar-head">
                {move || view! { <Avatar name=me() /> }}
                <div class="me">
                    <strong id="me-name">{me}</strong>
                    <StatusPill />
                </div>
                <button type="button" id="signout" class="ghost" on:click=move |_| store.sign_out()>
                    "Sign out"
                </button>
            </header>
            <nav class="tabs" role="tablist" aria-label="Sidebar">
                {tab(Panel::Chats, "tab-chats", "Chats")}
                {tab(Panel::Contacts, "tab-contacts", "Contacts")}
                {tab(Panel::NewChat, "tab-new", "New chat")}
            </nav>
            <div class="sidebar-body">
                {move || match panel.get() {
                    Panel::Chats => view! { <ChatList /> }.into_any(),
                    Panel::Contacts => view! { <ContactsPanel /> }.into_any(),
                    Panel::NewChat => view! { <NewChatPanel /> }.into_any(),
                }}
            </div>
        </aside>
    }
}

#[component]
fn ChatList() -> impl IntoView {
    let store = expect_context::<Store>();
    let panel = expect_context::<RwSignal<Panel>>();
    let empty = move || store.chats_loaded.get() && store.chats.with(Vec::is_empty);
    view! {
        <Show when=move || !store.chats_loaded.get()>
            <p class="muted pad">"Loading chats…"</p>
        </Show>
        <Show when=empty>
            <div class="muted pad">
                <p>"No chats yet."</p>
                <button type="button" class="primary" on:click=move |_| panel.set(Panel::Contacts)>
                    "Find people"
                </button>
            </div>
        </Show>
        <ul class="chat-list" id="chat-list">
            <For
                each=move || store.chats.get()
                key=|c: &Chat| {
                    (
                        c.id,
                        c.last_seq,
                        c.unread_count,
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
    let store = expect_context::<Store>();
    let me = store.me().unwrap_or_default();
    let id = chat.id;
    let title = chat_title(&chat, me);
    let peer = direct_peer(&chat, me);
    let online = Signal::derive(move || {
        peer.is_some_and(|p| store.presence.with(|m| m.get(&p).copied().unwrap_or(false)))
    });
    let when = chat.last_message.as_ref().map(|m| {
        list_time(
            &m.created_at,
            &chrono::Local,
            chrono::Local::now().date_naive(),
        )
    });
    let unread = chat.unread_count;
    let text = preview(&chat, me);
    let label = format!(
        "{title}{}",
        if unread > 0 {
            format!(", {unread} unread")
        } else {
            String::new()
        }
    );
    view! {
        <li>
            <button
                type="button"
                class="chat-item"
                class:active=move || store.current.get() == Some(id)
                class:unread={unread > 0}
                data-chat-id=id.to_string()
                aria-label=label
                aria-current=move || (store.current.get() == Some(id)).then_some("true")
                on:click=move |_| store.open_chat(id)
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
                        {(unread > 0).then(|| view! { <span class="badge">{unread}</span> })}
                    </span>
                </span>
                {peer.map(|_| view! { <PresenceText online=online /> })}
            </button>
        </li>
    }
}
