use super::*;

fn contact(n: u128, name: &str, online: Option<bool>) -> Contact {
    Contact {
        user: user(n, name),
        online,
    }
}

#[test]
fn the_block_list_is_sorted_and_blocking_drops_the_contact_and_presence() {
    let mut data = ChatData::default();
    data.blocks_fetched(vec![user(5, "Zed"), user(4, "amy")]);
    let names: Vec<_> = data.blocked.iter().map(|u| u.username.as_str()).collect();
    assert_eq!(names, vec!["amy", "Zed"]);
    assert!(data.take_changed().blocked);

    data.contacts_fetched(vec![contact(2, "bob", Some(true)), contact(3, "cy", None)]);
    data.take_changed();
    data.blocked_user(user(2, "bob"));
    let names: Vec<_> = data.blocked.iter().map(|u| u.username.as_str()).collect();
    assert_eq!(names, vec!["amy", "bob", "Zed"]);
    assert_eq!(data.contacts.len(), 1, "the contact is gone both ways");
    assert_eq!(data.presence.get(&user_id(2)), None, "no presence any more");
    let changed = data.take_changed();
    assert!(changed.blocked && changed.contacts && changed.presence);

    // Blocking again (another device did already) keeps one entry.
    data.blocked_user(user(2, "bob"));
    assert_eq!(data.blocked.len(), 3);
}

#[test]
fn a_refused_message_or_typing_closes_a_direct_chat_until_they_write_again() {
    let mut data = data_with_chat(1);
    data.presence.insert(user_id(2), true);
    data.outbox.push(draft(CHAT, "hello?", 7), Link::Up, 0.0);
    let effects = data.apply(
        error_coded(
            ErrorCode::Forbidden,
            "this conversation is closed: one of you blocked the other",
            Some("new_message"),
            Some(id(7)),
        ),
        &moment(),
    );
    assert!(effects.is_empty(), "the failed bubble says why");
    assert!(data.closed.contains(&chat_id(CHAT)));
    assert_eq!(
        data.presence.get(&user_id(2)),
        None,
        "a block hides presence"
    );
    let changed = data.take_changed();
    assert!(changed.closed && changed.presence);
    assert!(data.outbox.get(id(7)).is_some_and(|p| p.is_failed()));

    // A message from them means they unblocked me.
    data.apply(
        ServerEvent::NewMessage {
            message: message(2, 2),
        },
        &moment(),
    );
    assert!(data.closed.is_empty());

    // Typing refused in the open direct chat closes it too (quietly).
    let effects = data.apply(
        error_coded(ErrorCode::Forbidden, "closed", Some("typing"), None),
        &viewing(CHAT),
    );
    assert!(effects.is_empty());
    assert!(data.closed.contains(&chat_id(CHAT)));
    // My own message does not reopen it.
    data.apply(
        ServerEvent::NewMessage {
            message: message(3, 1),
        },
        &moment(),
    );
    assert!(data.closed.contains(&chat_id(CHAT)));
}

#[test]
fn refusals_in_groups_or_without_a_chat_close_nothing() {
    let mut data = ChatData::default();
    data.chats_fetched(vec![chat(20, ChatKind::Group)], &moment());
    data.outbox.push(draft(20, "hi", 8), Link::Up, 0.0);
    data.apply(
        error_coded(ErrorCode::Forbidden, "no", Some("new_message"), Some(id(8))),
        &moment(),
    );
    data.apply(
        error_coded(ErrorCode::Forbidden, "no", Some("edit_message"), None),
        &viewing(20),
    );
    assert!(data.closed.is_empty());
}

#[test]
fn unblocking_reopens_our_direct_chat() {
    let mut data = data_with_chat(1);
    data.blocked_user(user(2, "bob"));
    data.closed.insert(chat_id(CHAT));
    data.unblocked_user(user_id(2), me());
    assert!(data.blocked.is_empty());
    assert!(data.closed.is_empty());
    let changed = data.take_changed();
    assert!(changed.blocked && changed.closed);
}

#[test]
fn rate_limits_are_worded_for_people() {
    let mut data = ChatData::default();
    assert_eq!(
        data.apply(
            error_coded(
                ErrorCode::RateLimited,
                "too many requests",
                Some("edit_message"),
                None
            ),
            &moment()
        ),
        vec![Effect::Notify(SLOW_DOWN.into())]
    );
    let mut data = data_with_chat(0);
    data.outbox.push(draft(CHAT, "hi", 7), Link::Up, 0.0);
    data.apply(
        error_coded(
            ErrorCode::RateLimited,
            "x",
            Some("new_message"),
            Some(id(7)),
        ),
        &moment(),
    );
    assert_eq!(
        data.outbox.get(id(7)).map(|p| p.status_label().to_owned()),
        Some(SLOW_DOWN.to_owned())
    );
}

#[test]
fn presence_is_unknown_unless_shared() {
    let mut data = ChatData::default();
    // Bob added me (online known), Cy did not (null).
    data.contacts_fetched(vec![contact(2, "bob", Some(false)), contact(3, "cy", None)]);
    assert_eq!(data.presence.get(&user_id(2)), Some(&false));
    assert_eq!(data.presence.get(&user_id(3)), None);

    // A group with both, nobody online: bob stays offline, cy stays unknown, I am not tracked.
    let mut group = chat(20, ChatKind::Group);
    group.members.push(user(3, "cy"));
    data.upsert_chat(group.clone(), &moment());
    assert_eq!(data.presence.get(&user_id(2)), Some(&false));
    assert_eq!(data.presence.get(&user_id(3)), None);
    assert_eq!(data.presence.get(&me()), None);

    // Listed online: known from now on.
    group.online_members = vec![user_id(2)];
    data.upsert_chat(group, &moment());
    assert_eq!(data.presence.get(&user_id(2)), Some(&true));

    // Bob stops sharing (removed me): his presence is forgotten.
    data.contacts_fetched(vec![contact(2, "bob", None)]);
    assert_eq!(data.presence.get(&user_id(2)), None);
}
