//! One row of the conversation: a day separator, a message bubble (with edit and delete for my
//! own; in a group, one from someone I blocked is collapsed to a line that can be expanded), or
//! a pending bubble of mine with its state and "retry". Renders text as text nodes only; the
//! links found in it (`text::links`) become `<a>` elements whose text is again a text node.

use chat_protocol::{ChatId, ChatKind, Message, MessageId};
use leptos::html;
use leptos::prelude::*;

use crate::model::outbox::Pending;
use crate::model::rows::Row;
use crate::state::ChatState;
use crate::state::locale::hour_cycle;
use crate::text::format::{clock, full_date};
use crate::text::links::{Piece, pieces};
use crate::ui::common::{FormError, FormStatus};

/// Message text as text nodes, with its links as links. Whatever the message contains is shown,
/// never interpreted: an address only ever becomes an `href` of one of the allowed schemes.
/// Links open in a new tab that cannot reach back to this one (`noopener`) and is not told
/// where it came from (`noreferrer`).
fn linked(content: &str) -> impl IntoView + use<> {
    pieces(content)
        .into_iter()
        .map(|piece| match piece {
            Piece::Text(text) => text.into_any(),
            Piece::Link { text, href } => view! {
                <a class="msg-link" href=href target="_blank" rel="noopener noreferrer">
                    {text}
                </a>
            }
            .into_any(),
        })
        .collect_view()
}

#[component]
pub(super) fn RowView(
    row: Row,
    chat_id: ChatId,
    editing: RwSignal<Option<MessageId>>,
) -> impl IntoView {
    match row {
        Row::Day { label, day } => view! {
            <div class="day-sep" role="separator" data-day=day.to_string()>
                <span>{label}</span>
            </div>
        }
        .into_any(),
        Row::Message {
            message,
            mine,
            show_sender,
            grouped,
            seen,
        } => {
            let state = expect_context::<ChatState>();
            let (sender, seq) = (message.sender.id, message.seq);
            let revealed = RwSignal::new(false);
            let hidden = Memo::new(move |_| {
                !mine
                    && !revealed.get()
                    && state.is_blocked(sender)
                    && state.chats.with(|c| {
                        c.iter()
                            .any(|c| c.id == chat_id && c.kind == ChatKind::Group)
                    })
            });
            (move || {
                if hidden.get() {
                    view! {
                        <div class="msg-collapsed" data-collapsed-seq=seq.to_string()>
                            <span class="muted small">"Message from a blocked user — "</span>
                            <button
                                type="button"
                                class="link-button show-blocked"
                                on:click=move |_| revealed.set(true)
                            >
                                "show"
                            </button>
                        </div>
                    }
                    .into_any()
                } else {
                    view! {
                        <MessageView
                            message=message.clone()
                            mine=mine
                            show_sender=show_sender
                            grouped=grouped
                            seen=seen.clone()
                            chat_id=chat_id
                            editing=editing
                        />
                    }
                    .into_any()
                }
            })
            .into_any()
        }
        Row::NewMessages => view! {
            <div class="new-sep" id="new-messages" role="separator">
                <span>"New messages"</span>
            </div>
        }
        .into_any(),
        Row::Pending(pending) => view! { <PendingView pending=pending /> }.into_any(),
    }
}

