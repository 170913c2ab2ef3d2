//! The chat web app (Leptos, client-side rendered). Layers, each depending only on those before
//! it: `net` (talks to the server) → `text` (words) → `model` (pure data rules) → `state`
//! (reactive signals + the reducer's glue) → `ui` (components). Everything but `App` is private.

mod model;
mod net;
mod state;
mod text;
mod ui;

pub use ui::App;
