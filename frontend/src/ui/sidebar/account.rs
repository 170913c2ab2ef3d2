//! The account panel: my devices, notifications, a new password, a copy of my data, and
//! deleting the account.
//! What each form holds (typed passwords, the prepared file) is this panel's own view state; the
//! work is the app state's.

use leptos::prelude::*;

use super::sessions::SessionsPanel;
use crate::state::ChatState;
use crate::ui::common::{FormError, FormStatus, JsonFile};

#[component]
pub(super) fn AccountPanel() -> impl IntoView {
    view! {
        <section class="panel" aria-labelledby="account-heading" id="account-panel">
            <h2 id="account-heading" class="panel-title">"Account"</h2>
            <SessionsPanel />
            <NotificationsForm />
            <PasswordForm />
            <ExportForm />
            <DeleteForm />
        </section>
    }
}

#[component]
fn NotificationsForm() -> impl IntoView {
    let state = expect_context::<ChatState>();
    let form = FormStatus::new();
    // The browser asks for permission here, on the person's click, never on load.
    let toggle = move |ev: leptos::ev::Event| {
        let on = event_target_checked(&ev);
        form.run(async move {
            let result = state.set_alerts(on).await;
            if result.is_err() {
                state.alerts_on.set(false);
            } else {
                form.clear();
            }
            result
        });
    };
    view! {
        <div class="account-section stack" id="notifications-section">
            <h3 class="section-title">"Notifications"</h3>
            <label class="check">
                <input
                    id="notify-toggle"
                    type="checkbox"
                    role="switch"
                    aria-describedby="notify-explained"
                    prop:checked=move || state.alerts_on.get()
                    disabled=move || form.is_busy()
                    on:change=toggle
                />
                "Notify me in this browser"
            </label>
            <p class="hint" id="notify-explained">
                "Direct messages and mentions, when the chat is not on screen. Mute a chat in its details."
            </p>
            {move || {
                if !state.alerts_on.get() {
                    return None;
                }
                let note = match state.push_state.get() {
                    None => "Checking whether this browser can be notified while this site is closed…".to_owned(),
                    Some(Ok(())) => "Also when this site is closed (Web Push).".to_owned(),
                    Some(Err(why)) => format!("Only while this site is open: no Web Push here ({why})."),
                };
                Some(view! { <p class="hint" id="push-state" role="status">{note}</p> })
            }}
            <FormError status=form id="notify-error" />
        </div>
    }
}

#[component]
fn PasswordForm() -> impl IntoView {
    let state = expect_context::<ChatState>();
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let repeat = RwSignal::new(String::new());
    let done = RwSignal::new(false);
    let form = FormStatus::new();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        done.set(false);
        let (old, fresh) = (current.get_untracked(), new.get_untracked());
        if fresh != repeat.get_untracked() {
            form.fail("The new passwords do not match.");
            return;
        }
        form.run(async move {
            state.change_password(old, fresh).await?;
            for field in [current, new, repeat] {
                field.set(String::new());
            }
            form.clear();
            done.set(true);
            Ok(())
        });
    };
    view! {
        <form class="account-section stack" id="password-form" on:submit=submit novalidate>
            <h3 class="section-title">"Password"</h3>
            <label for="current-password">"Current password"</label>
            <input id="current-password" type="password" autocomplete="current-password" bind:value=current />
            <label for="new-password">"New password"</label>
            <input
                id="new-password"
                type="password"
                autocomplete="new-password"
                aria-describedby="new-password-hint"
                bind:value=new
            />
            <p class="hint" id="new-password-hint">
                "At least 8 characters. Your other devices will be signed out."
            </p>
            <label for="repeat-password">"New password again"</label>
            <input id="repeat-password" type="password" autocomplete="new-password" bind:value=repeat />
            <FormError status=form id="password-error" />
            <p class="form-done" id="password-done" role="status">
                {move || done.get().then_some("Password changed. Your other devices were signed out.")}
            </p>
            <button type="submit" class="primary" id="change-password" disabled=move || form.is_busy()>
                "Change password"
            </button>
        </form>
    }
}

#[component]
fn ExportForm() -> impl IntoView {
    let state = expect_context::<ChatState>();
    let me = move || {
        state
            .user
            .with(|u| u.as_ref().map(|u| u.username.clone()).unwrap_or_default())
    };
    let file = RwSignal::new(None::<JsonFile>);
    let form = FormStatus::new();
    let prepare = move |_| {
        form.run(async move {
            let text = state.export_account().await?;
            file.set(Some(JsonFile::new(&text)?));
            form.clear();
            Ok(())
        });
    };
    view! {
        <div class="account-section stack" id="export-section">
            <h3 class="section-title">"Your data"</h3>
            <p class="muted small">
                "A copy of your profile, contacts, chats and the messages you wrote, as a JSON file."
            </p>
            <FormError status=form id="export-error" />
            <button type="button" id="prepare-export" disabled=move || form.is_busy() on:click=prepare>
                {move || if form.is_busy() { "Preparing…" } else { "Prepare a copy of my data" }}
            </button>
            {move || {
                file.with(|f| {
                    f.as_ref()
                        .map(|f| {
                            view! {
                                <a
                                    id="download-export"
                                    class="download"
                                    href=f.url().to_owned()
                                    download=format!("chat-{}.json", me())
                                >
                                    {format!("Download chat-{}.json ({})", me(), f.size())}
                                </a>
                            }
                        })
                })
            }}
        </div>
    }
}

#[component]
fn DeleteForm() -> impl IntoView {
    let state = expect_context::<ChatState>();
    let password = RwSignal::new(String::new());
    let form = FormStatus::new();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let typed = password.get_untracked();
        if typed.is_empty() {
            form.fail("Type your password to confirm.");
            return;
        }
        form.run(async move { state.delete_account(typed).await });
    };
    view! {
        <form class="account-section stack danger-zone" id="delete-form" on:submit=submit novalidate>
            <h3 class="section-title">"Delete account"</h3>
            <p class="muted small" id="delete-explained">
                "Your messages are removed from every chat, you leave all contact lists and your \
                 username becomes free. This cannot be undone."
            </p>
            <label for="delete-password">"Password"</label>
            <input
                id="delete-password"
                type="password"
                autocomplete="current-password"
                aria-describedby="delete-explained"
                bind:value=password
            />
            <FormError status=form id="delete-error" />
            <button type="submit" class="danger" id="delete-account" disabled=move || form.is_busy()>
                "Delete my account"
            </button>
        </form>
    }
}
