//! The composer: a text box where Enter sends and Shift+Enter starts a new line, with the reason
//! if a message was refused before sending; in a direct chat closed by a block, a line saying so
//! instead. What is typed is kept as the chat's draft until sent. Sending itself is the
//! state's job. Above it, the reply bar (the message being answered, Escape cancels); `@`
//! opens a list of the chat's members to complete the name (arrows, Enter or Tab, click).

use chat_protocol::{ChatId, ChatKind, User, UserId};
use leptos::html;
use leptos::prelude::*;

use super::Replying;
use super::files::{AttachButton, AttachTray, files_of};
use crate::model::mentions::{byte_to_utf16, complete, query_at, suggestions, utf16_to_byte};
use crate::state::{Attaching, ChatState};
use crate::text::format::snippet;
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

    let replying = expect_context::<Replying>().0;
    // The `@word` being typed: where its `@` is (bytes), the caret, and the matching members.
    let mention = RwSignal::new(None::<(usize, usize, Vec<User>)>);
    let active = RwSignal::new(0usize);

    let update_mention = move || {
        let Some(el) = input.get_untracked() else {
            return;
        };
        let value = el.value();
        let caret = el
            .selection_start()
            .ok()
            .flatten()
            .map_or(value.len(), |units| utf16_to_byte(&value, units as usize));
        let me = state.me_or_nobody();
        let found = query_at(&value, caret).and_then(|(at, word)| {
            let members = state.chat(chat_id).map(|c| c.members).unwrap_or_default();
            let list = suggestions(&members, word, me);
            (!list.is_empty()).then_some((at, caret, list))
        });
        if found.is_some() != mention.with_untracked(Option::is_some) {
            active.set(0);
        }
        mention.set(found);
    };

    let pick = move |user: User| {
        let Some((at, caret, _)) = mention.get_untracked() else {
            return;
        };
        let (value, new_caret) = complete(&text.get_untracked(), at, caret, &user.username);
        state.save_draft(chat_id, &value);
        text.set(value.clone());
        mention.set(None);
        if let Some(el) = input.get_untracked() {
            el.set_value(&value);
            let units = byte_to_utf16(&value, new_caret) as u32;
            let _ = el.set_selection_range(units, units);
            let _ = el.focus();
        }
    };

    let attaching = expect_context::<Attaching>();
    let send = move || {
        let content = text.get_untracked();
        let reply_to = replying.with_untracked(|r| r.as_ref().map(|m| m.id));
        let sent = attaching
            .tray
            .with_untracked(|t| t.ready())
            .map_err(str::to_owned)
            .and_then(|files| state.send_message(chat_id, &content, reply_to, files));
        if sent.is_ok() {
            attaching.clear();
            text.set(String::new());
            state.save_draft(chat_id, "");
            replying.set(None);
            mention.set(None);
        }
        form.show(sent);
        if let Some(el) = input.get_untracked() {
            let _ = el.focus();
        }
    };

    let reply_bar = move || {
        replying.get().map(|m| {
            let excerpt = snippet(&m.content, 80);
            view! {
                <div class="reply-bar" id="reply-bar" role="status">
                    <div class="reply-bar-text">
                        <span class="reply-bar-who">{format!("Replying to {}", m.sender.username)}</span>
                        <span class="reply-bar-excerpt">{excerpt}</span>
                    </div>
                    <button
                        type="button"
                        class="ghost small cancel-reply"
                        aria-label="Cancel the reply"
                        on:click=move |_| {
                            replying.set(None);
                            if let Some(el) = input.get_untracked() {
                                let _ = el.focus();
                            }
                        }
                    >
                        "✕"
                    </button>
                </div>
            }
        })
    };

    let listbox = move || {
        mention.get().map(|(_, _, list)| {
            let options = list
                .into_iter()
                .enumerate()
                .map(|(i, user)| {
                    let name = user.username.clone();
                    view! {
                        <li
                            role="option"
                            id=format!("mention-{i}")
                            class="mention-option"
                            aria-selected=move || (active.get() == i).to_string()
                            on:mousedown=move |ev: leptos::ev::MouseEvent| {
                                // Keep the focus in the text box.
                                ev.prevent_default();
                                pick(user.clone());
                            }
                        >
                            {format!("@{name}")}
                        </li>
                    }
                })
                .collect_view();
            view! {
                <ul class="mention-list" id="mention-list" role="listbox" aria-label="Members">
                    {options}
                </ul>
            }
        })
    };

    view! {
        {reply_bar}
        {listbox}
        <AttachTray />
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
                aria-autocomplete="list"
                aria-controls=move || mention.with(Option::is_some).then_some("mention-list")
                aria-activedescendant=move || {
                    mention.with(Option::is_some).then(|| format!("mention-{}", active.get()))
                }
                prop:value=move || text.get()
                on:input=move |ev| {
                    let typed = event_target_value(&ev);
                    state.save_draft(chat_id, &typed);
                    text.set(typed);
                    // A refusal ("must not be empty") is about what was there before.
                    form.clear();
                    state.on_composer_input(chat_id);
                    update_mention();
                }
                on:click=move |_| update_mention()
                on:blur=move |_| mention.set(None)
                on:paste=move |ev: leptos::ev::ClipboardEvent| {
                    // Pasted files (a screenshot, files copied in a file manager) are attached;
                    // pasted text is left to the text box.
                    let files = files_of(ev.clipboard_data().and_then(|d| d.files()));
                    if !files.is_empty() {
                        ev.prevent_default();
                        attaching.add(state, files);
                    }
                }
                on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                    let key = ev.key();
                    let open = mention.with_untracked(|m| m.as_ref().map(|(_, _, l)| l.len()));
                    if let Some(len) = open.filter(|len| *len > 0) {
                        match key.as_str() {
                            "ArrowDown" => {
                                ev.prevent_default();
                                active.update(|a| *a = (*a + 1) % len);
                                return;
                            }
                            "ArrowUp" => {
                                ev.prevent_default();
                                active.update(|a| *a = (*a + len - 1) % len);
                                return;
                            }
                            "Enter" | "Tab" if !ev.is_composing() => {
                                ev.prevent_default();
                                let chosen = mention
                                    .with_untracked(|m| {
                                        m.as_ref()
                                            .and_then(|(_, _, l)| l.get(active.get_untracked()).cloned())
                                    });
                                if let Some(user) = chosen {
                                    pick(user);
                                }
                                return;
                            }
                            "Escape" => {
                                ev.prevent_default();
                                ev.stop_propagation();
                                mention.set(None);
                                return;
                            }
                            _ => {}
                        }
                    }
                    if key == "Escape" && replying.with_untracked(Option::is_some) {
                        ev.prevent_default();
                        ev.stop_propagation();
                        replying.set(None);
                        return;
                    }
                    if key == "Enter" && !ev.shift_key() && !ev.is_composing() {
                        ev.prevent_default();
                        send();
                    }
                }
            ></textarea>
            <AttachButton />
            <button type="submit" id="send" class="primary">
                "Send"
            </button>
        </form>
        <FormError status=form class="composer-error" />
    }
}
