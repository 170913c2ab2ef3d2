//! The address bar: `/chats/<id>` while a chat is open, `/` otherwise, so a reload reopens the
//! same chat and the browser's back button leaves it. Reads and writes the URL only; which chat
//! is open is the state's decision.

use chat_protocol::ChatId;
use leptos::prelude::*;

pub(crate) fn chat_path(id: ChatId) -> String {
    format!("/chats/{id}")
}

/// The chat named by a path, if it is a chat path.
pub(crate) fn chat_from_path(path: &str) -> Option<ChatId> {
    let rest = path.strip_prefix("/chats/")?;
    rest.trim_end_matches('/').parse().ok()
}

pub(crate) fn current_path() -> String {
    window().location().pathname().unwrap_or_default()
}

/// Shows `path` in the address bar (a new history entry) unless it is already there.
pub(crate) fn push(path: &str) {
    if current_path() == path {
        return;
    }
    if let Ok(history) = window().history() {
        let _ = history.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(path));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chat_paths_round_trip() {
        let id = ChatId::from(uuid::Uuid::from_u128(0x1234));
        assert_eq!(chat_from_path(&chat_path(id)), Some(id));
        assert_eq!(chat_from_path(&format!("{}/", chat_path(id))), Some(id));
        assert_eq!(chat_from_path("/"), None);
        assert_eq!(chat_from_path("/chats/not-a-uuid"), None);
        assert_eq!(chat_from_path("/contacts"), None);
    }
}
