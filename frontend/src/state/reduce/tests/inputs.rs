//! Inputs that are not server events: the socket closing, fetched lists, pages, contacts.

use super::*;

#[test]
fn a_lost_connection_queues_what_was_sent() {
    let mut data = ChatData::default();
    data.outbox.push(draft(CHAT, "hi", 7), Link::Up, 0.0);
    data.connection_lost();
    assert_eq!(
        data.outbox.get(id(7)).map(|p| p.state.clone()),
        Some(PendingState::Queued)
    );
}

#[test]
fn a_fetched_list_replaces_the_chats_and_closes_a_chat_that_is_not_mine() {
    let mut data = ChatData::default();
    let open_elsewhere = Moment {
        open: Some(chat_id(42)),
        ..moment()
    };
    let effects = data.chats_fetched(
        vec![chat(CHAT, ChatKind::Direct), chat(11, ChatKind::Direct)],
        &open_elsewhere,
    );
    assert_eq!(effects, vec![Effect::CloseOpenChat]);
    assert!(data.chats_loaded);
    assert_eq!(data.chats.len(), 2);
    assert!(data.chats_fetched(vec![], &moment()).is_empty());
    assert!(data.chats.is_empty());
}

#[test]
fn paging_merges_older_pages() {
    let mut data = ChatData::default();
    data.timeline_requested(chat_id(CHAT));
    data.latest_page(
        chat_id(CHAT),
        MessagePage {
            has_more: true,
            ..page(10..=12)
        },
    );
    assert_eq!(data.older_page(chat_id(CHAT), page(5..=10)), 5);
    assert!(!data.timelines[&chat_id(CHAT)].has_more_before);
    assert_eq!(seqs(&data, CHAT), (5..=12).collect::<Vec<_>>());
    assert_eq!(
        data.timelines[&chat_id(CHAT)].version(),
        12,
        "older pages do not move it"
    );
    // Pages for a chat that was forgotten meanwhile are dropped.
    assert_eq!(data.older_page(chat_id(99), page(1..=2)), 0);
    assert!(!data.changes_page(chat_id(99), page(1..=2), &moment()));
    data.latest_page(chat_id(99), page(1..=2));
    assert!(!data.timelines.contains_key(&chat_id(99)));
    data.timeline_failed(chat_id(CHAT));
    assert!(data.timelines.is_empty());
}

#[test]
fn contacts_are_added_sorted_and_removed() {
    let mut data = ChatData::default();
    let contact = |n, name: &str, online| Contact {
        user: user(n, name),
        online: Some(online),
    };
    data.contact_added(contact(3, "Zoe", false));
    data.contact_added(contact(2, "bob", true));
    data.contact_added(contact(2, "bob", false));
    let names: Vec<_> = data
        .contacts
        .iter()
        .map(|c| c.user.username.as_str())
        .collect();
    assert_eq!(names, vec!["bob", "Zoe"]);
    assert_eq!(data.presence.get(&user_id(2)), Some(&false));
    data.contact_removed(user_id(2));
    assert_eq!(data.contacts.len(), 1);
}
