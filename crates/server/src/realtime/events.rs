//! Serialising events once, to be shared by every recipient's queue.

use bytestring::ByteString;
use chat_protocol::ServerEvent;

pub(crate) fn encode(event: &ServerEvent) -> ByteString {
    // Serialising these plain structs cannot fail (string keys, no non-finite floats).
    ByteString::from(serde_json::to_string(event).unwrap_or_else(|e| {
        tracing::error!(error = %e, "event did not serialise");
        String::from(r#"{"type":"error","code":"internal","message":"internal server error"}"#)
    }))
}
