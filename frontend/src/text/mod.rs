//! Words the person reads: times, titles, previews, "typing…" and "seen" lines, error
//! sentences, and where message text holds links. Pure functions (time zones are parameters);
//! they decide wording, never state.

pub(crate) mod device;
pub(crate) mod error_text;
pub(crate) mod format;
pub(crate) mod links;
