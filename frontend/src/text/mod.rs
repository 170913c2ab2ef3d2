//! Words the person reads: times, titles, previews, "typing…" and "seen" lines, and error
//! sentences. Pure functions (time zones are parameters); they decide wording, never state.

pub(crate) mod device;
pub(crate) mod error_text;
pub(crate) mod format;
