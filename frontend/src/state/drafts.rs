//! What the person had typed in each chat and not sent: kept per chat in memory and in the
//! tab's `sessionStorage` (so a reload keeps it; another tab or a new session does not see it),
//! and removed on sending and on sign-out. Also where each chat was scrolled to, in memory
//! only, so reopening a chat returns there.

use std::collections::HashMap;

use chat_protocol::ChatId;
use leptos::prelude::*;

use super::ChatState;

const PREFIX: &str = "chat.draft.";

fn storage() -> Option<web_sys::Storage> {
    window().session_storage().ok().flatten()
}

fn key(chat: ChatId) -> String {
    format!("{PREFIX}{chat}")
}

/// Where a chat was left: the top message on screen and how far below the list's top edge
/// its top was (px). No entry: at the newest message.
pub(crate) type Position = (i64, i32);

/// Per-chat drafts and reading positions.
#[derive(Default)]
pub(crate) struct Drafts {
    text: HashMap<ChatId, String>,
    positions: HashMap<ChatId, Position>,
}

impl ChatState {
    /// The unsent text of `chat` (empty if none).
    pub(crate) fn draft(&self, chat: ChatId) -> String {
        let kept = self.drafts.with_value(|d| d.text.get(&chat).cloned());
        kept.or_else(|| storage().and_then(|s| s.get_item(&key(chat)).ok().flatten()))
            .unwrap_or_default()
    }

    /// Keeps `text` as the draft of `chat` (an empty one removes it).
    pub(crate) fn save_draft(&self, chat: ChatId, text: &str) {
        self.drafts.update_value(|d| {
            if text.is_empty() {
                d.text.remove(&chat);
            } else {
                d.text.insert(chat, text.to_owned());
            }
        });
        // Storage can be full or disabled (private modes): the draft still lives in memory.
        if let Some(storage) = storage() {
            let _ = if text.is_empty() {
                storage.remove_item(&key(chat))
            } else {
                storage.set_item(&key(chat), text)
            };
        }
    }

    /// Forgets every draft (signing out: the next person on this tab must not see them).
    pub(super) fn forget_drafts(&self) {
        self.drafts.set_value(Drafts::default());
        let Some(storage) = storage() else { return };
        let keys: Vec<String> = (0..storage.length().unwrap_or(0))
            .filter_map(|i| storage.key(i).ok().flatten())
            .filter(|k| k.starts_with(PREFIX))
            .collect();
        for k in keys {
            let _ = storage.remove_item(&k);
        }
    }

    /// Where `chat` was left, if not at the newest message.
    pub(crate) fn position(&self, chat: ChatId) -> Option<Position> {
        self.drafts.with_value(|d| d.positions.get(&chat).copied())
    }

    /// Notes where `chat` is scrolled to (`None`: at the newest message).
    pub(crate) fn keep_position(&self, chat: ChatId, at: Option<Position>) {
        self.drafts.update_value(|d| match at {
            Some(at) => {
                d.positions.insert(chat, at);
            }
            None => {
                d.positions.remove(&chat);
            }
        });
    }
}
