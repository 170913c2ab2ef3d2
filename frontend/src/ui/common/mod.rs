//! Small components shared by several screens: avatars, the connection status pill, tab buttons,
//! a button that asks before acting, a file offered for download, and the form busy/error pattern. They hold no app data;
//! the work they run is what their callers hand them.

mod avatar;
mod confirm;
mod download;
mod form;
mod status;
mod tab;

pub(crate) use avatar::{Avatar, PresenceText};
pub(crate) use confirm::ConfirmButton;
pub(crate) use download::JsonFile;
pub(crate) use form::{FormError, FormStatus};
pub(crate) use status::StatusPill;
pub(crate) use tab::Tab;
