//! The members panel of the open chat: who is in it, with presence; in a group: add someone,
//! or leave. Membership changes themselves are the state's job.

use chat_protocol::{Chat, ChatKind, User};
use leptos::prelude::*;

use crate::state::ChatState;
use crate::ui::common::{Avatar, FormError, FormStatus, PresenceText};

#[component]
pub(super) fn MembersPanel(
    chat: Chat,
    on_close: impl Fn() + Send + Sync + 'static,
) -> impl IntoView {
    let state = expect_context::<ChatState>();
    let chat_id = chat.id;
    let group = chat.kind == ChatKind::Group;
    let me = state.me_or_nobody();
    let username = RwSignal::new(String::new());
    let form = FormStatus::new();

    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let name = username.get_untracked().trim().to_owned();
        if name.is_empty() {
            return;
        }
        form.run(async move {
            state.add_member(chat_id, &name).await?;
            username.set(String::new());
            form.clear();
            Ok(())
        });
    };
    let leave = move |_| {
        leptos::task::spawn_local(async move {
            if let Err(e) = state.leave_chat(chat_id).await {
                form.fail(e);
            }
        });
    };
    let candidates = move || {
        state.contacts.with(|c| {
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
                        let online = Signal::derive(move || if id == me { Some(true) } else { state.presence_of(id) });
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
                            <button type="submit" id="add-member" class="primary" disabled=move || form.is_busy()>
                                "Add to group"
                            </button>
                        </form>
                        <button type="button" id="leave-group" class="danger" on:click=leave>
                            "Leave group"
                        </button>
                    }
                })}
            <FormError status=form />
        </aside>
    }
}
