//! What the chat does beyond one query, shared by the REST and WebSocket edges: announcing
//! presence changes and chat changes to the people allowed to see them. Takes the shared
//! state, returns nothing to a client directly: the edges answer their own callers.

pub(crate) mod chat_events;
pub(crate) mod presence;
pub(crate) mod retention;
pub(crate) mod search_index;
pub(crate) mod upload_sweep;
