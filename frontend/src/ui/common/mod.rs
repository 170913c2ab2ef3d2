//! Small components shared by several screens: avatars, the connection status pill, tab buttons
//! and the form busy/error pattern. They read state but never start work of their own.

mod avatar;
mod form;
mod status;
mod tab;

pub(crate) use avatar::{Avatar, PresenceText};
pub(crate) use form::{FormError, FormStatus};
pub(crate) use status::StatusPill;
pub(crate) use tab::Tab;
