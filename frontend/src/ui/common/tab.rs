//! A tab button of a `role="tablist"`: selected or not, and what to do when picked. Which tab is
//! selected belongs to the caller.

use leptos::prelude::*;

#[component]
pub(crate) fn Tab(
    id: &'static str,
    #[prop(into)] selected: Signal<bool>,
    #[prop(into)] on_select: Callback<()>,
    children: Children,
) -> impl IntoView {
    view! {
        <button
            type="button"
            role="tab"
            id=id
            aria-selected=move || selected.get().to_string()
            on:click=move |_| on_select.run(())
        >
            {children()}
        </button>
    }
}
