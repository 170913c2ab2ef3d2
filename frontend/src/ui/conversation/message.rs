//! One row of the conversation: a day separator, a message bubble (with edit and delete for my
//! own; in a group, one from someone I blocked is collapsed to a line that can be expanded), or
//! a pending bubble of mine with its state and "retry". Text is formatted (`rich`: a safe
//! Markdown subset as DOM nodes, never HTML). A message shows the one it answers (click: go
//! there), its reactions (click: toggle mine) and actions: reply, react, and for my own edit and
//! delete.

use chat_protocol::{ChatId, ChatKind, Message, MessageId, Reaction, UserId};
use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::Replying;
use super::emoji_picker::EmojiPicker;
use super::files::MessageFiles;
use super::rich::formatted;
use crate::model::outbox::Pending;
use crate::model::rows::Row;
use crate::state::ChatState;
use crate::state::locale::hour_cycle;
use crate::text::format::{clock, full_date, snippet};
use crate::ui::common::{FormError, FormStatus};

/// My username, for highlighting mentions of me.
fn my_name(state: &ChatState) -> Option<String> {
    state
        .user
        .with_untracked(|u| u.as_ref().map(|u| u.username.clone()))
}

fn focus_by_id(id: &str) {
    if let Some(el) = document().get_element_by_id(id)
        && let Ok(el) = el.dyn_into::<web_sys::HtmlElement>()
    {
        let _ = el.focus();
    }
}

