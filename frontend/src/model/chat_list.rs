//! The sidebar's chats, kept sorted by activity (newest first) as events arrive, and who a
//! direct chat is with. Pure functions over `Vec<Chat>`; the reactive list lives in `state`.

use chat_protocol::time::Timestamp;
use chat_protocol::{Chat, ChatId, ChatKind, Message, MessageId, UserId};

/// When the chat last saw activity: its last message, or its creation.
pub(crate) fn activity(chat: &Chat) -> Timestamp {
    chat.last_message
        .as_ref()
        .map_or(chat.created_at, |m| m.created_at.max(chat.created_at))
}

/// Newest activity first; ties by id so the order is stable.
pub(crate) fn sort(chats: &mut [Chat]) {
    chats.sort_by(|a, b| activity(b).cmp(&activity(a)).then(a.id.cmp(&b.id)));
}

/// Replaces the whole list (after a fetch).
pub(crate) fn replace(chats: &mut Vec<Chat>, fresh: Vec<Chat>) {
    *chats = fresh;
    sort(chats);
}

/// A `chat_updated` event or a freshly created chat. Returns false when `me` is no longer a
/// member, in which case the chat is removed.
pub(crate) fn upsert(chats: &mut Vec<Chat>, chat: Chat, me: UserId) -> bool {
    let still_member = chat.members.iter().any(|m| m.id == me);
    chats.retain(|c| c.id != chat.id);
    if still_member {
        chats.push(chat);
        sort(chats);
    }
    still_member
}

pub(crate) fn remove(chats: &mut Vec<Chat>, chat_id: ChatId) {
    chats.retain(|c| c.id != chat_id);
}

/// A `new_message` event. `viewing` says the person is looking at this chat's newest messages,
/// so it does not count as unread. Returns false for a chat not in the list (fetch the list).
pub(crate) fn on_new_message(
    chats: &mut [Chat],
    message: &Message,
    me: UserId,
    viewing: bool,
) -> bool {
    // A live message is one more change: the same rules as a page of changes.
    on_changed_message(chats, message, me, viewing)
}

/// A `message_updated` event: refreshes the preview if it is the last message.
pub(crate) fn on_message_updated(chats: &mut [Chat], message: &Message) {
    if let Some(chat) = chats.iter_mut().find(|c| c.id == message.chat_id)
        && let Some(last) = chat.last_message.as_mut()
        && last.id == message.id
        && !last.deleted
    {
        *last = message.clone();
    }
}

/// A `message_deleted` event.
pub(crate) fn on_message_deleted(chats: &mut [Chat], chat_id: ChatId, message_id: MessageId) {
    if let Some(chat) = chats.iter_mut().find(|c| c.id == chat_id)
        && let Some(last) = chat.last_message.as_mut()
        && last.id == message_id
    {
        last.deleted = true;
        last.content.clear();
    }
}

/// A message from a page of changes (catching up by version): new, edited or deleted. It
/// counts as unread only when new (past `last_seq`), not deleted, someone else's and not being
/// looked at; it becomes the preview when it is the newest or a later version of it. Returns
/// false for a chat not in the list.
pub(crate) fn on_changed_message(
    chats: &mut [Chat],
    message: &Message,
    me: UserId,
    viewing: bool,
) -> bool {
    let Some(chat) = chats.iter_mut().find(|c| c.id == message.chat_id) else {
        return false;
    };
    if message.seq > chat.last_seq {
        if crate::text::system::to_read(message, me) && !viewing {
            chat.unread_count += 1;
            if message.mentions.contains(&me) {
                chat.unread_mentions += 1;
            }
        }
        chat.last_seq = message.seq;
    }
    chat.last_version = chat.last_version.max(message.version);
    let preview = match &chat.last_message {
        None => true,
        Some(last) if message.seq > last.seq => true,
        Some(last) => last.id == message.id && message.version > last.version,
    };
    if preview {
        chat.last_message = Some(message.clone());
    }
    sort(chats);
    true
}

