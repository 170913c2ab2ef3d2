//! The members of the open chat, with presence; in a group: add someone, or leave.

use chat_protocol::{Chat, ChatKind, User};
use leptos::prelude::*;

use super::avatar::{Avatar, PresenceText};
use crate::store::Store;

#[component]
pub fn MembersPanel(chat: Chat, on_close: impl Fn() + Send + Sync + 'static) -> impl IntoView {
    let store = expect_context::<Store>();
    let chat_id = chat.id;
    let group = chat.kind == ChatKind::Group;
    let me = store.me().unwrap_or_default();
    let username = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);

    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let name = username.get_untracked().trim().to_owned();
        if name.is_empty() || busy.get_untracked() {
            return;
        }
        busy.set(true);
        leptos::task::spawn_local(async move {
            match store.add_member(chat_id, &name).await {
                Ok(()) => {
                    username.set(String::new());
                    error.set(None);
                }
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
    };
    let leave = move |_| {
        leptos::task::spawn_local(async move {
            if let Err(e) = store.leave_chat(chat_id).await {
                error.set(Some(e));
            }
        });
    };
    let candidates = move || {
        store.contacts.with(|c| {
            c.iter()
                .map(|c| c.user.username.clone())
                .collect::<Vec<_>>()
        })
    };

    view! {
        <aside class="members" id="members-panel" aria-labelledby="members-heading">
            <header class="members-head">
                <h3 id="members-heading">{if group { "Members" } else { "Details" }}</h3>
                <button
                    type="button"
                    class="icon-button"
                    aria-label="Close members"
                    on:click=move |_| on_close()
                >
                    "×"
                </button>
            </header>
            <ul class="people" id="member-list">
                {chat
                    .members
                    .iter()
                    .map(|m: &User| {
                        let id = m.id;
                        let online = Signal::derive(move || {
                            id == me || store.presence.with(|p| p.get(&id).copied().unwrap_or(false))
                        });
                        let name = if id == me {
                            format!("{} (you)", m.username)
                        } else {
                            m.username.clone()
                        };
                        view! {
                            <li class="person member" data-username=m.username.clone()>
                                <Avatar name=m.username.clone() online=online small=true />
                                <span class="person-name">{name}<PresenceText online=online /></span>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
            {group
                .then(|| {
                    view! {
                        <form class="stack" on:submit=add>
                            <label for="add-member-input">"Add someone"</label>
                            <input
                                id="add-member-input"
                                type="text"
                                list="add-member-options"
                                placeholder="Username"
                                autocomplete="off"
                                autocapitalize="none"
                                bind:value=username
                            />
                            <datalist id="add-member-options">
                                {move || {
                                    candidates()
                                        .into_iter()
                                        .map(|n| view! { <option value=n></option> })
                                        .collect_view()
                                }}
                            </datalist>
                            <button type="submit" id="add-member" class="primary" disabled=move || busy.get()>
                                "Add to group"
                            </button>
                        </form>
                        <button type="button" id="leave-group" class="danger" on:click=leave>
                            "Leave group"
                        </button>
                    }
                })}
            <p class="form-error" role="alert">{move || error.get().unwrap_or_default()}</p>
        </aside>
    }
}
