//! The signed-in layout: sidebar + conversation (one column on a phone, switching between them).

use leptos::prelude::*;

use super::conversation::Conversation;
use super::sidebar::Sidebar;
use crate::chat_list;
use crate::store::Store;

#[component]
pub fn Shell() -> impl IntoView {
    let store = expect_context::<Store>();
    let notice = move || store.notice.get();
    // Unread messages show in the tab title: "(3) Chat".
    Effect::new(move |_| {
        let unread = store.chats.with(|c| chat_list::total_unread(c));
        let title = if unread > 0 {
            format!("({unread}) Chat")
        } else {
            "Chat".to_owned()
        };
        document().set_title(&title);
    });
    on_cleanup(|| document().set_title("Chat"));
    view! {
        <div class="shell" class:chat-open=move || store.current.with(Option::is_some)>
            <Sidebar />
            <main class="main" id="main">
                {move || match store.current.get() {
                    Some(chat) => view! { <Conversation chat_id=chat /> }.into_any(),
                    None => {
                        view! {
                            <div class="empty-state">
                                <h2>"No chat open"</h2>
                                <p>"Pick a chat on the left, or start one from your contacts."</p>
                            </div>
                        }
                            .into_any()
                    }
                }}
            </main>
            <Show when=move || notice().is_some()>
                <div class="notice" role="alert">
                    <span>{move || notice().unwrap_or_default()}</span>
                    <button
                        type="button"
                        class="icon-button"
                        aria-label="Dismiss"
                        on:click=move |_| store.notice.set(None)
                    >
                        "×"
                    </button>
                </div>
            </Show>
        </div>
    }
}