/// The names of who reacted, from the chat's members.
fn reactor_names(state: &ChatState, chat_id: ChatId, users: &[UserId]) -> String {
    let members = state.chat(chat_id).map(|c| c.members).unwrap_or_default();
    users
        .iter()
        .map(|u| {
            members
                .iter()
                .find(|m| m.id == *u)
                .map_or("someone", |m| m.username.as_str())
                .to_owned()
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The chips under a message: each emoji with its count, pressed when I am among them.
#[component]
fn Reactions(message_id: MessageId, reactions: Vec<Reaction>, chat_id: ChatId) -> impl IntoView {
    let state = expect_context::<ChatState>();
    let me = state.me_or_nobody();
    let chips = reactions
        .into_iter()
        .map(|r| {
            let mine = r.user_ids.contains(&me);
            let count = r.user_ids.len();
            let emoji = r.emoji.clone();
            let users = StoredValue::new(r.user_ids.clone());
            // The chat's members may arrive after the messages (a reload): names follow them.
            let who = move || users.with_value(|u| reactor_names(&state, chat_id, u));
            let shown = r.emoji.clone();
            let label = move || format!("{shown} {count}, by {}", who());
            view! {
                <button
                    type="button"
                    class="reaction"
                    class:mine=mine
                    aria-pressed=mine.to_string()
                    aria-label=label
                    title=who
                    data-who=who
                    data-emoji=r.emoji.clone()
                    on:click=move |_| state.react(message_id, &emoji, !mine)
                >
                    <span class="reaction-emoji" aria-hidden="true">{r.emoji.clone()}</span>
                    <span class="reaction-count" aria-hidden="true">{count}</span>
                </button>
            }
        })
        .collect_view();
    view! { <div class="reactions">{chips}</div> }
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
                            message=Message::clone(&message)
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
        Row::System { seq, text, .. } => view! {
            <div class="system-line" data-system-seq=seq.to_string()>
                <span>{text}</span>
            </div>
        }
        .into_any(),
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
    let files = if deleted {
        Vec::new()
    } else {
        message.attachments.clone()
    };
    let confirming = RwSignal::new(false);
    let is_editing = move || editing.get() == Some(id);
    let sender = message.sender.username.clone();
    let me_name = my_name(&state);
    let mentions_me = !deleted && message.mentions.contains(&state.me_or_nobody());
    let replying = expect_context::<Replying>().0;
    let picking = RwSignal::new(false);
    let seq = message.seq;
    let flashing = move || state.flash.get() == Some((chat_id, seq));
    // Touch screens only: the actions show after a long press or a tap on the bubble.
    let actions_open = RwSignal::new(false);
    let long_press = move |ev: leptos::ev::MouseEvent| {
        if super::touch::is_touch_screen() {
            ev.prevent_default();
            actions_open.update(|open| *open = !*open);
        }
    };
    let tap = move |ev: leptos::ev::MouseEvent| {
        if super::touch::is_touch_screen() && !super::touch::on_control(&ev) {
            actions_open.update(|open| *open = !*open);
        }
    };

    let body = {
        let content = content.clone();
        move || {
            if deleted {
                view! { <p class="msg-text msg-deleted">"This message was deleted"</p> }.into_any()
            } else if is_editing() {
                view! { <EditBox id=id original=content.clone() editing=editing /> }.into_any()
            } else {
                view! { <div class="msg-text">{formatted(&content, me_name.as_deref())}</div> }
                    .into_any()
            }
        }
    };

    // The message this one answers: who wrote it and how it began; a click goes there.
    let quote = message.reply_to.clone().map(|r| {
        let excerpt = if r.deleted {
            "deleted message".to_owned()
        } else {
            snippet(&r.excerpt, 100)
        };

        let target = r.seq;
        view! {
            <button
                type="button"
                class="reply-quote"
                class:deleted=r.deleted
                title="Show the original"
                data-reply-seq=target.to_string()
                on:click=move |_| state.show_message(chat_id, target)
            >
                <span class="visually-hidden">"In reply to "</span>
                <span class="reply-quote-sender">{r.sender.username.clone()}</span>
                <span class="reply-quote-text">{excerpt}</span>
            </button>
        }
    });

    let reactions = message.reactions.clone();
    let reaction_chips = (!deleted && !reactions.is_empty()).then(|| {
        view! { <Reactions message_id=id reactions=reactions chat_id=chat_id /> }
    });

    let reply_message = message.clone();
    let picker_id = format!("emoji-{id}");
    let react_button_id = format!("react-{id}");
    let common_actions = move || {
        let reply_message = reply_message.clone();
        let react_button_id = react_button_id.clone();
        (!deleted && !is_editing()).then(|| {
            view! {
                <button
                    type="button"
                    class="ghost reply-message"
                    aria-label="Reply to this message"
                    on:click=move |_| {
                        replying.set(Some(reply_message.clone()));
                        focus_by_id("composer");
                    }
                >
                    "Reply"
                </button>
                <button
                    type="button"
                    class="ghost react-message"
                    id=react_button_id
                    aria-label="React to this message"
                    aria-haspopup="listbox"
                    aria-expanded=move || picking.get().to_string()
                    on:click=move |_| picking.update(|p| *p = !*p)
                >
                    "React"
                </button>
            }
        })
    };
    let picker = move || {
        let react_button_id = format!("react-{id}");
        let close_to = react_button_id.clone();
        picking.get().then(|| {
            view! {
                <EmojiPicker
                    id=picker_id.clone()
                    on_pick=Callback::new(move |emoji: String| {
                        picking.set(false);
                        let already = state
                            .timelines
                            .with_untracked(|t| {
                                t.get(&chat_id)
                                    .and_then(|t| t.messages().iter().find(|m| m.id == id).cloned())
                            })
                            .is_some_and(|m| {
                                let me = state.me_or_nobody();
                                m.reactions
                                    .iter()
                                    .any(|r| r.emoji == emoji && r.user_ids.contains(&me))
                            });
                        if !already {
                            state.react(id, &emoji, true);
                        }
                        focus_by_id(&react_button_id);
                    })
                    on_close=Callback::new(move |()| {
                        picking.set(false);
                        focus_by_id(&close_to);
                    })
                />
            }
        })
    };

    let actions = move || {
        (mine && !deleted && !is_editing()).then(|| {
            view! {
                <span class="msg-own-actions">
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
                </span>
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
            class:mentions-me=mentions_me
            class:flash=flashing
            class:actions-open=move || actions_open.get()
            on:contextmenu=long_press
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
            <div class="bubble" on:click=tap>
                {quote}
                {body}
                {(!files.is_empty())
                    .then(|| view! { <MessageFiles files=files message_key=id.to_string() /> })}
                <div class="msg-meta">
                    {mentions_me
                        .then(|| {
                            view! { <span class="msg-mention-mark" title="Mentions you">"@"</span> }
                        })}
                    <time datetime=stamp title=full>{when}</time>
                    {edited.then(|| view! { <span class="msg-edited">"edited"</span> })}
                </div>
            </div>
            {reaction_chips}
            <div class="msg-actions">{common_actions} {actions}</div>
            {picker}
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
                <div class="msg-text">{formatted(&pending.content, None)}</div>
                {(!pending.attachments.is_empty())
                    .then(|| {
                        view! {
                            <MessageFiles
                                files=pending.attachments.clone()
                                message_key=client_id.to_string()
                            />
                        }
                    })}
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
