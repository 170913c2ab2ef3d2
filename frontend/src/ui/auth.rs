//! The sign-in page: sign in or create an account, with errors worded for people. Checks the
//! input locally; signing in itself is the state's job.

use chat_protocol::RegisterRequest;
use chat_protocol::limits::{check_password, check_username};
use leptos::prelude::*;

use super::common::{FormError, FormStatus, Tab};
use crate::state::ChatState;
use crate::text::error_text::{Attempt, sentence};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    SignIn,
    SignUp,
}

#[component]
pub(crate) fn AuthPage() -> impl IntoView {
    let state = expect_context::<ChatState>();
    let mode = RwSignal::new(Mode::SignIn);
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let remember = RwSignal::new(false);
    let form = FormStatus::new();

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if form.is_busy_now() {
            return;
        }
        let name = username.get_untracked().trim().to_owned();
        let pass = password.get_untracked();
        let signing_up = mode.get_untracked() == Mode::SignUp;
        if signing_up {
            if let Err(e) = check_username(&name).and_then(|()| check_password(&pass)) {
                form.fail(sentence(&e));
                return;
            }
        } else if name.is_empty() || pass.is_empty() {
            form.fail("Enter your username and password.");
            return;
        }
        form.clear();
        let attempt = if signing_up {
            Attempt::SignUp
        } else {
            Attempt::SignIn
        };
        let request = RegisterRequest {
            username: name,
            password: pass,
        };
        let keep = remember.get_untracked();
        form.run(async move {
            state.sign_in(request, attempt, keep).await?;
            password.set(String::new());
            Ok(())
        });
    };

    let switch_to = move |m: Mode| {
        mode.set(m);
        form.clear();
    };
    let tab = move |m: Mode, id: &'static str, label: &'static str| {
        view! {
            <Tab id=id selected=Signal::derive(move || mode.get() == m) on_select=move || switch_to(m)>
                {label}
            </Tab>
        }
    };

    view! {
        <main class="auth">
            <div class="auth-card">
                <h1 class="brand">"Chat"</h1>
                <div class="segmented" role="tablist" aria-label="Sign in or create an account">
                    {tab(Mode::SignIn, "auth-tab-signin", "Sign in")}
                    {tab(Mode::SignUp, "auth-tab-signup", "Create account")}
                </div>
                {crate::state::has_pending_invite()
                    .then(|| {
                        view! {
                            <p class="auth-note" id="invite-note" role="status">
                                "You were invited to a group. Sign in or create an account to join it."
                            </p>
                        }
                    })}
                {move || {
                    state
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
                    <FormError status=form id="auth-error" />
                    <button id="auth-submit" class="primary" type="submit" disabled=move || form.is_busy()>
                        {move || match (mode.get(), form.is_busy()) {
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