#[component]
fn MessageView(
    message: Message,
    mine: bool,
    show_sender: bool,
    /// Continues the previous message (same sender, same minute).
    grouped: bool,
    seen: Option<String>,
    chat_id: ChatId,
    editing: RwSignal<Option<MessageId>>,
) -> impl IntoView {
    let state = expect_context::<ChatState>();
    let id = message.id;
    let when = clock(&message.created_at, &chrono::Local, hour_cycle());
    // The full date on hover (and for assistive technology), whatever is shown.
    let full = full_date(&message.created_at, &chrono::Local, hour_cycle());
    let stamp = chat_protocol::time::format(&message.created_at);
    let deleted = message.deleted;
    let edited = message.edited_at.is_some() && !deleted;
    let content = message.content.clone();
    let confirming = RwSignal::new(false);
    let is_editing = move || editing.get() == Some(id);
    let sender = message.sender.username.clone();

    let body = {
        let content = content.clone();
        move || {
            if deleted {
                view! { <p class="msg-text msg-deleted">"This message was deleted"</p> }.into_any()
            } else if is_editing() {
                view! { <EditBox id=id original=content.clone() editing=editing /> }.into_any()
            } else {
                view! { <p class="msg-text">{linked(&content)}</p> }.into_any()
            }
        }
    };

    let actions = move || {
        (mine && !deleted && !is_editing()).then(|| {
            view! {
                <div class="msg-actions">
                    {move || {
                        if confirming.get() {
                            view! {
                                <span class="confirm">
                                    "Delete this message?"
                                    <button
                                        type="button"
                                        class="danger confirm-delete"
                                        on:click=move |_| {
                                            confirming.set(false);
                                            state.delete_message(id);
                                        }
                                    >
                                        "Delete"
                                    </button>
                                    <button
                                        type="button"
                                        class="ghost"
                                        on:click=move |_| confirming.set(false)
                                    >
                                        "Keep"
                                    </button>
                                </span>
                            }
                                .into_any()
                        } else {
                            view! {
                                <button
                                    type="button"
                                    class="ghost edit-message"
                                    aria-label="Edit message"
                                    on:click=move |_| editing.set(Some(id))
                                >
                                    "Edit"
                                </button>
                                <button
                                    type="button"
                                    class="ghost delete-message"
                                    aria-label="Delete message"
                                    on:click=move |_| confirming.set(true)
                                >
                                    "Delete"
                                </button>
                            }
                                .into_any()
                        }
                    }}
                </div>
            }
        })
    };

    view! {
        <div
            class="msg"
            class:mine=mine
            class:theirs=!mine
            class:deleted=deleted
            class:grouped=grouped
            data-seq=message.seq.to_string()
            data-id=id.to_string()
            data-chat-id=chat_id.to_string()
        >
            {if show_sender {
                view! { <div class="msg-sender">{sender.clone()}</div> }.into_any()
            } else {
                // Who sent it is said to screen readers on every message, also where it is only
                // shown by alignment (direct chats, my own) or by the run it belongs to.
                let who = if mine { "You".to_owned() } else { sender.clone() };
                view! { <span class="visually-hidden msg-who">{format!("{who}: ")}</span> }
                    .into_any()
            }}
            <div class="bubble">
                {body}
                <div class="msg-meta">
                    <time datetime=stamp title=full>{when}</time>
                    {edited.then(|| view! { <span class="msg-edited">"edited"</span> })}
                </div>
            </div>
            {actions}
            {seen.map(|s| view! { <div class="seen">{s}</div> })}
        </div>
    }
}

#[component]
fn EditBox(id: MessageId, original: String, editing: RwSignal<Option<MessageId>>) -> impl IntoView {
    let state = expect_context::<ChatState>();
    let text = RwSignal::new(original);
    let form = FormStatus::new();
    let input = NodeRef::<html::Textarea>::new();
    Effect::new(move |_| {
        if let Some(el) = input.get() {
            let _ = el.focus();
        }
    });
    let save = move || match state.edit_message(id, &text.get_untracked()) {
        Ok(()) => editing.set(None),
        Err(e) => form.fail(e),
    };
    view! {
        <form
            class="edit-box"
            on:submit=move |ev: leptos::ev::SubmitEvent| {
                ev.prevent_default();
                save();
            }
        >
            <label class="visually-hidden" for=format!("edit-{id}")>"Edit message"</label>
            <textarea
                id=format!("edit-{id}")
                class="edit-input"
                node_ref=input
                prop:value=move || text.get()
                on:input=move |ev| text.set(event_target_value(&ev))
                on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                    if ev.key() == "Escape" {
                        editing.set(None);
                    } else if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() {
                        ev.prevent_default();
                        save();
                    }
                }
            ></textarea>
            <div class="edit-actions">
                <button type="submit" class="primary small save-edit">"Save"</button>
                <button type="button" class="ghost small" on:click=move |_| editing.set(None)>
                    "Cancel"
                </button>
            </div>
            <FormError status=form />
        </form>
    }
}

#[component]
fn PendingView(pending: Pending) -> impl IntoView {
    let state = expect_context::<ChatState>();
    let client_id = pending.client_id;
    let failed = pending.is_failed();
    let label = pending.status_label().to_owned();
    view! {
        <div
            class="msg mine pending"
            class:failed=failed
            data-client-id=client_id.to_string()
        >
            <div class="bubble">
                <p class="msg-text">{linked(&pending.content)}</p>
                <div class="msg-meta">
                    <span class="pending-state">{label}</span>
                </div>
            </div>
            {failed
                .then(|| {
                    view! {
                        <div class="msg-actions visible">
                            <button
                                type="button"
                                class="retry"
                                on:click=move |_| state.retry_message(client_id)
                            >
                                "Retry"
                            </button>
                            <button
                                type="button"
                                class="ghost discard"
                                on:click=move |_| state.discard_message(client_id)
                            >
                                "Discard"
                            </button>
                        </div>
                    }
                })}
        </div>
    }
}
