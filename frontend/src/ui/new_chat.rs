//! Start a direct chat with a contact, or a group with a name and several contacts.

use chat_protocol::Contact;
use leptos::prelude::*;

use super::avatar::Avatar;
use super::sidebar::Panel;
use crate::store::Store;

#[component]
pub fn NewChatPanel() -> impl IntoView {
    let store = expect_context::<Store>();
    let panel = expect_context::<RwSignal<Panel>>();
    let name = RwSignal::new(String::new());
    let picked = RwSignal::new(Vec::<String>::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);

    let direct = move |username: String| {
        leptos::task::spawn_local(async move {
            match store.open_direct(&username).await {
                Ok(_) => panel.set(Panel::Chats),
                Err(e) => error.set(Some(e)),
            }
        });
    };

    let create_group = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        let group_name = name.get_untracked();
        let members = picked.get_untracked();
        leptos::task::spawn_local(async move {
            match store.create_group(&group_name, members).await {
                Ok(_) => panel.set(Panel::Chats),
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
    };

    let toggle = move |username: String, on: bool| {
        picked.update(|p| {
            p.retain(|u| *u != username);
            if on {
                p.push(username);
            }
        });
    };

    view! {
        <section class="panel" aria-labelledby="new-chat-heading">
            <h2 id="new-chat-heading" class="panel-title">"New chat"</h2>
            <Show when=move || store.contacts.with(Vec::is_empty)>
                <p class="muted">"Add contacts first; then you can chat with them here."</p>
                <button type="button" class="primary" on:click=move |_| panel.set(Panel::Contacts)>
                    "Find people"
                </button>
            </Show>
            <h3 class="section-title">"Direct chat"</h3>
            <ul class="people">
                <For each=move || store.contacts.get() key=|c: &Contact| c.user.id let:contact>
                    {
                        let username = contact.user.username.clone();
                        let label = format!("Chat with {username}");
                        view! {
                            <li class="person">
                                <Avatar name=username.clone() small=true />
                                <span class="person-name">{username.clone()}</span>
                                <button
                                    type="button"
                                    class="start-direct"
                                    aria-label=label
                                    on:click=move |_| direct(username.clone())
                                >
                                    "Chat"
                                </button>
                            </li>
                        }
                    }
                </For>
            </ul>
            <h3 class="section-title">"Group"</h3>
            <form class="stack" id="new-group-form" on:submit=create_group>
                <label for="group-name">"Group name"</label>
                <input id="group-name" type="text" maxlength="100" bind:value=name />
                <fieldset class="picker">
                    <legend>"Members"</legend>
                    <For each=move || store.contacts.get() key=|c: &Contact| c.user.id let:contact>
                        {
                            let username = contact.user.username.clone();
                            let input_id = format!("pick-{}", contact.user.id);
                            let label_for = input_id.clone();
                            view! {
                                <label class="check group-candidate" for=label_for>
                                    <input
                                        type="checkbox"
                                        id=input_id
                                        value=username.clone()
                                        on:change={
                                            let username = username.clone();
                                            move |ev| toggle(username.clone(), event_target_checked(&ev))
                                        }
                                    />
                                    {username.clone()}
                                </label>
                            }
                        }
                    </For>
                </fieldset>
                <p class="form-error" role="alert">{move || error.get().unwrap_or_default()}</p>
                <button type="submit" id="create-group" class="primary" disabled=move || busy.get()>
                    "Create group"
                </button>
            </form>
        </section>
    }
}
