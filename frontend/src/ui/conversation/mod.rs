//! One open chat: header, the connection banner, the message list (older pages on scrolling up, sticking to the bottom
//! only when already there), who is typing, the composer and the members panel. Owns the
//! scrolling; what the rows are comes from `model::rows`, what happens from `state`.

mod banner;
mod composer;
mod emoji_picker;
mod files;
mod group_settings;
mod header;
mod invites;
mod members;
mod message;
mod rich;
mod touch;

use chat_protocol::{Chat, ChatId, ChatKind, Message, MessageId};
use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::model::rows::{self, Row, member_reads};
use crate::state::{Attaching, ChatState};
use crate::text::format::typing_line;
use crate::ui::search::MessageSearch;
use banner::ConnBanner;
use composer::ComposerOrClosed;
use files::{Lightbox, Viewing, files_of};
use header::Header;
use members::MembersPanel;
use message::RowView;

/// The message the composer answers (the reply bar), shared by the messages' "Reply" actions
/// and the composer of one conversation.
#[derive(Clone, Copy)]
pub(super) struct Replying(pub(super) RwSignal<Option<Message>>);

/// How long a message stays highlighted after a jump to it (ms).
const FLASH_MS: u32 = 2_000;

/// How close to the bottom (px) still counts as "at the bottom".
const BOTTOM_SLACK: i32 = 48;
/// How close to the top (px) starts loading older messages.
const TOP_TRIGGER: i32 = 80;
/// Space (px) above the "New messages" line when a chat opens there.
const DIVIDER_MARGIN: i32 = 8;

/// The oldest message still (partly) on screen and where its top is relative to the list's
/// top edge: enough to come back to the same view later, whatever was added meanwhile.
fn top_on_screen(list: &web_sys::HtmlDivElement) -> Option<(i64, i32)> {
    let top = list.get_bounding_client_rect().top();
    let shown = list.query_selector_all(".msg[data-seq]").ok()?;
    (0..shown.length()).find_map(|i| {
        let el = shown.item(i)?.dyn_into::<web_sys::Element>().ok()?;
        let rect = el.get_bounding_client_rect();
        if rect.bottom() <= top {
            return None;
        }
        let seq = el.get_attribute("data-seq")?.parse().ok()?;
        Some((seq, (rect.top() - top) as i32))
    })
}

/// The seq of the newest message whose top is inside the list's visible area: what the person
/// has had on screen. Messages are in seq order, so the first from the end that is above the
/// list's bottom edge is it.
fn newest_on_screen(list: &web_sys::HtmlDivElement) -> Option<i64> {
    let bottom = list.get_bounding_client_rect().bottom();
    let shown = list.query_selector_all(".msg[data-seq]").ok()?;
    (0..shown.length()).rev().find_map(|i| {
        let el = shown.item(i)?.dyn_into::<web_sys::Element>().ok()?;
        if el.get_bounding_client_rect().top() >= bottom {
            return None;
        }
        el.get_attribute("data-seq")?.parse().ok()
    })
}

