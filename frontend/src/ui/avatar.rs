//! A round badge with initials, and an optional presence dot.

use leptos::prelude::*;

use crate::format::{hue, initials};

#[component]
pub fn Avatar(
    #[prop(into)] name: String,
    /// Shows a presence dot when given.
    #[prop(optional, into)]
    online: Option<Signal<bool>>,
    #[prop(optional)] small: bool,
) -> impl IntoView {
    let style = format!("--avatar-hue: {}", hue(&name));
    let letters = initials(&name);
    view! {
        <span class="avatar" class:small=small style=style aria-hidden="true">
            {letters}
            {online
                .map(|online| {
                    view! {
                        <span
                            class="presence-dot"
                            class:online=move || online.get()
                        ></span>
                    }
                })}
        </span>
    }
}

/// "online"/"offline" for screen readers next to a presence dot.
#[component]
pub fn PresenceText(#[prop(into)] online: Signal<bool>) -> impl IntoView {
    view! {
        <span class="visually-hidden">
            {move || if online.get() { ", online" } else { ", offline" }}
        </span>
    }
}
