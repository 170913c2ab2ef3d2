//! Who a new message is pushed to, and what the push says.

use chat_protocol::push::PUSH_TEXT_CHARS;
use chat_protocol::{ChatKind, Message, PushNotice, PushReason, UserId};

/// The members a push about `message` may go to, and why: in a direct chat the other member,
/// in a group whoever it mentions; never the sender, never for a system line.
pub(crate) fn recipients(
    message: &Message,
    kind: ChatKind,
    members: &[UserId],
) -> Vec<(UserId, PushReason)> {
    if message.system.is_some() || message.deleted {
        return Vec::new();
    }
    let sender = message.sender.id;
    members
        .iter()
        .filter(|m| **m != sender)
        .filter_map(|m| match kind {
            ChatKind::Direct => Some((*m, PushReason::Direct)),
            ChatKind::Group if message.mentions.contains(m) => Some((*m, PushReason::Mention)),
            ChatKind::Group => None,
        })
        .collect()
}

/// Whether a stored message can need a push at all, judged without the database (on the
/// message path, so it must be cheap): a direct chat has two members, a group push needs a
/// mention.
pub(crate) fn may_push(message: &Message, members: &[UserId]) -> bool {
    message.system.is_none() && (members.len() <= 2 || !message.mentions.is_empty())
}

/// The push's plaintext.
pub(crate) fn notice(
    message: &Message,
    chat_name: Option<String>,
    reason: PushReason,
) -> PushNotice {
    let text = if message.content.is_empty() {
        message
            .attachments
            .first()
            .map(|a| format!("📎 {}", a.name))
            .unwrap_or_default()
    } else {
        message.content.clone()
    };
    PushNotice {
        reason,
        chat_id: message.chat_id,
        chat_name,
        message_id: message.id,
        seq: message.seq,
        sender: message.sender.clone(),
        text: text.chars().take(PUSH_TEXT_CHARS).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chat_protocol::{ChatId, MessageId, SystemEvent, SystemLine, User};
    use uuid::Uuid;

    fn someone() -> UserId {
        UserId::from(Uuid::new_v4())
    }

    fn message(sender: UserId, content: &str, mentions: Vec<UserId>) -> Message {
        Message {
            id: MessageId::from(7),
            chat_id: ChatId::from(Uuid::new_v4()),
            seq: 3,
            sender: User {
                id: sender,
                username: "alice".into(),
            },
            content: content.into(),
            client_id: None,
            created_at: chrono::Utc::now(),
            edited_at: None,
            deleted: false,
            version: 3,
            reply_to: None,
            reactions: Vec::new(),
            mentions,
            attachments: Vec::new(),
            system: None,
        }
    }

    #[test]
    fn who_gets_a_push() {
        let (alice, bob, carol) = (someone(), someone(), someone());
        let members = [alice, bob, carol];
        let hello = message(alice, "hello", Vec::new());
        assert_eq!(
            recipients(&hello, ChatKind::Direct, &[alice, bob]),
            vec![(bob, PushReason::Direct)]
        );
        assert!(recipients(&hello, ChatKind::Group, &members).is_empty());
        assert!(!may_push(&hello, &members));
        let mention = message(alice, "@carol look", vec![carol, alice]);
        assert!(may_push(&mention, &members));
        assert_eq!(
            recipients(&mention, ChatKind::Group, &members),
            vec![(carol, PushReason::Mention)]
        );
        let mut line = message(alice, "", vec![bob]);
        line.system = Some(SystemLine {
            event: SystemEvent::Left,
            user: None,
            name: None,
        });
        assert!(!may_push(&line, &[alice, bob]));
        assert!(recipients(&line, ChatKind::Direct, &[alice, bob]).is_empty());
    }

    #[test]
    fn text_is_cut_at_a_character() {
        let long = "é".repeat(150);
        let n = notice(
            &message(someone(), &long, Vec::new()),
            None,
            PushReason::Direct,
        );
        assert_eq!(n.text.chars().count(), PUSH_TEXT_CHARS);
    }
}
