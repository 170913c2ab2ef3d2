//! The composer: a text box where Enter sends and Shift+Enter starts a new line, with the reason
//! if a message was refused before sending; in a direct chat closed by a block, a line saying so
//! instead. What is typed is kept as the chat's draft until sent. Sending itself is the
//! state's job.

use chat_protocol::{ChatId, ChatKind, UserId};
use leptos::html;
use leptos::prelude::*;

use crate::state::ChatState;
use crate::ui::common::{FormError, FormStatus};

/// Why this chat takes no messages from me.
#[derive(Debug, Clone, PartialEq)]
enum Closed {
    /// I blocked the other person.
    IBlocked { id: UserId, name: String },
    /// The server refused (they blocked me, or I did from elsewhere).
    Refused,
}

/// The composer, or the line that replaces it in a direct chat closed by a block.
#[component]
pub(super) fn ComposerOrClosed(chat_id: ChatId) -> impl IntoView {
    let state = expect_context::<ChatState>();
    let closed = Memo::new(move |_| {
        let me = state.me_or_nobody();
        let peer = state.chats.with(|chats| {
            chats
                .iter()
                .find(|c| c.id == chat_id && c.kind == ChatKind::Direct)
                .and_then(|c| c.members.iter().find(|m| m.id != me).cloned())
        })?;
        if state.is_blocked(peer.id) {
            Some(Closed::IBlocked {
                id: peer.id,
                name: peer.username,
            })
        } else if state.closed.with(|c| c.contains(&chat_id)) {
            Some(Closed::Refused)
        } else {
            None
        }
    });
    move || match closed.get() {
        None => view! { <Composer chat_id=chat_id /> }.into_any(),
        Some(Closed::IBlocked { id, name }) => view! {
            <p class="composer-closed" id="composer-closed" role="status">
                {format!("You blocked {name}. ")}
                <button
                    type="button"
                    class="link-button unblock-here"
                    on:click=move |_| {
                        leptos::task::spawn_local(async move {
                            if let Err(e) = state.unblock(id).await {
                                state.notify(e);
                            }
                        });
                    }
                >
                    "Unblock"
                </button>
            </p>
        }
        .into_any(),
        Some(Closed::Refused) => view! {
            <p class="composer-closed" id="composer-closed" role="status">
                "You can't reply to this conversation."
            </p>
        }
        .into_any(),
    }
}

#[component]
fn Composer(chat_id: ChatId) -> impl IntoView {
    let state = expect_context::<ChatState>();
    // What was typed here before switching chats or reloading.
    let text = RwSignal::new(state.draft(chat_id));
    let form = FormStatus::new();
    let input = NodeRef::<html::Textarea>::new();
    // Opening a chat puts the cursor in its composer on wide screens (where the list stays in
    // view); on a phone the keyboard would cover the messages the person came to read.
    Effect::new(move |done: Option<bool>| {
        if done == Some(true) {
            return true;
        }
        let Some(el) = input.get() else { return false };
        let wide = window()
            .inner_width()
            .ok()
            .and_then(|w| w.as_f64())
            .is_some_and(|w| w > 720.0);
        if wide {
            let _ = el.focus();
        }
        true
    });

    let send = move || {
        let content = text.get_untracked();
        let sent = state.send_message(chat_id, &content);
        if sent.is_ok() {
            text.set(String::new());
            state.save_draft(chat_id, "");
        }
        form.show(sent);
        if let Some(el) = input.get_untracked() {
            let _ = el.focus();
        }
    };

    view! {
        <form
            class="composer"
            on:submit=move |ev: leptos::ev::SubmitEvent| {
                ev.prevent_default();
                send();
            }
        >
            <label for="composer" class="visually-hidden">"Message"</label>
            <span id="composer-hint" class="visually-hidden">
                "Enter sends; Shift+Enter starts a new line."
            </span>
            <textarea
                id="composer"
                node_ref=input
                rows="1"
                placeholder="Write a message…"
                aria-describedby="composer-hint"
                prop:value=move || text.get()
                on:input=move |ev| {
                    let typed = event_target_value(&ev);
                    state.save_draft(chat_id, &typed);
                    text.set(typed);
                    // A refusal ("must not be empty") is about what was there before.
                    form.clear();
                    state.on_composer_input(chat_id);
                }
                on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                    if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() {
                        ev.prevent_default();
                        send();
                    }
                }
            ></textarea>
            <button type="submit" id="send" class="primary">
                "Send"
            </button>
        </form>
        <FormError status=form class="composer-error" />
    }
}
