//! The new-chat panel: start a direct chat with a contact, or a group with a name and several
//! contacts. Tells the sidebar by callbacks; creating the chat is the state's job.

use chat_protocol::Contact;
use leptos::prelude::*;

use crate::state::ChatState;
use crate::ui::common::{Avatar, FormError, FormStatus};

#[component]
pub(super) fn NewChatPanel(
    /// The chat was opened (or created).
    #[prop(into)]
    on_chat_opened: Callback<()>,
    /// "Find people", when there are no contacts yet.
    #[prop(into)]
    on_find_people: Callback<()>,
) -> impl IntoView {
    let state = expect_context::<ChatState>();
    let name = RwSignal::new(String::new());
    let picked = RwSignal::new(Vec::<String>::new());
    let public = RwSignal::new(false);
    let form = FormStatus::new();

    let direct = move |username: String| {
        leptos::task::spawn_local(async move {
            match state.open_direct(&username).await {
                Ok(()) => on_chat_opened.run(()),
                Err(e) => form.fail(e),
            }
        });
    };

    let create_group = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let group_name = name.get_untracked();
        let members = picked.get_untracked();
        let public = public.get_untracked();
        form.run(async move {
            state.create_group(&group_name, members, public).await?;
            on_chat_opened.run(());
            Ok(())
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
            <Show when=move || state.contacts.with(Vec::is_empty)>
                <p class="muted">"Add contacts first; then you can chat with them here."</p>
                <button type="button" class="primary" on:click=move |_| on_find_people.run(())>
                    "Find people"
                </button>
            </Show>
            <h3 class="section-title">"Direct chat"</h3>
            <ul class="people">
                <For each=move || state.contacts.get() key=|c: &Contact| c.user.id let:contact>
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
                    <For each=move || state.contacts.get() key=|c: &Contact| c.user.id let:contact>
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
                <label class="check">
                    <input id="group-public" type="checkbox" bind:checked=public />
                    "Public room (anyone can find and join it)"
                </label>
                <FormError status=form />
                <button type="submit" id="create-group" class="primary" disabled=move || form.is_busy()>
                    "Create group"
                </button>
            </form>
        </section>
    }
}
