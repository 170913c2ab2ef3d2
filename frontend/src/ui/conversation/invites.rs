//! A group's sharing settings in its details panel: public or private (anyone can find and join
//! a public room), and invite links: create one (optionally expiring, optionally limited in
//! uses), copy it, see how often it was used, revoke it. The calls are the state's.

use chat_protocol::time::format;
use chat_protocol::{Chat, CreateInviteRequest, Invite};
use chrono::{Datelike, Timelike};
use leptos::prelude::*;

use crate::state::ChatState;
use crate::ui::common::{FormError, FormStatus};

/// The address that opens an invite.
fn invite_link(token: &str) -> String {
    let origin = window().location().origin().unwrap_or_default();
    format!("{origin}/join/{token}")
}

/// "uses 2 of 5 · expires 2026-12-03 10:00" for an invite.
fn invite_facts(invite: &Invite) -> String {
    let uses = match invite.max_uses {
        Some(max) => format!("used {} of {max} times", invite.uses),
        None => format!("used {} times", invite.uses),
    };
    match &invite.expires_at {
        Some(t) => {
            let local = t.with_timezone(&chrono::Local);
            format!(
                "{uses} · expires {}-{:02}-{:02} {:02}:{:02}",
                local.year(),
                local.month(),
                local.day(),
                local.hour(),
                local.minute()
            )
        }
        None => format!("{uses} · never expires"),
    }
}

#[component]
pub(super) fn SharingSettings(chat: Chat, admin: bool) -> impl IntoView {
    let state = expect_context::<ChatState>();
    let chat_id = chat.id;
    let public = RwSignal::new(chat.public);
    let invites = RwSignal::new(Vec::<Invite>::new());
    let form = FormStatus::new();
    let expiry = RwSignal::new(String::new());
    let max_uses = RwSignal::new(String::new());
    let copied = RwSignal::new(None::<String>);

    leptos::task::spawn_local(async move {
        match state.invites(chat_id).await {
            Ok(list) => invites.set(list),
            Err(e) => form.fail(e),
        }
    });

    let toggle_public = move |on: bool| {
        public.set(on);
        form.run(async move {
            if let Err(e) = state.set_public(chat_id, on).await {
                public.set(!on);
                return Err(e);
            }
            Ok(())
        });
    };

    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let expires_in_secs = expiry
            .get_untracked()
            .parse::<i64>()
            .ok()
            .filter(|s| *s > 0);
        let max = max_uses.get_untracked().trim().to_owned();
        let max_uses_value = if max.is_empty() {
            None
        } else {
            match max.parse::<i64>() {
                Ok(n) if n > 0 => Some(n),
                _ => {
                    form.fail("The number of uses must be a whole number above 0.");
                    return;
                }
            }
        };
        form.run(async move {
            let invite = state
                .create_invite(
                    chat_id,
                    CreateInviteRequest {
                        expires_in_secs,
                        max_uses: max_uses_value,
                    },
                )
                .await?;
            invites.update(|l| l.insert(0, invite));
            Ok(())
        });
    };

    let copy = move |token: String| {
        let link = invite_link(&token);
        let clipboard = window().navigator().clipboard();
        let promise = clipboard.write_text(&link);
        leptos::task::spawn_local(async move {
            if wasm_bindgen_futures::JsFuture::from(promise).await.is_ok() {
                copied.set(Some(token));
            } else {
                state.notify("Could not copy; select the link and copy it by hand.");
            }
        });
    };

    let revoke = move |token: String| {
        form.run(async move {
            state.revoke_invite(chat_id, &token).await?;
            invites.update(|l| l.retain(|i| i.token != token));
            Ok(())
        });
    };

    let list = move || {
        invites
            .get()
            .into_iter()
            .map(|invite| {
                let link = invite_link(&invite.token);
                let facts = invite_facts(&invite);
                let stamp = invite.expires_at.as_ref().map(format);
                let (t1, t2) = (invite.token.clone(), invite.token.clone());
                let shown = invite.token.clone();
                view! {
                    <li class="invite" data-token=invite.token.clone()>
                        <input
                            class="invite-link"
                            type="text"
                            readonly
                            aria-label="Invite link"
                            value=link
                        />
                        <span class="muted small invite-facts" data-expires=stamp>{facts}</span>
                        <span class="invite-actions">
                            <button type="button" class="ghost small copy-invite" on:click=move |_| copy(t1.clone())>
                                {move || {
                                    if copied.get().as_deref() == Some(shown.as_str()) { "Copied" } else { "Copy link" }
                                }}
                            </button>
                            <button type="button" class="ghost small danger revoke-invite" on:click=move |_| revoke(t2.clone())>
                                "Revoke"
                            </button>
                        </span>
                    </li>
                }
            })
            .collect_view()
    };

    view! {
        <section class="sharing" aria-labelledby="sharing-heading">
            <h4 id="sharing-heading">"Sharing"</h4>
            <label class="check">
                <input
                    id="chat-public"
                    type="checkbox"
                    role="switch"
                    prop:checked=move || public.get()
                    disabled=!admin
                    aria-describedby=(!admin).then_some("public-admins-only")
                    on:change=move |ev| toggle_public(event_target_checked(&ev))
                />
                "Public room (anyone can find and join it)"
            </label>
            {(!admin)
                .then(|| {
                    view! {
                        <p class="hint" id="public-admins-only">
                            "Only the group's admins can change this."
                        </p>
                    }
                })}
            <form class="stack invite-form" on:submit=create>
                <label for="invite-expiry">"Link expires"</label>
                <select id="invite-expiry" on:change=move |ev| expiry.set(event_target_value(&ev))>
                    <option value="">"Never"</option>
                    <option value="3600">"In 1 hour"</option>
                    <option value="86400">"In 1 day"</option>
                    <option value="604800">"In 7 days"</option>
                </select>
                <label for="invite-max-uses">"Maximum uses (empty: no limit)"</label>
                <input id="invite-max-uses" type="number" min="1" inputmode="numeric" bind:value=max_uses />
                <button type="submit" id="create-invite" class="primary" disabled=move || form.is_busy()>
                    "Create invite link"
                </button>
            </form>
            <ul class="invites" id="invite-list">{list}</ul>
            <FormError status=form />
        </section>
    }
}
