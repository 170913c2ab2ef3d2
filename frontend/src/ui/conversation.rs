//! One open chat: header, the message list (older pages on scrolling up, sticking to the bottom
//! only when already there), who is typing, and the composer.

use chat_protocol::{Chat, ChatKind};
use leptos::html;
use leptos::prelude::*;
use uuid::Uuid;

use super::avatar::Avatar;
use super::members::MembersPanel;
use super::message::RowView;
use crate::format::{chat_title, direct_peer, typing_line};
use crate::rows::{self, ReadPosition, Row};
use crate::store::Store;

/// How close to the bottom (px) still counts as "at the bottom".
const BOTTOM_SLACK: i32 = 48;
/// How close to the top (px) starts loading older messages.
const TOP_TRIGGER: i32 = 80;

#[component]
pub fn Conversation(chat_id: Uuid) -> impl IntoView {
    let store = expect_context::<Store>();
    let chat = Memo::new(move |_| {
        store
            .chats
            .with(|c| c.iter().find(|c| c.id == chat_id).cloned())
    });
    let me = move || store.me().unwrap_or_default();
    let title = move || {
        chat.with(|c| {
            c.as_ref()
                .map_or_else(|| "Chat".to_owned(), |c| chat_title(c, me()))
        })
    };
    let peer = move || chat.with(|c| c.as_ref().and_then(|c| direct_peer(c, me())));
    let is_group = move || chat.with(|c| c.as_ref().is_some_and(|c| c.kind == ChatKind::Group));
    let peer_online = Signal::derive(move || {
        peer().is_some_and(|p| store.presence.with(|m| m.get(&p).copied().unwrap_or(false)))
    });
    let typing = move || {
        let now = store.now_ms.get();
        store.typing.with(|t| typing_line(&t.who(chat_id, now)))
    };
    let subtitle = move || {
        if is_group() {
            let n = chat.with(|c| c.as_ref().map_or(0, |c| c.members.len()));
            if n == 1 {
                "1 member".to_owned()
            } else {
                format!("{n} members")
            }
        } else if peer_online.get() {
            "online".to_owned()
        } else {
            "offline".to_owned()
        }
    };
    let members_open = RwSignal::new(false);

    let rows = Memo::new(move |_| {
        let me = store.me().unwrap_or_default();
        let (group, names) = chat.with(|c| match c {
            Some(c) => (
                c.kind == ChatKind::Group,
                c.members
                    .iter()
                    .map(|m| (m.id, m.username.clone()))
                    .collect::<Vec<_>>(),
            ),
            None => (false, Vec::new()),
        });
        let reads: Vec<ReadPosition> = store.reads.with(|r| {
            r.get(&chat_id)
                .map(|per_user| {
                    per_user
                        .iter()
                        .filter(|(user, _)| **user != me)
                        .filter_map(|(user, seq)| {
                            names
                                .iter()
                                .find(|(id, _)| id == user)
                                .map(|(_, name)| ReadPosition {
                                    username: name.clone(),
                                    seq: *seq,
                                })
                        })
                        .collect()
                })
                .unwrap_or_default()
        });
        let pending = store.outbox.with(|o| o.for_chat(chat_id));
        store.timelines.with(|t| {
            let messages = t.get(&chat_id).map(|t| t.messages()).unwrap_or(&[]);
            rows::build(
                &rows::Inputs {
                    messages,
                    pending: &pending,
                    me,
                    group,
                    reads: &reads,
                    today: chrono::Local::now().date_naive(),
                },
                &chrono::Local,
            )
        })
    });
    let loaded = move || {
        store
            .timelines
            .with(|t| t.get(&chat_id).is_some_and(|t| t.loaded))
    };
    let has_more = move || {
        store
            .timelines
            .with(|t| t.get(&chat_id).is_some_and(|t| t.has_more_before))
    };
    let loading_older = move || store.loading_older.with(|l| l.contains(&chat_id));

    let list = NodeRef::<html::Div>::new();
    // Scroll height and position before an older page was added, to keep the view still.
    let anchor = StoredValue::new(None::<(i32, i32)>);

    let load_older = move || {
        let Some(el) = list.get_untracked() else {
            return;
        };
        if !has_more() || loading_older() {
            return;
        }
        anchor.set_value(Some((el.scroll_height(), el.scroll_top())));
        leptos::task::spawn_local(async move {
            if !store.load_older(chat_id).await {
                anchor.set_value(None);
            }
        });
    };

    let on_scroll = move |_| {
        let Some(el) = list.get_untracked() else {
            return;
        };
        let bottom = el.scroll_height() - el.scroll_top() - el.client_height() <= BOTTOM_SLACK;
        if store.at_bottom.get_untracked() != bottom {
            store.at_bottom.set(bottom);
        }
        if el.scroll_top() < TOP_TRIGGER {
            load_older();
        }
    };

    // After the rows change: keep the reading position when older messages were put on top,
    // follow new messages only if already at the bottom, and fill a tall screen with history.
    Effect::new(move |_| {
        rows.track();
        request_animation_frame(move || {
            let Some(el) = list.get_untracked() else {
                return;
            };
            if let Some((height, top)) = anchor.get_value() {
                anchor.set_value(None);
                el.set_scroll_top(top + (el.scroll_height() - height));
            } else if store.at_bottom.get_untracked() {
                el.set_scroll_top(el.scroll_height());
            }
            if el.scroll_height() <= el.client_height() + TOP_TRIGGER {
                load_older();
            }
        });
    });

    // Reading at the bottom marks the chat read.
    Effect::new(move |_| {
        rows.track();
        if store.at_bottom.get() && loaded() {
            store.mark_read(chat_id);
        }
    });

    let jump_to_bottom = move |_| {
        if let Some(el) = list.get_untracked() {
            el.set_scroll_top(el.scroll_height());
        }
        store.at_bottom.set(true);
    };

    let editing = RwSignal::new(None::<i64>);

    view! {
        <section class="conversation" id="conversation" aria-labelledby="conv-title">
            <header class="conv-head">
                <button
                    type="button"
                    class="icon-button back"
                    aria-label="Back to chats"
                    on:click=move |_| store.close_chat()
                >
                    "←"
                </button>
                {move || {
                    if peer().is_some() {
                        view! { <Avatar name=title() online=peer_online /> }.into_any()
                    } else {
                        view! { <Avatar name=title() /> }.into_any()
                    }
                }}
                <div class="conv-titles">
                    <h2 id="conv-title">{title}</h2>
                    <p id="conv-subtitle" class="muted small">{subtitle}</p>
                </div>
                <button
                    type="button"
                    id="members-toggle"
                    class="ghost"
                    aria-expanded=move || members_open.get().to_string()
                    aria-controls="members-panel"
                    on:click=move |_| members_open.update(|o| *o = !*o)
                >
                    {move || if is_group() { "Members" } else { "Details" }}
                </button>
            </header>
            <div class="conv-body">
                <div class="conv-main">
                    <div
                        class="messages"
                        id="messages"
                        node_ref=list
                        role="log"
                        aria-live="polite"
                        aria-relevant="additions"
                        aria-label="Messages"
                        tabindex="0"
                        on:scroll=on_scroll
                    >
                        {move || {
                            if !loaded() {
                                view! { <p class="history-edge muted">"Loading messages…"</p> }
                                    .into_any()
                            } else if loading_older() {
                                view! { <p class="history-edge muted">"Loading older messages…"</p> }
                                    .into_any()
                            } else if !has_more() {
                                view! {
                                    <p class="history-edge muted" id="history-start">
                                        "This is the beginning of the conversation."
                                    </p>
                                }
                                    .into_any()
                            } else {
                                view! { <p class="history-edge"></p> }.into_any()
                            }
                        }}
                        <For each=move || rows.get() key=Row::key let:row>
                            <RowView row=row chat_id=chat_id editing=editing />
                        </For>
                    </div>
                    <Show when=move || !store.at_bottom.get() && loaded()>
                        <button type="button" class="jump" on:click=jump_to_bottom>
                            "↓ Newest"
                        </button>
                    </Show>
                    <p class="typing" id="typing" aria-live="polite">
                        {move || typing().unwrap_or_default()}
                    </p>
                    <Composer chat_id=chat_id />
                </div>
                <Show when=move || members_open.get()>
                    {move || {
                        chat.get()
                            .map(|c: Chat| {
                                view! { <MembersPanel chat=c on_close=move || members_open.set(false) /> }
                            })
                    }}
                </Show>
            </div>
        </section>
    }
}

#[component]
fn Composer(chat_id: Uuid) -> impl IntoView {
    let store = expect_context::<Store>();
    let text = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let input = NodeRef::<html::Textarea>::new();

    let send = move || {
        let content = text.get_untracked();
        match store.send_message(chat_id, &content) {
            Ok(()) => {
                text.set(String::new());
                error.set(None);
            }
            Err(e) => error.set(Some(e)),
        }
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
                    text.set(event_target_value(&ev));
                    store.typed(chat_id);
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
        <p class="form-error composer-error" role="alert">{move || error.get().unwrap_or_default()}</p>
    }
}
