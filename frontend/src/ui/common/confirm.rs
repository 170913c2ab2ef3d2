//! A button that asks before it acts: "Block" turns into "Block bob? … [Block] [Cancel]" in
//! place. Holds only whether it is asking; what happens on confirm is the caller's.

use leptos::prelude::*;

#[component]
pub(crate) fn ConfirmButton(
    /// Classes of the first button (e.g. "ghost block-contact").
    class: &'static str,
    /// Its visible text ("Block").
    text: &'static str,
    /// Its accessible name ("Block bob").
    #[prop(into)]
    label: String,
    /// The question shown instead ("Block bob? They will not be able to message you.").
    #[prop(into)]
    question: String,
    /// Classes of the confirming button (e.g. "danger confirm-block").
    confirm_class: &'static str,
    #[prop(into)] on_confirm: Callback<()>,
) -> impl IntoView {
    let asking = RwSignal::new(false);
    move || {
        if asking.get() {
            view! {
                <span class="confirm" role="group" aria-label=question.clone()>
                    <span class="confirm-question">{question.clone()}</span>
                    <button
                        type="button"
                        class=confirm_class
                        on:click=move |_| {
                            asking.set(false);
                            on_confirm.run(());
                        }
                    >
                        {text}
                    </button>
                    <button type="button" class="ghost cancel-confirm" on:click=move |_| asking.set(false)>
                        "Cancel"
                    </button>
                </span>
            }
                .into_any()
        } else {
            view! {
                <button
                    type="button"
                    class=class
                    aria-label=label.clone()
                    on:click=move |_| asking.set(true)
                >
                    {text}
                </button>
            }
            .into_any()
        }
    }
}
