//! Wire types of the chat contract (`docs/CONTRACT.md`): the shared objects, REST bodies, the
//! WebSocket commands and events, and the error body. No I/O lives here, so the crate builds for
//! `wasm32-unknown-unknown` (web app) as well as native (server, load generator).

pub mod error;
pub mod ids;
pub mod limits;
pub mod mentions;
pub mod model;
pub mod nullable;
pub mod push;
pub mod rest;
pub mod time;
pub mod ws;

pub use error::{ErrorBody, ErrorCode, ErrorDetail};
pub use ids::{ChatId, MessageId, SessionId, UploadId, UserId};
pub use model::{
    Attachment, Chat, ChatKind, Message, Reaction, ReadPosition, ReplyPreview, SystemEvent,
    SystemLine, User,
};
pub use push::{
    PushKey, PushNotice, PushReason, PushSubscriptionKeys, PushSubscriptionRequest,
    PushUnsubscribeRequest,
};
pub use rest::*;
pub use ws::{ClientCommand, ServerEvent};
