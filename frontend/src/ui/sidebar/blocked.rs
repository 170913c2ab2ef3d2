//! The people I blocked, under my contacts, each with "Unblock". Unblocking itself is the
//! state's job.

use chat_protocol::User;
use leptos::prelude::*;

use crate::state::ChatState;
use crate::ui::common::Avatar;

#[component]
pub(super) fn BlockedList() -> impl IntoView {
    let state = expect_context::<ChatState>();
    view! {
        <Show when=move || state.blocked.with(|b| !b.is_empty())>
            <h3 class="section-title" id="blocked-heading">"Blocked"</h3>
            <p class="muted small">
                "They cannot message you, add you or see when you are online."
            </p>
            <ul class="people" id="blocked-list" aria-labelledby="blocked-heading">
                <For each=move || state.blocked.get() key=|u: &User| u.id let:user>
                    <BlockedRow user=user />
                </For>
            </ul>
        </Show>
    }
}

#[component]
fn BlockedRow(user: User) -> impl IntoView {
    let state = expect_context::<ChatState>();
    let id = user.id;
    let name = user.username;
    let busy = RwSignal::new(false);
    let unblock = move |_| {
        busy.set(true);
        leptos::task::spawn_local(async move {
            if let Err(e) = state.unblock(id).await {
                state.notify(e);
            }
            busy.set(false);
        });
    };
    view! {
        <li class="person blocked-user" data-username=name.clone()>
            <Avatar name=name.clone() small=true />
            <span class="person-name">{name.clone()}</span>
            <button
                type="button"
                class="unblock"
                aria-label=format!("Unblock {name}")
                disabled=move || busy.get()
                on:click=unblock
            >
                "Unblock"
            </button>
        </li>
    }
}
