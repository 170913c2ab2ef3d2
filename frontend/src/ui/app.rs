//! The root: restores a remembered session, then shows the sign-in page or the app.

use std::time::Duration;

use leptos::prelude::*;

use super::auth::AuthPage;
use super::shell::Shell;
use crate::errors::Action;
use crate::store::Store;

#[component]
pub fn App() -> impl IntoView {
    let store = Store::new();
    provide_context(store);
    let booting = RwSignal::new(true);

    leptos::task::spawn_local(async move {
        match store.session().restore().await {
            Ok(true) => store.start(),
            Ok(false) => {}
            Err(e) => store.ended.set(Some(e.user_message(Action::SignIn))),
        }
        booting.set(false);
    });

    set_interval(move || store.tick(), Duration::from_secs(1));
    let online = window_event_listener(leptos::ev::online, move |_| store.retry_now());
    let back = window_event_listener(leptos::ev::popstate, move |_| store.follow_address());
    let focus = window_event_listener(leptos::ev::focus, move |_| {
        if let Some(chat) = store.current.get_untracked()
            && store.at_bottom.get_untracked()
        {
            store.mark_read(chat);
        }
    });
    on_cleanup(move || {
        online.remove();
        back.remove();
        focus.remove();
    });

    let signed_in = Memo::new(move |_| store.user.with(Option::is_some));
    // The session can end on its own (refresh token revoked or expired): stop everything.
    Effect::new(move |was: Option<bool>| {
        let now = signed_in.get();
        if was == Some(true) && !now {
            store.stop();
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
