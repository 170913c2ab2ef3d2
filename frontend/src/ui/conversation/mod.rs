//! One open chat: header, the message list (older pages on scrolling up, sticking to the bottom
//! only when already there), who is typing, the composer and the members panel. Owns the
//! scrolling; what the rows are comes from `model::rows`, what happens from `state`.

mod composer;
mod header;
mod members;
mod message;

use chat_protocol::{Chat, ChatId, ChatKind, MessageId};
use leptos::html;
use leptos::prelude::*;

use crate::model::rows::{self, Row, member_reads};
use crate::state::ChatState;
use crate::text::format::typing_line;
use composer::ComposerOrClosed;
use header::Header;
use members::MembersPanel;
use message::RowView;

/// How close to the bottom (px) still counts as "at the bottom".
const BOTTOM_SLACK: i32 = 48;
/// How close to the top (px) starts loading older messages.
const TOP_TRIGGER: i32 = 80;

#[component]
pub(crate) fn Conversation(chat_id: ChatId) -> impl IntoView {
    let state = expect_context::<ChatState>();
    let chat = Memo::new(move |_| state.chat(chat_id));
    let typing = move || {
        let now = state.now_ms.get();
        state.typing.with(|t| typing_line(&t.who(chat_id, now)))
    };
    let members_open = RwSignal::new(false);

    let rows = Memo::new(move |_| {
        let me = state.me_or_nobody();
        let (group, reads) = chat.with(|c| match c {
            Some(c) => (
                c.kind == ChatKind::Group,
                state.reads.with(|r| {
                    r.get(&chat_id)
                        .map(|per_user| member_reads(&c.members, per_user, me))
                        .unwrap_or_default()
                }),
            ),
            None => (false, Vec::new()),
        });
        let pending = state.outbox.with(|o| o.for_chat(chat_id));
        state.timelines.with(|t| {
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
        state
            .timelines
            .with(|t| t.get(&chat_id).is_some_and(|t| t.loaded))
    };
    let has_more = move || {
        state
            .timelines
            .with(|t| t.get(&chat_id).is_some_and(|t| t.has_more_before))
    };
    let loading_older = move || state.loading_older.with(|l| l.contains(&chat_id));

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
            if !state.load_older(chat_id).await {
                anchor.set_value(None);
            }
        });
    };

    let on_scroll = move |_| {
        let Some(el) = list.get_untracked() else {
            return;
        };
        let bottom = el.scroll_height() - el.scroll_top() - el.client_height() <= BOTTOM_SLACK;
        if state.at_bottom.get_untracked() != bottom {
            state.at_bottom.set(bottom);
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
            // The frame can come after this conversation was closed (leaving a group removes
            // the chat, which both changes the rows and closes the view); its signals are gone
            // then, and reading them would panic.
            let Some(el) = list.try_get_untracked().flatten() else {
                return;
            };
            if let Some((height, top)) = anchor.get_value() {
                anchor.set_value(None);
                el.set_scroll_top(top + (el.scroll_height() - height));
            } else if state.at_bottom.get_untracked() {
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
        if state.at_bottom.get() && loaded() {
            state.mark_read(chat_id);
        }
    });

    let jump_to_bottom = move |_| {
        if let Some(el) = list.get_untracked() {
            el.set_scroll_top(el.scroll_height());
        }
        state.at_bottom.set(true);
    };

    let editing = RwSignal::new(None::<MessageId>);

    view! {
        <section class="conversation" id="conversation" aria-labelledby="conv-title">
            <Header chat=chat members_open=members_open />
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
                    <Show when=move || !state.at_bottom.get() && loaded()>
                        <button type="button" class="jump" on:click=jump_to_bottom>
                            "↓ Newest"
                        </button>
                    </Show>
                    <p class="typing" id="typing" aria-live="polite">
                        {move || typing().unwrap_or_default()}
                    </p>
                    <ComposerOrClosed chat_id=chat_id />
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
