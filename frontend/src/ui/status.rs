//! The connection status pill: "online", "connecting…", "offline, retrying in 4 s" (+ retry).

use leptos::prelude::*;

use crate::reconnect::ConnStatus;
use crate::store::Store;

#[component]
pub fn StatusPill() -> impl IntoView {
    let store = expect_context::<Store>();
    let label = move || store.status.with(|s| s.label(store.now_ms.get()));
    let offline = move || matches!(store.status.get(), ConnStatus::Offline { .. });
    view! {
        <div class="status-line">
            <span
                id="conn-status"
                class=move || format!("status {}", store.status.with(ConnStatus::css_class))
                role="status"
                aria-live="polite"
            >
                <span class="status-dot" aria-hidden="true"></span>
                {label}
            </span>
            <Show when=offline>
                <button type="button" class="link-button" on:click=move |_| store.retry_now()>
                    "Retry now"
                </button>
            </Show>
        </div>
    }
}