#[component]
pub(crate) fn Conversation(chat_id: ChatId) -> impl IntoView {
    let state = expect_context::<ChatState>();
    let chat = Memo::new(move |_| state.chat(chat_id));
    let typing = move || {
        let now = state.now_ms.get();
        state.typing.with(|t| typing_line(&t.who(chat_id, now)))
    };
    let members_open = RwSignal::new(false);
    let search_open = RwSignal::new(false);
    let search_query = RwSignal::new(String::new());
    provide_context(Replying(RwSignal::new(None)));
    let attaching = Attaching::new();
    provide_context(attaching);
    provide_context(Viewing(RwSignal::new(None)));
    // Uploads that got no answer while offline start again once the connection is back.
    Effect::new(move |_| {
        if state.status.get() == crate::net::ConnStatus::Online {
            attaching.resume(state);
        }
    });

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
        let first_unread = state
            .first_unread
            .with(|f| f.filter(|(chat, _)| *chat == chat_id).map(|(_, seq)| seq));
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
                    first_unread,
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
    // Whether the view was put at the "New messages" line (once per opening).
    let positioned = StoredValue::new(false);

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

    // Marks read what the person can see: up to the newest message on screen, and only while
    // the page is visible and focused (a chat open in a background tab reads nothing).
    let mark_seen = move || {
        if !state.attended.get_untracked() || !loaded() {
            return;
        }
        if let Some(el) = list.try_get_untracked().flatten()
            && let Some(seq) = newest_on_screen(&el)
        {
            state.mark_read_upto(chat_id, seq);
        }
    };

    let on_scroll = move |_| {
        let Some(el) = list.get_untracked() else {
            return;
        };
        mark_seen();
        let bottom = el.scroll_height() - el.scroll_top() - el.client_height() <= BOTTOM_SLACK;
        if state.at_bottom.get_untracked() != bottom {
            state.at_bottom.set(bottom);
        }
        state.keep_position(chat_id, (!bottom).then(|| top_on_screen(&el)).flatten());
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
            let divider = (!positioned.get_value() && loaded())
                .then(|| el.query_selector("#new-messages").ok().flatten())
                .flatten();
            if let Some(divider) = divider {
                // Opened with unread messages: the "New messages" line near the top.
                positioned.set_value(true);
                let offset =
                    divider.get_bounding_client_rect().top() - el.get_bounding_client_rect().top();
                el.set_scroll_top(el.scroll_top() + offset as i32 - DIVIDER_MARGIN);
                let bottom =
                    el.scroll_height() - el.scroll_top() - el.client_height() <= BOTTOM_SLACK;
                state.at_bottom.set(bottom);
            } else if let Some((seq, offset)) = (!positioned.get_value() && loaded())
                .then(|| state.position(chat_id))
                .flatten()
            {
                // Reopened: back where it was left, if that message is still loaded.
                positioned.set_value(true);
                let selector = format!(".msg[data-seq=\"{seq}\"]");
                match el.query_selector(&selector).ok().flatten() {
                    Some(msg) => {
                        let now = msg.get_bounding_client_rect().top()
                            - el.get_bounding_client_rect().top();
                        el.set_scroll_top(el.scroll_top() + now as i32 - offset);
                    }
                    None => {
                        el.set_scroll_top(el.scroll_height());
                        state.at_bottom.set(true);
                    }
                }
            } else if let Some((height, top)) = anchor.get_value() {
                anchor.set_value(None);
                el.set_scroll_top(top + (el.scroll_height() - height));
            } else if state.at_bottom.get_untracked() {
                el.set_scroll_top(el.scroll_height());
            }
            // Whatever the first look was (bottom, line, kept position), it is taken.
            if loaded() {
                positioned.set_value(true);
            }
            if el.scroll_height() <= el.client_height() + TOP_TRIGGER {
                load_older();
            }
            mark_seen();
        });
    });

    // A jump (a reply's quote or a search result): once the rows are drawn, bring the message
    // into view and highlight it for a moment.
    Effect::new(move |_| {
        let Some((chat, seq)) = state.jump.get() else {
            return;
        };
        if chat != chat_id {
            return;
        }
        rows.track();
        request_animation_frame(move || {
            let Some(el) = list.try_get_untracked().flatten() else {
                return;
            };
            let selector = format!(".msg[data-seq=\"{seq}\"]");
            let Some(target) = el.query_selector(&selector).ok().flatten() else {
                return;
            };
            positioned.set_value(true);
            let offset =
                target.get_bounding_client_rect().top() - el.get_bounding_client_rect().top();
            let middle = (el.client_height() / 2) as f64;
            el.set_scroll_top(el.scroll_top() + (offset - middle) as i32);
            let bottom = el.scroll_height() - el.scroll_top() - el.client_height() <= BOTTOM_SLACK;
            state.at_bottom.set(bottom);
            state.jump.set(None);
            state.flash.set(Some((chat, seq)));
            leptos::task::spawn_local(async move {
                gloo_timers::future::TimeoutFuture::new(FLASH_MS).await;
                if state.flash.try_get_untracked().flatten() == Some((chat, seq)) {
                    state.flash.set(None);
                }
            });
        });
    });

    // Coming back to the page (tab shown, window focused) reads what is on screen.
    Effect::new(move |_| {
        if state.attended.get() {
            request_animation_frame(mark_seen);
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
        <section
            class="conversation"
            id="conversation"
            aria-labelledby="conv-title"
            // Files dropped anywhere on the conversation are attached to the next message.
            on:dragover=move |ev: leptos::ev::DragEvent| {
                if ev.data_transfer().is_some_and(|d| d.types().includes(&"Files".into(), 0)) {
                    ev.prevent_default();
                }
            }
            on:drop=move |ev: leptos::ev::DragEvent| {
                let files = files_of(ev.data_transfer().and_then(|d| d.files()));
                if !files.is_empty() {
                    ev.prevent_default();
                    attaching.add(state, files);
                }
            }
            on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                // Escape closes the details panel and puts focus back on its toggle.
                if ev.key() == "Escape" && members_open.get_untracked() {
                    ev.prevent_default();
                    members_open.set(false);
                    if let Some(toggle) = document().get_element_by_id("members-toggle")
                        && let Ok(toggle) = toggle.dyn_into::<web_sys::HtmlElement>()
                    {
                        let _ = toggle.focus();
                    }
                }
            }
        >
            <Header chat=chat members_open=members_open search_open=search_open />
            <Show when=move || search_open.get()>
                <div class="conv-search">
                    <MessageSearch
                        chat=Some(chat_id)
                        id="chat-search"
                        query=search_query
                        on_open=move || {
                            search_open.set(false);
                            search_query.set(String::new());
                        }
                    />
                </div>
            </Show>
            <ConnBanner />
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
                    // Pinned to the list's bottom edge, whatever shows under it (reply bar,
                    // mention list, typing line).
                    <div class="jump-anchor">
                        <Show when=move || !state.at_bottom.get() && loaded()>
                            <button type="button" class="jump" on:click=jump_to_bottom>
                                "↓ Newest"
                            </button>
                        </Show>
                    </div>
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
            <Lightbox />
        </section>
    }
}