/// My own read position moved (here or in another tab).
pub(crate) fn on_my_read(chats: &mut [Chat], chat_id: ChatId, seq: i64) {
    if let Some(chat) = chats.iter_mut().find(|c| c.id == chat_id)
        && seq >= chat.last_seq
    {
        chat.unread_count = 0;
        chat.unread_mentions = 0;
    }
}

/// Part of the chat was read: no more than `left` messages remain unread.
pub(crate) fn at_most_unread(chats: &mut [Chat], chat_id: ChatId, left: i64) {
    if let Some(chat) = chats.iter_mut().find(|c| c.id == chat_id) {
        chat.unread_count = chat.unread_count.min(left.max(0));
        if chat.unread_count == 0 {
            chat.unread_mentions = 0;
        }
    }
}

/// The other person of a direct chat.
pub(crate) fn direct_peer(chat: &Chat, me: UserId) -> Option<UserId> {
    (chat.kind == ChatKind::Direct)
        .then(|| chat.members.iter().find(|m| m.id != me).map(|m| m.id))
        .flatten()
}

pub(crate) fn total_unread(chats: &[Chat]) -> i64 {
    chats.iter().map(|c| c.unread_count).sum()
}

#[cfg(test)]
mod mention_tests {
    use super::*;
    use crate::model::fixtures::{self, msg, user_id};

