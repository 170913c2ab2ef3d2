//! The connection banner at the top of the open conversation, on every width: "Connecting…" or
//! "Offline — messages will be sent when you're back", with "Retry now". The sidebar's status
//! pill is out of sight on a phone and easy to miss on a desktop; this is where people look.

use leptos::prelude::*;

use crate::net::ConnStatus;
use crate::state::ChatState;

#[component]
pub(super) fn ConnBanner() -> impl IntoView {
    let state = expect_context::<ChatState>();
    let text = move || state.status.with(|s| s.banner(state.now_ms.get()));
    let offline = move || matches!(state.status.get(), ConnStatus::Offline { .. });
    view! {
        <Show when=move || text().is_some()>
            <div class="conn-banner" id="conn-banner" role="status">
                <span>{move || text().unwrap_or_default()}</span>
                <Show when=offline>
                    <button type="button" class="link-button" on:click=move |_| state.retry_now()>
                        "Retry now"
                    </button>
                </Show>
            </div>
        </Show>
    }
}
