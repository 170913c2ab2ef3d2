//! Sign in / create an account, with errors worded for people.

use chat_protocol::RegisterRequest;
use chat_protocol::limits::{check_password, check_username};
use leptos::prelude::*;

use crate::api;
use crate::errors::{Action, sentence};
use crate::store::Store;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    SignIn,
    SignUp,
}

#[component]
pub fn AuthPage() -> impl IntoView {
    let store = expect_context::<Store>();
    let mode = RwSignal::new(Mode::SignIn);
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let remember = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let name = username.get_untracked().trim().to_owned();
        let pass = password.get_untracked();
        let signing_up = mode.get_untracked() == Mode::SignUp;
        if signing_up {
            if let Err(e) = check_username(&name).and_then(|()| check_password(&pass)) {
                error.set(Some(sentence(&e)));
                return;
            }
        } else if name.is_empty() || pass.is_empty() {
            error.set(Some("Enter your username and password.".into()));
            return;
        }
        error.set(None);
        busy.set(true);
        let keep = remember.get_untracked();
        leptos::task::spawn_local(async move {
            let request = RegisterRequest {
                username: name,
                password: pass,
            };
            let (result, action) = if signing_up {
                (api::register(&request).await, Action::SignUp)
            } else {
                (api::login(&request).await, Action::SignIn)
            };
            busy.set(false);
            match result {
                Ok(auth) => {
                    password.set(String::new());
                    store.session().accept(auth, keep);
                    store.start();
                }
                Err(e) => error.set(Some(e.user_message(action))),
            }
        });
    };

    let switch_to = move |m: Mode| {
        mode.set(m);
        error.set(None);
    };

    view! {
        <main class="auth">
            <div class="auth-card">
                <h1 class="brand">"Chat"</h1>
                <div class="segmented" role="tablist" aria-label="Sign in or create an account">
                    <button
                        type="button"
                        role="tab"
                        id="auth-tab-signin"
                        aria-selected=move || (mode.get() == Mode::SignIn).to_string()
                        on:click=move |_| switch_to(Mode::SignIn)
                    >
                        "Sign in"
                    </button>
                    <button
                        type="button"
                        role="tab"
                        id="auth-tab-signup"
                        aria-selected=move || (mode.get() == Mode::SignUp).to_string()
                        on:click=move |_| switch_to(Mode::SignUp)
                    >
                        "Create account"
                    </button>
                </div>
                {move || {
                    store
                        .ended
                        .get()
                        .map(|why| view! { <p class="auth-note" role="status">{why}</p> })
                }}
                <form class="auth-form" on:submit=submit novalidate>
                    <label for="auth-username">"Username"</label>
                    <input
                        id="auth-username"
                        name="username"
                        type="text"
                        autocomplete="username"
                        autocapitalize="none"
                        spellcheck="false"
                        required
                        bind:value=username
                    />
                    <label for="auth-password">"Password"</label>
                    <input
                        id="auth-password"
                        name="password"
                        type="password"
                        autocomplete=move || {
                            if mode.get() == Mode::SignUp { "new-password" } else { "current-password" }
                        }
                        required
                        bind:value=password
                    />
                    <Show when=move || mode.get() == Mode::SignUp>
                        <p class="hint">"3–32 letters, digits, '_', '.' or '-'; password at least 8 characters."</p>
                    </Show>
                    <label class="check">
                        <input id="auth-remember" type="checkbox" bind:checked=remember />
                        "Remember me on this device"
                    </label>
                    <p id="auth-error" class="form-error" role="alert">
                        {move || error.get().unwrap_or_default()}
                    </p>
                    <button id="auth-submit" class="primary" type="submit" disabled=move || busy.get()>
                        {move || match (mode.get(), busy.get()) {
                            (_, true) => "Please wait…",
                            (Mode::SignIn, false) => "Sign in",
                            (Mode::SignUp, false) => "Create account",
                        }}
                    </button>
                </form>
            </div>
        </main>
    }
}
