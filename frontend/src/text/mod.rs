//! Words the person reads: times, titles, previews, "typing…" and "seen" lines, error
//! sentences, where message text holds links, its formatting (a safe Markdown subset) and where
//! a search query matches. Pure functions (time zones are parameters); they decide wording,
//! never state.

pub(crate) mod device;
pub(crate) mod error_text;
pub(crate) mod format;
pub(crate) mod highlight;
pub(crate) mod links;
pub(crate) mod markdown;
pub(crate) mod system;
