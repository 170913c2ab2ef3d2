//! Message actions on a touch screen: there is no hover, and actions always shown would crowd
//! every message, so they stay hidden until a long press (the browser's `contextmenu`) or a tap
//! on the bubble. Mouse and keyboard users keep hover and focus.

use wasm_bindgen::JsCast;

/// Whether the primary input is a finger (a phone or tablet): it cannot hover and is coarse.
/// A device with no pointer at all (a kiosk, headless browsers) keeps the actions shown.
pub(super) fn is_touch_screen() -> bool {
    window()
        .match_media("(hover: none) and (pointer: coarse)")
        .ok()
        .flatten()
        .is_some_and(|q| q.matches())
}

/// Whether the event happened on something that acts on its own (a link, a button, a field):
/// tapping those must not also open the actions.
pub(super) fn on_control(ev: &web_sys::MouseEvent) -> bool {
    ev.target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .and_then(|el| {
            el.closest("a, button, input, textarea, select")
                .ok()
                .flatten()
        })
        .is_some()
}

fn window() -> web_sys::Window {
    leptos::prelude::window()
}
