//! The root: creates and provides the state, restores a remembered session, wires the window's
//! events and the clock, then shows the sign-in page or the app. No screen of its own.

use std::time::Duration;

use leptos::prelude::*;

use super::auth::AuthPage;
use super::shell::Shell;
use crate::state::{ChatState, page_attended};

#[component]
pub fn App() -> impl IntoView {
    let state = ChatState::new();
    provide_context(state);
    state.follow_push_clicks();
    // `/join/<token>`: accepted once someone is signed in (now, or after signing in).
    crate::state::remember_invite_in_address();
    let booting = RwSignal::new(true);

    leptos::task::spawn_local(async move {
        state.restore().await;
        booting.set(false);
    });

    set_interval(move || state.tick(), Duration::from_secs(1));
    let online = window_event_listener(leptos::ev::online, move |_| state.retry_now());
    let back = window_event_listener(leptos::ev::popstate, move |_| state.follow_address());
    // Whether the person can see the page decides what counts as read; the open conversation
    // reads what is on screen when this turns true.
    let attend = move || {
        let now = page_attended();
        if state.attended.get_untracked() != now {
            state.attended.set(now);
        }
    };
    let focus = window_event_listener(leptos::ev::focus, move |_| attend());
    let blur = window_event_listener(leptos::ev::blur, move |_| attend());
    // `visibilitychange` is fired at the document and bubbles up to the window.
    let shown = window_event_listener(leptos::ev::visibilitychange, move |_| attend());
    on_cleanup(move || {
        online.remove();
        back.remove();
        focus.remove();
        blur.remove();
        shown.remove();
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
