//! The reaction picker: a grid of the app's own emoji set (`model::emoji`), opened from a
//! message's actions. Arrow keys move, Home/End jump, Enter picks, Escape closes; the opener
//! puts the focus back where it was.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::model::emoji::{COLUMNS, EMOJI, grid_move};

fn focus_cell(prefix: &str, index: usize) {
    if let Some(el) = document().get_element_by_id(&format!("{prefix}-{index}"))
        && let Ok(el) = el.dyn_into::<web_sys::HtmlElement>()
    {
        let _ = el.focus();
    }
}

#[component]
pub(super) fn EmojiPicker(
    /// Unique per picker on the page (ids of the cells).
    id: String,
    on_pick: Callback<String>,
    on_close: Callback<()>,
) -> impl IntoView {
    let current = RwSignal::new(0usize);
    let prefix = StoredValue::new(id.clone());
    // Focus the first emoji once the grid is in the page.
    Effect::new(move |_| {
        request_animation_frame(move || prefix.with_value(|p| focus_cell(p, 0)));
    });
    let cells = EMOJI
        .iter()
        .enumerate()
        .map(|(i, (emoji, name))| {
            let emoji = (*emoji).to_owned();
            let pick = emoji.clone();
            view! {
                <button
                    type="button"
                    role="option"
                    class="emoji-cell"
                    id=format!("{id}-{i}")
                    aria-label=*name
                    title=*name
                    aria-selected=move || (current.get() == i).to_string()
                    tabindex=move || if current.get() == i { "0" } else { "-1" }
                    on:click=move |_| on_pick.run(pick.clone())
                    on:focus=move |_| current.set(i)
                >
                    {emoji}
                </button>
            }
        })
        .collect_view();
    view! {
        <div
            class="emoji-picker"
            role="listbox"
            aria-label="Pick a reaction"
            on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                let key = ev.key();
                if key == "Escape" {
                    ev.prevent_default();
                    ev.stop_propagation();
                    on_close.run(());
                } else if key == "Enter" || key == " " {
                    ev.prevent_default();
                    if let Some((emoji, _)) = EMOJI.get(current.get_untracked()) {
                        on_pick.run((*emoji).to_owned());
                    }
                } else if let Some(next) = grid_move(
                    current.get_untracked(),
                    &key,
                    COLUMNS,
                    EMOJI.len(),
                ) {
                    ev.prevent_default();
                    current.set(next);
                    prefix.with_value(|p| focus_cell(p, next));
                }
            }
        >
            {cells}
        </div>
    }
}
