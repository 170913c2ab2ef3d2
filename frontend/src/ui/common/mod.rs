//! Small components shared by several screens: avatars, the connection status pill, and the
//! form busy/error pattern. They read state but never start work of their own.

mod avatar;
mod form;
mod status;

pub(crate) use avatar::{Avatar, PresenceText};
pub(crate) use form::{FormError, FormStatus};
pub(crate) use status::StatusPill;
