//! The contacts panel: search people by name prefix, add or message them, see who is online
//! (when they share it), message, remove or block contacts, and the people I blocked. Tells the
//! sidebar through `on_chat_opened` when a chat was opened.

use chat_protocol::{Contact, User};
use leptos::prelude::*;

use super::blocked::BlockedList;
use crate::state::ChatState;
use crate::ui::common::{Avatar, ConfirmButton, FormError, FormStatus, PresenceText};

#[component]
pub(super) fn ContactsPanel(
    /// A direct chat was opened from a contact.
    #[prop(into)]
    on_chat_opened: Callback<()>,
) -> impl IntoView {
    let state = expect_context::<ChatState>();
    // Presence is shared only with consent, and nobody is told when someone starts sharing:
    // opening the panel asks again, so a contact who just added me shows their dot.
    state.refresh_contacts();
    let query = RwSignal::new(String::new());
    let results = RwSignal::new(Vec::<User>::new());
    let searched = RwSignal::new(false);
    let search_status = FormStatus::new();
    // Only the answer to the latest query is shown.
    let generation = StoredValue::new(0u64);

    let search = move |text: String| {
        query.set(text.clone());
        let mine = generation.get_value() + 1;
        generation.set_value(mine);
        let prefix = text.trim().to_owned();
        if prefix.is_empty() {
            results.set(Vec::new());
            searched.set(false);
            return;
        }
        leptos::task::spawn_local(async move {
            gloo_timers::future::TimeoutFuture::new(200).await;
            if generation.get_value() != mine {
                return;
            }
            let found = state.search_people(&prefix).await;
            if generation.get_value() != mine {
                return;
            }
            if let Ok(users) = &found {
                results.set(users.clone());
            }
            search_status.show(found.map(drop));
            searched.set(true);
        });
    };

    view! {
        <section class="panel" aria-labelledby="contacts-heading">
            <h2 id="contacts-heading" class="panel-title">"Contacts"</h2>
            <form class="search" role="search" on:submit=move |ev| {
                ev.prevent_default();
                search(query.get_untracked());
            }>
                <label for="people-search">"Find people"</label>
                <input
                    id="people-search"
                    type="search"
                    placeholder="Username starts with…"
                    autocomplete="off"
                    autocapitalize="none"
                    spellcheck="false"
                    prop:value=move || query.get()
                    on:input=move |ev| search(event_target_value(&ev))
                />
            </form>
            <FormError status=search_status />
            <Show when=move || searched.get() && results.with(Vec::is_empty)>
                <p class="muted">"Nobody found."</p>
            </Show>
            <ul class="people search-results" aria-label="Search results">
                <For each=move || results.get() key=|u: &User| u.id let:user>
                    <SearchResult user=user on_chat_opened=on_chat_opened />
                </For>
            </ul>
            <h3 class="section-title">"Your contacts"</h3>
            <Show when=move || state.contacts.with(Vec::is_empty)>
                <p class="muted">"No contacts yet. Search for someone above."</p>
            </Show>
            <ul class="people" id="contact-list">
                <For
                    each=move || state.contacts.get()
                    key=|c: &Contact| c.user.id
                    let:contact
                >
                    <ContactRow contact=contact on_chat_opened=on_chat_opened />
                </For>
            </ul>
            <BlockedList />
        </section>
    }
}

#[component]
fn SearchResult(user: User, on_chat_opened: Callback<()>) -> impl IntoView {
    let state = expect_context::<ChatState>();
    let id = user.id;
    let name = user.username.clone();
    let is_contact = move || state.contacts.with(|c| c.iter().any(|c| c.user.id == id));
    let label_name = user.username.clone();
    let shown_name = move || label_name.clone();
    // Adding fails rarely; the app-wide notice says why.
    let adding = FormStatus::reporting_to(state.notice);
    let add = {
        let name = name.clone();
        move |_| {
            let name = name.clone();
            adding.run(async move { state.add_contact(&name).await });
        }
    };
    // Writing to someone does not need adding them first (as in Slack or Telegram).
    let message = {
        let name = name.clone();
        move |_| {
            let name = name.clone();
            leptos::task::spawn_local(async move {
                match state.open_direct(&name).await {
                    Ok(()) => on_chat_opened.run(()),
                    Err(e) => state.notify(e),
                }
            });
        }
    };
    let shown = name.clone();
    view! {
        <li class="person search-result" data-username=shown.clone()>
            <Avatar name=shown.clone() small=true />
            <span class="person-name">{shown.clone()}</span>
            {move || {
                (!state.is_blocked(id))
                    .then(|| {
                        view! {
                            <button
                                type="button"
                                class="ghost message-user"
                                aria-label=format!("Message {}", shown_name())
                                on:click=message.clone()
                            >
                                "Message"
                            </button>
                        }
                    })
            }}
            {move || {
                if state.is_blocked(id) {
                    view! { <span class="muted small">"blocked"</span> }.into_any()
                } else if is_contact() {
                    view! { <span class="muted small">"in contacts"</span> }.into_any()
                } else {
                    view! {
                        <button
                            type="button"
                            class="add-contact"
                            aria-label=format!("Add {} to contacts", name)
                            disabled=move || adding.is_busy()
                            on:click=add.clone()
                        >
                            "Add"
                        </button>
                    }
                        .into_any()
                }
            }}
        </li>
    }
}

#[component]
fn ContactRow(contact: Contact, on_chat_opened: Callback<()>) -> impl IntoView {
    let state = expect_context::<ChatState>();
    let id = contact.user.id;
    let name = contact.user.username.clone();
    // `None`: they did not add me, so they share no presence (no dot at all).
    let online = Signal::derive(move || {
        state
            .contacts
            .with(|c| c.iter().find(|c| c.user.id == id).and_then(|c| c.online))
    });
    let user = contact.user.clone();
    let block = move || {
        let user = user.clone();
        leptos::task::spawn_local(async move {
            if let Err(e) = state.block(&user).await {
                state.notify(e);
            }
        });
    };
    let message = {
        let name = name.clone();
        move |_| {
            let name = name.clone();
            leptos::task::spawn_local(async move {
                match state.open_direct(&name).await {
                    Ok(()) => on_chat_opened.run(()),
                    Err(e) => state.notify(e),
                }
            });
        }
    };
    let remove = move |_| {
        leptos::task::spawn_local(async move {
            if let Err(e) = state.remove_contact(id).await {
                state.notify(e);
            }
        });
    };
    view! {
        <li
            class="person contact"
            data-username=name.clone()
            class:online=move || online.get() == Some(true)
            class:presence-unknown=move || online.get().is_none()
        >
            <Avatar name=name.clone() online=online small=true />
            <span class="person-name contact-name">
                {name.clone()}
                <PresenceText online=online />
            </span>
            <button
                type="button"
                class="message-contact"
                aria-label=format!("Message {name}")
                on:click=message
            >
                "Message"
            </button>
            <button
                type="button"
                class="remove-contact ghost"
                aria-label=format!("Remove {name} from contacts")
                on:click=remove
            >
                "Remove"
            </button>
            <ConfirmButton
                class="ghost block-contact"
                text="Block"
                label=format!("Block {name}")
                question=format!("Block {name}? They will not be able to message you.")
                confirm_class="danger confirm-block"
                on_confirm=block
            />
        </li>
    }
}
