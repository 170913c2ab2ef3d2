//! The cursor of a chat-list page: the position (last activity, chat id) of the last chat
//! handed out, in the list's own order (activity descending, id ascending). A keyset, not an
//! offset: activity elsewhere never shifts it, so no chat comes twice and none whose activity
//! stayed put is skipped; a chat that moves ahead of the cursor (new activity) is the one the
//! client already hears about live.

use chat_protocol::ChatId;
use chrono::{DateTime, NaiveDateTime};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ChatCursor {
    pub(crate) activity: NaiveDateTime,
    pub(crate) id: ChatId,
}

impl ChatCursor {
    /// `<microseconds since the epoch>_<chat id>`: opaque to clients, readable in logs.
    pub(crate) fn encode(&self) -> String {
        format!(
            "{}_{}",
            self.activity.and_utc().timestamp_micros(),
            Uuid::from(self.id)
        )
    }

    /// `None` for anything [`ChatCursor::encode`] did not make.
    pub(crate) fn decode(text: &str) -> Option<Self> {
        let (micros, id) = text.split_once('_')?;
        let activity = DateTime::from_timestamp_micros(micros.parse().ok()?)?.naive_utc();
        let id = ChatId::from(Uuid::parse_str(id).ok()?);
        Some(Self { activity, id })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_garbage() {
        let cursor = ChatCursor {
            activity: DateTime::from_timestamp_micros(1_700_000_000_123_000)
                .map(|t| t.naive_utc())
                .unwrap_or_default(),
            id: ChatId::from(Uuid::new_v4()),
        };
        assert_eq!(ChatCursor::decode(&cursor.encode()), Some(cursor));
        for bad in [
            "",
            "_",
            "12",
            "x_y",
            "12_not-a-uuid",
            "99999999999999999999_",
        ] {
            assert_eq!(ChatCursor::decode(bad), None, "{bad:?}");
        }
    }
}
