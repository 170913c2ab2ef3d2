//! The devices panel: where I am signed in (browser and system, when signed in, when last
//! active), "This device" marked; sign out any other device, or all of them at once. Fetching
//! and revoking are the state's job; the list shown is this panel's own view state.

use chat_protocol::{SessionId, SessionInfo};
use leptos::prelude::*;

use crate::model::sessions;
use crate::state::ChatState;
use crate::state::locale::hour_cycle;
use crate::text::device::{device_name, when};
use crate::ui::common::{ConfirmButton, FormError, FormStatus};

#[component]
pub(super) fn SessionsPanel() -> impl IntoView {
    let state = expect_context::<ChatState>();
    let list = RwSignal::new(Vec::<SessionInfo>::new());
    let loaded = RwSignal::new(false);
    let form = FormStatus::new();

    let load = move || {
        leptos::task::spawn_local(async move {
            match state.sessions().await {
                Ok(fresh) => {
                    list.set(fresh);
                    loaded.set(true);
                }
                Err(e) => form.fail(e),
            }
        });
    };
    load();

    let end_one = Callback::new(move |id: SessionId| {
        form.run(async move {
            state.end_session(id).await?;
            list.update(|l| {
                sessions::remove(l, id);
            });
            form.clear();
            load();
            Ok(())
        });
    });
    let end_others = move || {
        let ids = list.with_untracked(|l| sessions::others(l));
        form.run(async move {
            state.end_other_sessions(ids).await?;
            list.update(|l| l.retain(|s| s.current));
            form.clear();
            load();
            Ok(())
        });
    };
    let has_others = move || list.with(|l| l.iter().any(|s| !s.current));

    view! {
        <section class="account-section stack" aria-labelledby="sessions-heading" id="sessions-panel">
            <h3 id="sessions-heading" class="section-title">"Devices"</h3>
            <p class="muted small">"Where you are signed in. Sign out anything you do not recognise."</p>
            <FormError status=form id="sessions-error" />
            <Show when=move || !loaded.get()>
                <p class="muted">"Loading…"</p>
            </Show>
            <ul class="sessions" id="session-list">
                <For each=move || list.get() key=|s: &SessionInfo| (s.id, s.last_used_at) let:session>
                    <SessionRow session=session on_end=end_one />
                </For>
            </ul>
            <Show when=has_others>
                <ConfirmButton
                    class="danger end-other-sessions"
                    text="Sign out all other devices"
                    label="Sign out all other devices"
                    question="Sign out every device except this one?"
                    confirm_class="danger confirm-end-others"
                    on_confirm=end_others
                />
            </Show>
        </section>
    }
}

#[component]
fn SessionRow(session: SessionInfo, on_end: Callback<SessionId>) -> impl IntoView {
    let state = expect_context::<ChatState>();
    let today = chrono::Local::now().date_naive();
    let device = device_name(session.user_agent.as_deref());
    let signed_in = format!(
        "Signed in {}",
        when(&session.created_at, &chrono::Local, today, hour_cycle())
    );
    let active = if session.current {
        "Active now".to_owned()
    } else {
        format!(
            "Last active {}",
            when(&session.last_used_at, &chrono::Local, today, hour_cycle())
        )
    };
    let id = session.id;
    let current = session.current;
    view! {
        <li class="session" class:current=current data-session-id=id.to_string()>
            <div class="session-text">
                <span class="session-device">{device.clone()}</span>
                {current.then(|| view! { <span class="this-device badge-soft">"This device"</span> })}
                <span class="muted small session-times">{signed_in}" · "{active}</span>
            </div>
            {if current {
                view! {
                    <button type="button" class="ghost end-this-session" on:click=move |_| state.sign_out()>
                        "Sign out"
                    </button>
                }
                    .into_any()
            } else {
                view! {
                    <button
                        type="button"
                        class="ghost end-session"
                        aria-label=format!("Sign out {device}")
                        on:click=move |_| on_end.run(id)
                    >
                        "Sign out"
                    </button>
                }
                    .into_any()
            }}
        </li>
    }
}
