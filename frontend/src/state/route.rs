//! The address bar: `/chats/<id>` while a chat is open, `/` otherwise, so a reload reopens the
//! same chat and the browser's back button leaves it. `/rooms` opens the public rooms and
//! `/join/<token>` accepts an invite link (after signing in, if need be). Reads and writes the URL only; which chat
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

/// The public rooms directory.
pub(crate) const ROOMS_PATH: &str = "/rooms";

/// The token of an invite link `/join/<token>`.
pub(crate) fn invite_from_path(path: &str) -> Option<String> {
    let token = path.strip_prefix("/join/")?.trim_end_matches('/');
    (!token.is_empty()
        && token
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'))
    .then(|| token.to_owned())
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

    #[test]
    fn invite_paths() {
        assert_eq!(
            invite_from_path("/join/abc-DEF_12").as_deref(),
            Some("abc-DEF_12")
        );
        assert_eq!(invite_from_path("/join/abc/").as_deref(), Some("abc"));
        assert_eq!(invite_from_path("/join/"), None);
        assert_eq!(invite_from_path("/join/a%2Fb"), None);
        assert_eq!(invite_from_path("/rooms"), None);
    }
}
