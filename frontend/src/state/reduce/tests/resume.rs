//! Catching up by version: live events that skip versions ask for a catch-up, and a page of
//! changes updates the timeline and the chat list (preview, unread) together.

use super::*;

/// `message(seq, sender)` as changed at `version`.
fn at(seq: i64, sender: u128, version: i64) -> Message {
    Message {
        version,
        ..message(seq, sender)
    }
}

fn changes(messages: Vec<Message>, has_more: bool) -> MessagePage {
    MessagePage { messages, has_more }
}

#[test]
fn live_events_that_skip_versions_start_a_catch_up() {
    let mut data = data_with_chat(3);
    let mut edited = at(2, 2, 5);
    edited.content = "edited".into();
    // Version 4 never arrived: the edit shows, and a catch-up fetches what was missed.
    let effects = data.apply(ServerEvent::MessageUpdated { message: edited }, &moment());
    assert_eq!(effects, vec![Effect::CatchUp(chat_id(CHAT))]);
    assert_eq!(
        data.timelines[&chat_id(CHAT)].messages()[1].content,
        "edited"
    );
    assert_eq!(data.timelines[&chat_id(CHAT)].resume_after(), Some(3));
    let deleted = ServerEvent::MessageDeleted {
        chat_id: chat_id(CHAT),
        message_id: message(1, 2).id,
        seq: 1,
        version: 7,
    };
    assert_eq!(
        data.apply(deleted, &moment()),
        vec![Effect::CatchUp(chat_id(CHAT))]
    );
    // A new message one version on is no gap, even though its seq follows on.
    let mut data = data_with_chat(3);
    let effects = data.apply(
        ServerEvent::NewMessage {
            message: at(4, 2, 4),
        },
        &moment(),
    );
    assert!(effects.is_empty());
    // One whose version skips is, though its seq follows on (an edit was missed).
    let effects = data.apply(
        ServerEvent::NewMessage {
            message: at(5, 2, 7),
        },
        &moment(),
    );
    assert_eq!(effects, vec![Effect::CatchUp(chat_id(CHAT))]);
}

#[test]
fn a_page_of_changes_updates_timeline_preview_and_unread() {
    let mut data = data_with_chat(3);
    data.chats[0].last_seq = 3;
    let mut fixed = at(2, 2, 4);
    fixed.content = "fixed".into();
    fixed.edited_at = Some(chrono::Utc::now());
    let mut gone = at(3, 2, 5);
    gone.deleted = true;
    gone.content.clear();
    let mut new = at(4, 2, 6);
    new.content = "new".into();
    let more = data.changes_page(
        chat_id(CHAT),
        changes(vec![fixed, gone, new.clone()], true),
        &moment(),
    );
    assert!(more);
    let shown: Vec<_> = data.timelines[&chat_id(CHAT)]
        .messages()
        .iter()
        .map(|m| (m.content.as_str(), m.deleted))
        .collect();
    assert_eq!(
        shown,
        vec![("hi", false), ("fixed", false), ("", true), ("new", false)]
    );
    assert_eq!(data.chats[0].last_message.as_ref(), Some(&new));
    assert_eq!(data.chats[0].unread_count, 1, "only the new message");
    let changed = data.take_changed();
    assert!(changed.timelines && changed.chats);
    // The next page (has_more said so); the same page again changes nothing.
    let last = changes(vec![at(5, 1, 7)], false);
    assert!(!data.changes_page(chat_id(CHAT), last.clone(), &moment()));
    assert!(!data.changes_page(chat_id(CHAT), last, &moment()));
    assert_eq!(seqs(&data, CHAT), vec![1, 2, 3, 4, 5]);
    assert_eq!(
        data.chats[0].unread_count, 1,
        "my own message is not unread"
    );
    assert_eq!(data.timelines[&chat_id(CHAT)].resume_after(), Some(7));
}

#[test]
fn new_messages_in_a_page_of_the_viewed_chat_are_not_unread() {
    let mut data = data_with_chat(1);
    data.changes_page(
        chat_id(CHAT),
        changes(vec![at(2, 2, 2)], false),
        &viewing(CHAT),
    );
    assert_eq!(data.chats[0].unread_count, 0);
    assert_eq!(data.chats[0].last_seq, 2);
}
