//! A round badge with initials and a stable colour, and an optional presence dot (none at all
//! when presence is unknown: that person shares none with me). Shows what it is given; looks
//! nothing up.

use leptos::prelude::*;

use crate::text::format::initials;

/// A stable hue (0–359) for a name's avatar.
fn hue(name: &str) -> u32 {
    name.bytes()
        .fold(7u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)))
        % 360
}

#[component]
pub(crate) fn Avatar(
    #[prop(into)] name: String,
    /// Shows a presence dot when given and known (`Some`): green online, grey offline.
    #[prop(optional, into)]
    online: Option<Signal<Option<bool>>>,
    #[prop(optional)] small: bool,
) -> impl IntoView {
    let style = format!("--avatar-hue: {}", hue(&name));
    let letters = initials(&name);
    view! {
        <span class="avatar" class:small=small style=style aria-hidden="true">
            {letters}
            {online
                .map(|online| {
                    move || {
                        online
                            .get()
                            .map(|on| {
                                view! { <span class="presence-dot" class:online=on></span> }
                            })
                    }
                })}
        </span>
    }
}

/// "online"/"offline" for screen readers next to a presence dot; nothing when unknown.
#[component]
pub(crate) fn PresenceText(#[prop(into)] online: Signal<Option<bool>>) -> impl IntoView {
    view! {
        <span class="visually-hidden">
            {move || match online.get() {
                Some(true) => ", online",
                Some(false) => ", offline",
                None => "",
            }}
        </span>
    }
}

#[cfg(test)]
mod tests {
    use super::hue;

    #[test]
    fn hues_are_stable_and_spread() {
        assert_eq!(hue("alice"), hue("alice"));
        assert_ne!(hue("alice"), hue("bob"));
        assert!(
            ["", "alice", "bob", "a_very_long_name.with-dots"]
                .iter()
                .all(|n| hue(n) < 360)
        );
    }
}
