//! The connection status pill: "online", "connecting…", "offline, retrying in 4 s" (+ retry).
//! Reads the status; the only thing it can do is ask the socket to retry now.

use leptos::prelude::*;

use crate::net::ConnStatus;
use crate::state::ChatState;

#[component]
pub(crate) fn StatusPill() -> impl IntoView {
    let state = expect_context::<ChatState>();
    let label = move || state.status.with(|s| s.label(state.now_ms.get()));
    let offline = move || matches!(state.status.get(), ConnStatus::Offline { .. });
    view! {
        <div class="status-line">
            <span
                id="conn-status"
                class=move || format!("status {}", state.status.with(ConnStatus::css_class))
                role="status"
                aria-live="polite"
            >
                <span class="status-dot" aria-hidden="true"></span>
                {label}
            </span>
            <Show when=offline>
                <button type="button" class="link-button" on:click=move |_| state.retry_now()>
                    "Retry now"
                </button>
            </Show>
        </div>
    }
}