    #[test]
    fn mentions_of_me_count_until_read() {
        let me = user_id(1);
        let mut chats = vec![fixtures::chat(0, ChatKind::Group)];
        let mut m = msg(1, "hi @me");
        m.mentions = vec![me];
        assert!(on_new_message(&mut chats, &m, me, false));
        let mut other = msg(2, "hi @bob");
        other.mentions = vec![user_id(2)];
        on_new_message(&mut chats, &other, me, false);
        assert_eq!((chats[0].unread_count, chats[0].unread_mentions), (2, 1));
        // Looking at the chat: nothing counts.
        let mut seen = msg(3, "@me again");
        seen.mentions = vec![me];
        on_new_message(&mut chats, &seen, me, true);
        assert_eq!(chats[0].unread_mentions, 1);
        let id = chats[0].id;
        on_my_read(&mut chats, id, 3);
        assert_eq!((chats[0].unread_count, chats[0].unread_mentions), (0, 0));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::{self, chat_id as chat_id_of, msg, user, user_id};
    use chrono::Duration;

    fn chat(n: u128, minute: i64) -> Chat {
        let mut chat = fixtures::chat(n, ChatKind::Direct);
        chat.created_at += Duration::minutes(minute);
        chat
    }

    fn ids(chats: &[Chat]) -> Vec<u128> {
        chats.iter().map(|c| c.id.as_uuid().as_u128()).collect()
    }

    fn from(n: u128, chat_id: u128, seq: i64) -> Message {
        let mut m = msg(seq, "hello");
        m.sender = user(n, "x");
        m.chat_id = chat_id_of(chat_id);
        m
    }

    #[test]
    fn new_messages_move_chats_up_and_count_unread() {
        let me = user_id(1);
        let mut chats = Vec::new();
        replace(&mut chats, vec![chat(10, 1), chat(11, 2), chat(12, 3)]);
        assert_eq!(ids(&chats), vec![12, 11, 10]);
        assert!(on_new_message(&mut chats, &from(2, 10, 1), me, false));
        assert_eq!(ids(&chats), vec![10, 12, 11]);
        assert_eq!(chats[0].unread_count, 1);
        assert_eq!(chats[0].last_seq, 1);
        // My own message, or one I am looking at, is not unread; a duplicate is not counted twice.
        on_new_message(&mut chats, &from(1, 10, 2), me, false);
        on_new_message(&mut chats, &from(2, 10, 3), me, true);
        on_new_message(&mut chats, &from(2, 10, 1), me, false);
        assert_eq!(chats[0].unread_count, 1);
        assert_eq!(chats[0].last_message.as_ref().map(|m| m.seq), Some(3));
        assert!(!on_new_message(&mut chats, &from(2, 99, 1), me, false));
        assert_eq!(total_unread(&chats), 1);
        on_my_read(&mut chats, chat_id_of(10), 2);
        assert_eq!(chats[0].unread_count, 1, "not read up to the end");
        // Part read: never more unread than what is left, never fewer than none.
        at_most_unread(&mut chats, chat_id_of(10), 5);
        assert_eq!(chats[0].unread_count, 1);
        at_most_unread(&mut chats, chat_id_of(10), -1);
        assert_eq!(chats[0].unread_count, 0);
        chats[0].unread_count = 1;
        on_my_read(&mut chats, chat_id_of(10), 3);
        assert_eq!(chats[0].unread_count, 0);
    }

    #[test]
    fn updates_deletes_and_membership() {
        let me = user_id(1);
        let mut chats = vec![chat(10, 1)];
        on_new_message(&mut chats, &from(2, 10, 1), me, false);
        let mut edited = from(2, 10, 1);
        edited.content = "edited".into();
        on_message_updated(&mut chats, &edited);
        assert_eq!(
            chats[0].last_message.as_ref().map(|m| m.content.as_str()),
            Some("edited")
        );
        on_message_deleted(&mut chats, chat_id_of(10), edited.id);
        assert!(chats[0].last_message.as_ref().is_some_and(|m| m.deleted));
        let mut group = chat(20, 5);
        group.kind = ChatKind::Group;
        assert!(upsert(&mut chats, group.clone(), me));
        assert_eq!(
            ids(&chats),
            vec![10, 20],
            "the chat with a message is newer"
        );
        assert_eq!(direct_peer(&chats[0], me), Some(user_id(2)));
        assert_eq!(direct_peer(&group, me), None);
        group.members.retain(|m| m.id != me);
        assert!(!upsert(&mut chats, group, me), "left the group");
        assert_eq!(ids(&chats), vec![10]);
        remove(&mut chats, chat_id_of(10));
        assert!(chats.is_empty());
    }

    #[test]
    fn changes_from_a_resume_move_the_preview_and_count_only_new_messages() {
        let me = user_id(1);
        let mut chats = vec![chat(10, 1), chat(11, 2)];
        on_new_message(&mut chats, &from(2, 10, 1), me, false);
        on_my_read(&mut chats, chat_id_of(10), 1);
        let preview = |c: &[Chat]| {
            let last = c[0].last_message.as_ref().unwrap();
            (last.seq, last.content.clone(), last.deleted)
        };
        // The preview's message edited while away (a later version), then deleted.
        let mut edited = from(2, 10, 1);
        edited.content = "edited".into();
        edited.version = 2;
        assert!(on_changed_message(&mut chats, &edited, me, false));
        assert_eq!(preview(&chats), (1, "edited".into(), false));
        assert_eq!(chats[0].unread_count, 0, "an edit is not unread");
        let mut gone = from(2, 10, 1);
        gone.content.clear();
        gone.deleted = true;
        gone.version = 3;
        on_changed_message(&mut chats, &gone, me, false);
        on_changed_message(&mut chats, &edited, me, false);
        assert_eq!(
            preview(&chats),
            (1, String::new(), true),
            "an older copy loses"
        );
        // New ones: counted once, a deleted one and mine not at all.
        let mut new = from(2, 10, 2);
        new.version = 4;
        on_changed_message(&mut chats, &new, me, false);
        on_changed_message(&mut chats, &new, me, false);
        let mut new_gone = from(2, 10, 3);
        new_gone.deleted = true;
        new_gone.version = 5;
        on_changed_message(&mut chats, &new_gone, me, false);
        let mut mine = from(1, 10, 4);
        mine.version = 6;
        on_changed_message(&mut chats, &mine, me, false);
        assert_eq!(chats[0].unread_count, 1);
        assert_eq!((chats[0].last_seq, chats[0].last_version), (4, 6));
        assert_eq!(preview(&chats).0, 4);
        assert!(!on_changed_message(&mut chats, &from(2, 99, 1), me, false));
    }
}
