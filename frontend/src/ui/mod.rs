//! Components, by screen: the sign-in page (`auth`), the signed-in `shell` with its `sidebar`
//! and the open `conversation`, and `common` pieces. They read `state` and call its methods;
//! they hold only view state (what is typed, what is open). Message text is only ever rendered
//! as text nodes (never as HTML).

// `#[component]` expands to `pub` helper items (props builders) whatever the function's own
// visibility, which this lint would flag in every component.
#![allow(unreachable_pub)]

mod app;
mod auth;
mod common;
mod conversation;
mod search;
mod shell;
mod sidebar;

pub use app::App;
