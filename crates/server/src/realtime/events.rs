//! Serialising events once, to be shared by every recipient's queue; `chat_updated` for many
//! viewers from one serialisation of the chat.

use bytestring::ByteString;
use chat_protocol::{Chat, ServerEvent, UserId};

pub(crate) fn encode(event: &ServerEvent) -> ByteString {
    // Serialising these plain structs cannot fail (string keys, no non-finite floats).
    ByteString::from(serde_json::to_string(event).unwrap_or_else(|e| {
        tracing::error!(error = %e, "event did not serialise");
        String::from(r#"{"type":"error","code":"internal","message":"internal server error"}"#)
    }))
}

/// `chat_updated` of one chat for many viewers: the chat is serialised once (for a large group
/// that is ~100 KB of members), and each viewer's own fields (unread counts, who they may see
/// online, mute) are spliced into copies of it. The result is byte for byte what serialising
/// each viewer's whole chat would give (tested).
pub(crate) struct ChatUpdatedTemplate {
    /// The serialised event cut around the per-viewer fields: before `unread_count`, between
    /// it and `unread_mentions`, between that and `online_members`, between that and `muted`.
    pieces: Option<[String; 4]>,
    /// For the fallback when the cut fails (it cannot, with the fields in their order).
    shared: Chat,
}

/// Values no real chat has, to find where each per-viewer field was written.
const UNREAD_MARK: i64 = -7_777_777_777_777_771;
const MENTIONS_MARK: i64 = -7_777_777_777_777_772;
const ONLINE_MARK: uuid::Uuid = uuid::Uuid::from_u128(0xffff_ffff_ffff_ffff_ffff_ffff_ffff_fff1);

impl ChatUpdatedTemplate {
    pub(crate) fn new(shared: &Chat) -> Self {
        let marked = Chat {
            unread_count: UNREAD_MARK,
            unread_mentions: MENTIONS_MARK,
            online_members: vec![UserId::from_uuid(ONLINE_MARK)],
            muted: false,
            ..shared.clone()
        };
        let text = encode(&ServerEvent::ChatUpdated { chat: marked }).to_string();
        Self {
            pieces: cut(&text),
            shared: shared.clone(),
        }
    }

    /// The event for one viewer.
    pub(crate) fn render(
        &self,
        unread_count: i64,
        unread_mentions: i64,
        online_members: &[UserId],
        muted: bool,
    ) -> ByteString {
        let Some([before, after_unread, after_mentions, after_online]) = &self.pieces else {
            return encode(&ServerEvent::ChatUpdated {
                chat: Chat {
                    unread_count,
                    unread_mentions,
                    online_members: online_members.to_vec(),
                    muted,
                    ..self.shared.clone()
                },
            });
        };
        let online = serde_json::to_string(online_members).unwrap_or_else(|_| "[]".into());
        let mut out = String::with_capacity(
            before.len() + after_unread.len() + after_mentions.len() + after_online.len() + 128,
        );
        out.push_str(before);
        out.push_str(&format!("\"unread_count\":{unread_count}"));
        out.push_str(after_unread);
        out.push_str(&format!("\"unread_mentions\":{unread_mentions}"));
        out.push_str(after_mentions);
        out.push_str(&format!("\"online_members\":{online}"));
        out.push_str(after_online);
        out.push_str(&format!("\"muted\":{muted}}}}}"));
        ByteString::from(out)
    }
}

/// Cuts the marked event at its per-viewer fields, in the order `Chat` writes them. Keys are
/// written with bare quotes, which never occur unescaped inside a string value, so a name or a
/// message text cannot be mistaken for a marker.
fn cut(text: &str) -> Option<[String; 4]> {
    let unread = format!("\"unread_count\":{UNREAD_MARK}");
    let mentions = format!("\"unread_mentions\":{MENTIONS_MARK}");
    let online = format!("\"online_members\":[\"{ONLINE_MARK}\"]");
    let (before, rest) = text.split_once(&unread)?;
    let (after_unread, rest) = rest.split_once(&mentions)?;
    let (after_mentions, rest) = rest.split_once(&online)?;
    let after_online = rest.strip_suffix("\"muted\":false}}")?;
    Some([
        before.to_owned(),
        after_unread.to_owned(),
        after_mentions.to_owned(),
        after_online.to_owned(),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use chat_protocol::{ChatKind, User};

    fn chat() -> Chat {
        let user = |n: u128, name: &str| User {
            id: UserId::from_uuid(uuid::Uuid::from_u128(n)),
            username: name.into(),
        };
        Chat {
            id: chat_protocol::ChatId::from_uuid(uuid::Uuid::from_u128(9)),
            kind: ChatKind::Group,
            // A name that looks like the markers must not fool the cut.
            name: Some(format!(
                "\"unread_count\":{UNREAD_MARK} \"muted\":false}}}}"
            )),
            members: vec![user(1, "ann"), user(2, "ben"), user(3, "cat")],
            created_at: chrono::Utc::now(),
            last_message: None,
            unread_count: 0,
            last_seq: 4,
            last_version: 5,
            public: true,
            unread_mentions: 0,
            read_positions: Vec::new(),
            online_members: Vec::new(),
            admins: vec![UserId::from_uuid(uuid::Uuid::from_u128(1))],
            retention_days: Some(30),
            muted: false,
        }
    }

    #[test]
    fn each_viewer_gets_exactly_what_serialising_their_chat_gives() {
        let shared = chat();
        let template = ChatUpdatedTemplate::new(&shared);
        assert!(template.pieces.is_some(), "the markers were found");
        let ben = UserId::from_uuid(uuid::Uuid::from_u128(2));
        for (unread, mentions, online, muted) in [
            (0, 0, vec![], false),
            (3, 1, vec![ben], true),
            (100, 0, shared.members.iter().map(|m| m.id).collect(), false),
        ] {
            let whole = encode(&ServerEvent::ChatUpdated {
                chat: Chat {
                    unread_count: unread,
                    unread_mentions: mentions,
                    online_members: online.clone(),
                    muted,
                    ..shared.clone()
                },
            });
            assert_eq!(template.render(unread, mentions, &online, muted), whole);
        }
    }
}
