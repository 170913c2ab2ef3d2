//! Network layer: everything that talks to the server (REST calls, the auth session's tokens,
//! the one WebSocket and its reconnect policy). Knows nothing of components or of the app's
//! state; the auth session's `user`/`ended` signals are its only reactive part.

mod api;
mod auth_api;
mod auth_session;
mod error;
mod heartbeat;
mod http;
pub(crate) mod push;
mod reconnect;
mod socket;
pub(crate) mod upload;

pub(crate) use api::Api;
pub(crate) use auth_api::{login, register};
pub(crate) use auth_session::AuthSession;
pub(crate) use error::ApiError;
pub(crate) use reconnect::ConnStatus;
pub(crate) use socket::{Socket, SocketEvent};
