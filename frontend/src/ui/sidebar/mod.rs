//! The sidebar: who I am and the connection status, then one of the panels (chats, contacts,
//! new chat, rooms, and my account and devices from the header's "Account"). Which panel shows is private to this module; panels report back by callbacks.

mod account;
mod blocked;
mod chat_list;
mod contacts;
mod new_chat;
mod rooms;
mod sessions;

use leptos::prelude::*;

use super::common::{Avatar, StatusPill, Tab};
use super::search::{MessageSearch, searchable};
use crate::model::chat_list::total_unread;
use crate::state::ChatState;
use account::AccountPanel;
use chat_list::ChatList;
use contacts::ContactsPanel;
use new_chat::NewChatPanel;
use rooms::RoomsPanel;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Panel {
    Chats,
    Contacts,
    NewChat,
    Rooms,
    Account,
}

#[component]
pub(crate) fn Sidebar() -> impl IntoView {
    let state = expect_context::<ChatState>();
    // `/rooms` in the address bar opens the rooms directory.
    let start = if crate::state::route::current_path() == crate::state::route::ROOMS_PATH {
        Panel::Rooms
    } else {
        Panel::Chats
    };
    let panel = RwSignal::new(start);
    let search = RwSignal::new(String::new());
    let show_chats = move || panel.set(Panel::Chats);
    let find_people = move || panel.set(Panel::Contacts);
    let me = move || {
        state
            .user
            .with(|u| u.as_ref().map(|u| u.username.clone()).unwrap_or_default())
    };
    let unread = move || state.chats.with(|c| total_unread(c));
    let tab = move |p: Panel, id: &'static str, label: &'static str| {
        view! {
            <Tab id=id selected=Signal::derive(move || panel.get() == p) on_select=move || panel.set(p)>
                {label}
                {move || {
                    (p == Panel::Chats && unread() > 0)
                        .then(|| {
                            view! {
                                <span class="badge" aria-label=format!("{} unread", chat_protocol::limits::unread_label(unread()))>
                                    {chat_protocol::limits::unread_label(unread())}
                                </span>
                            }
                        })
                }}
            </Tab>
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
                <button
                    type="button"
                    id="open-account"
                    class="ghost"
                    aria-pressed=move || (panel.get() == Panel::Account).to_string()
                    on:click=move |_| panel.set(Panel::Account)
                >
                    "Account"
                </button>
                <button type="button" id="signout" class="ghost" on:click=move |_| state.sign_out()>
                    "Sign out"
                </button>
            </header>
            <nav class="tabs" role="tablist" aria-label="Sidebar">
                {tab(Panel::Chats, "tab-chats", "Chats")}
                {tab(Panel::Contacts, "tab-contacts", "Contacts")}
                {tab(Panel::NewChat, "tab-new", "New chat")}
                {tab(Panel::Rooms, "tab-rooms", "Rooms")}
            </nav>
            <MessageSearch chat=None id="global-search" query=search on_open=|| () />
            <div class="sidebar-body" class:hidden=move || searchable(&search.get())>
                {move || match panel.get() {
                    Panel::Chats => view! { <ChatList on_find_people=find_people /> }.into_any(),
                    Panel::Contacts => view! { <ContactsPanel on_chat_opened=show_chats /> }.into_any(),
                    Panel::NewChat => {
                        view! { <NewChatPanel on_chat_opened=show_chats on_find_people=find_people /> }
                            .into_any()
                    }
                    Panel::Rooms => view! { <RoomsPanel on_chat_opened=show_chats /> }.into_any(),
                    Panel::Account => view! { <AccountPanel /> }.into_any(),
                }}
            </div>
        </aside>
    }
}
