//! The members panel of the open chat: who is in it, with presence and who is an admin; in a
//! group: its name and settings, add someone, or leave; an admin also appoints admins and
//! removes members. Membership changes themselves are the state's job.

use chat_protocol::{Chat, ChatKind, User};
use leptos::prelude::*;

use super::group_settings::GroupSettings;
use super::invites::SharingSettings;
use crate::state::ChatState;
use crate::ui::common::{Avatar, ConfirmButton, FormError, FormStatus, PresenceText};

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
    let leave = move |()| {
        leptos::task::spawn_local(async move {
            // On success this panel is gone with the chat; only a failure is shown here, and
            // then the panel is still open.
            if let Err(e) = state.leave_chat(chat_id).await {
                form.fail(e);
            }
        });
    };
    let chat_name = chat.name.clone().unwrap_or_else(|| "this group".to_owned());
    let i_am_admin = chat.admins.contains(&me);
    let settings = group.then(|| view! { <GroupSettings chat=chat.clone() admin=i_am_admin /> });
    let sharing = group.then(|| view! { <SharingSettings chat=chat.clone() admin=i_am_admin /> });
    let set_admin = move |(user, admin): (chat_protocol::UserId, bool)| {
        form.run(async move { state.set_admin(chat_id, user, admin).await });
    };
    let remove = move |user: chat_protocol::UserId| {
        form.run(async move { state.remove_member(chat_id, user).await });
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
                        let admin = chat.admins.contains(&id);
                        let actions = (i_am_admin && id != me)
                            .then(|| {
                                let who = m.username.clone();
                                view! {
                                    <span class="member-actions">
                                        <button
                                            type="button"
                                            class="ghost small toggle-admin"
                                            aria-label=if admin {
                                                format!("Remove admin: {who}")
                                            } else {
                                                format!("Make admin: {who}")
                                            }
                                            on:click=move |_| set_admin((id, !admin))
                                        >
                                            {if admin { "Remove admin" } else { "Make admin" }}
                                        </button>
                                        <ConfirmButton
                                            class="ghost small danger remove-member"
                                            text="Remove"
                                            label=format!("Remove {who} from the group")
                                            question=format!("Remove {who} from {chat_name}?")
                                            confirm_class="danger small confirm-remove"
                                            on_confirm=move |()| remove(id)
                                        />
                                    </span>
                                }
                            });
                        let online = Signal::derive(move || if id == me { Some(true) } else { state.presence_of(id) });
                        let name = if id == me {
                            format!("{} (you)", m.username)
                        } else {
                            m.username.clone()
                        };
                        view! {
                            <li class="person member" data-username=m.username.clone()>
                                <Avatar name=m.username.clone() online=online small=true />
                                <span class="person-name">
                                    {name}
                                    {admin.then(|| view! { <span class="badge-soft admin-badge">"admin"</span> })}
                                    <PresenceText online=online />
                                </span>
                                {actions}
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
            <label class="check">
                <input
                    id="mute-chat"
                    type="checkbox"
                    data-muted=chat.muted.to_string()
                    prop:checked=chat.muted
                    on:change=move |ev| {
                        let muted = event_target_checked(&ev);
                        form.run(async move { state.set_muted(chat_id, muted).await });
                    }
                />
                "Mute notifications"
            </label>
            {settings}
            {sharing}
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
                        // Only another member can add me back, so leaving asks first.
                        <ConfirmButton
                            class="danger leave-group"
                            text="Leave group"
                            label=format!("Leave group {chat_name}")
                            question=format!(
                                "Leave {chat_name}? Only a member can add you back.",
                            )
                            confirm_class="danger confirm-leave"
                            on_confirm=leave
                        />
                    }
                })}
            <FormError status=form />
        </aside>
    }
}
