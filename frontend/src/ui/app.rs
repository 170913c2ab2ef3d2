//! The root: creates and provides the state, restores a remembered session, wires the window's
//! events and the clock, then shows the sign-in page or the app. No screen of its own.

use std::time::Duration;

use leptos::prelude::*;

use super::auth::AuthPage;
use super::shell::Shell;
use crate::state::ChatState;

#[component]
pub fn App() -> impl IntoView {
    let state = ChatState::new();
    provide_context(state);
    let booting = RwSignal::new(true);

    leptos::task::spawn_local(async move {
        state.restore().await;
        booting.set(false);
    });

    set_interval(move || state.tick(), Duration::from_secs(1));
    let online = window_event_listener(leptos::ev::online, move |_| state.retry_now());
    let back = window_event_listener(leptos::ev::popstate, move |_| state.follow_address());
    let focus = window_event_listener(leptos::ev::focus, move |_| {
        if let Some(chat) = state.open.get_untracked()
            && state.at_bottom.get_untracked()
        {
            state.mark_read(chat);
        }
    });
    on_cleanup(move || {
        online.remove();
        back.remove();
        focus.remove();
    });

    let signed_in = Memo::new(move |_| state.user.with(Option::is_some));
    // The session can end on its own (refresh token revoked or expired): stop everything.
    Effect::new(move |was: Option<bool>| {
        let now = signed_in.get();
        if was == Some(true) && !now {
            state.stop();
        }
        now
    });

    view! {
        {move || {
            if booting.get() {
                view! {
                    <main class="splash" aria-busy="true">
                        <p>"Loading…"</p>
                    </main>
                }
                    .into_any()
            } else if signed_in.get() {
                view! { <Shell /> }.into_any()
            } else {
                view! { <AuthPage /> }.into_any()
            }
        }}
    }
}
