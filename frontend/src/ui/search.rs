//! Message search: a box and its results, everywhere (sidebar) or within one chat (the
//! conversation's header). Asks the server ~250 ms after the typing stops, for 2 to 200
//! characters; each result shows its chat, sender, time and text with the matches marked
//! (`<mark>` elements around text nodes); "More" fetches the next page; a click opens the chat
//! at that message.

use chat_protocol::limits::{SEARCH_MAX, SEARCH_MIN};
use chat_protocol::{ChatId, Message, MessageId, SearchQuery};
use leptos::prelude::*;

use crate::state::ChatState;
use crate::state::locale::hour_cycle;
use crate::text::format::{chat_title, list_time};
use crate::text::highlight::split_matches;

/// Quiet time after the last keystroke before asking the server (ms).
const DEBOUNCE_MS: u32 = 250;

/// Whether `q` is something the server searches for.
pub(crate) fn searchable(q: &str) -> bool {
    (SEARCH_MIN..=SEARCH_MAX).contains(&q.trim().chars().count())
}

#[derive(Clone, Default, PartialEq)]
struct Found {
    results: Vec<Message>,
    next_before: Option<MessageId>,
    loading: bool,
    error: Option<String>,
    /// The query these results are for.
    query: String,
}

/// A search box; the results list shows under it while the query is searchable.
#[component]
pub(crate) fn MessageSearch(
    /// `None`: every chat; `Some`: this chat only.
    chat: Option<ChatId>,
    /// Ids for the box (and its label): one global and one per chat view.
    id: &'static str,
    /// Called when a result was opened.
    #[prop(into)]
    on_open: Callback<()>,
    /// The query, owned by the caller (the sidebar hides its panels while there is one).
    query: RwSignal<String>,
) -> impl IntoView {
    let state = expect_context::<ChatState>();
    let found = RwSignal::new(Found::default());
    let generation = StoredValue::new(0u64);
    let input = NodeRef::<leptos::html::Input>::new();
    // The search of one chat opens from its header button: the cursor goes straight in.
    Effect::new(move |done: Option<bool>| {
        if done == Some(true) || chat.is_none() {
            return true;
        }
        let Some(el) = input.get() else { return false };
        let _ = el.focus();
        true
    });

    let fetch = move |q: String, before: Option<MessageId>| {
        generation.update_value(|g| *g += 1);
        let mine = generation.get_value();
        found.update(|f| {
            f.loading = true;
            f.error = None;
        });
        leptos::task::spawn_local(async move {
            if before.is_none() {
                gloo_timers::future::TimeoutFuture::new(DEBOUNCE_MS).await;
                if generation.try_get_value() != Some(mine) {
                    return;
                }
            }
            let result = state
                .search_messages(SearchQuery {
                    q: q.trim().to_owned(),
                    chat_id: chat,
                    before,
                    limit: None,
                })
                .await;
            if generation.try_get_value() != Some(mine) {
                return;
            }
            found.update(|f| {
                f.loading = false;
                match result {
                    Ok(page) => {
                        if before.is_none() {
                            f.results = page.results;
                        } else {
                            f.results.extend(page.results);
                        }
                        f.next_before = page.next_before;
                        f.query = q.trim().to_owned();
                    }
                    Err(e) => f.error = Some(e),
                }
            });
        });
    };

    Effect::new(move |_| {
        let q = query.get();
        if searchable(&q) {
            fetch(q, None);
        } else {
            generation.update_value(|g| *g += 1);
            found.set(Found::default());
        }
    });

    let results = move || {
        let f = found.get();
        let me = state.me_or_nobody();
        let items = f
            .results
            .iter()
            .map(|m| {
                let (chat_id, seq) = (m.chat_id, m.seq);
                let chat_name = state
                    .chat(chat_id)
                    .map_or_else(|| "Chat".to_owned(), |c| chat_title(&c, me));
                let when = list_time(
                    &m.created_at,
                    &chrono::Local,
                    chrono::Local::now().date_naive(),
                    hour_cycle(),
                );
                let runs = split_matches(&m.content, &f.query)
                    .into_iter()
                    .map(|(text, hit)| {
                        if hit {
                            view! { <mark>{text}</mark> }.into_any()
                        } else {
                            text.into_any()
                        }
                    })
                    .collect_view();
                view! {
                    <li>
                        <button
                            type="button"
                            class="msg-search-result"
                            data-chat-id=chat_id.to_string()
                            data-seq=seq.to_string()
                            on:click=move |_| {
                                state.show_message(chat_id, seq);
                                on_open.run(());
                            }
                        >
                            <span class="search-head">
                                {chat.is_none()
                                    .then(|| {
                                        view! { <span class="search-chat">{chat_name}</span> }
                                    })}
                                <span class="search-sender">{m.sender.username.clone()}</span>
                                <span class="search-time">{when}</span>
                            </span>
                            <span class="search-text">{runs}</span>
                        </button>
                    </li>
                }
            })
            .collect_view();
        let empty = !f.loading && f.error.is_none() && f.results.is_empty();
        let more = f.next_before.filter(|_| !f.loading);
        let q = f.query.clone();
        view! {
            <div class="search-results" role="region" aria-label="Search results">
                {f.loading.then(|| view! { <p class="muted pad small">"Searching…"</p> })}
                {f.error.map(|e| view! { <p class="form-error pad small">{e}</p> })}
                {empty.then(|| view! { <p class="muted pad small">"No messages found."</p> })}
                <ul class="search-list">{items}</ul>
                {more
                    .map(|before| {
                        let q = q.clone();
                        view! {
                            <button
                                type="button"
                                class="ghost search-more"
                                on:click=move |_| fetch(q.clone(), Some(before))
                            >
                                "More"
                            </button>
                        }
                    })}
            </div>
        }
    };

    view! {
        <div class="message-search">
            <label for=id class="visually-hidden">
                {if chat.is_some() { "Search in this chat" } else { "Search messages" }}
            </label>
            <input
                type="search"
                id=id
                node_ref=input
                class="search-input"
                placeholder=if chat.is_some() { "Search in this chat…" } else { "Search messages…" }
                maxlength=SEARCH_MAX.to_string()
                autocomplete="off"
                prop:value=move || query.get()
                on:input=move |ev| query.set(event_target_value(&ev))
                on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                    if ev.key() == "Escape" && !query.get_untracked().is_empty() {
                        ev.prevent_default();
                        ev.stop_propagation();
                        query.set(String::new());
                    }
                }
            />
            <Show when=move || searchable(&query.get())>{results}</Show>
        </div>
    }
}
