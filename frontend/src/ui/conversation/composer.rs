//! The composer: a text box where Enter sends and Shift+Enter starts a new line, with the reason
//! if a message was refused before sending. Sending itself is the state's job.

use chat_protocol::ChatId;
use leptos::html;
use leptos::prelude::*;

use crate::state::ChatState;
use crate::ui::common::{FormError, FormStatus};

#[component]
pub(super) fn Composer(chat_id: ChatId) -> impl IntoView {
    let state = expect_context::<ChatState>();
    let text = RwSignal::new(String::new());
    let form = FormStatus::new();
    let input = NodeRef::<html::Textarea>::new();

    let send = move || {
        let content = text.get_untracked();
        let sent = state.send_message(chat_id, &content);
        if sent.is_ok() {
            text.set(String::new());
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
                    text.set(event_target_value(&ev));
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
