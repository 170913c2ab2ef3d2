//! Every `ServerEvent` variant: gaps start a catch-up, unknown chats refresh the list, errors go
//! to the outbox or the notice, a fresh connection resends the outbox.

use super::*;

#[test]
fn ready_resends_the_outbox_and_catches_up_on_loaded_chats() {
    let mut data = data_with_chat(3);
    data.outbox.push(draft(CHAT, "queued", 7), Link::Down, 0.0);
    let effects = data.apply(
        ServerEvent::Ready {
            user: user(1, "me"),
        },
        &viewing(CHAT),
    );
    assert_eq!(
        effects,
        vec![
            Effect::Send(ClientCommand::NewMessage {
                chat_id: chat_id(CHAT),
                content: "queued".into(),
                client_id: id(7),
                reply_to: None,
                attachments: Vec::new(),
            }),
            Effect::ForgetSentReadMarkers,
            Effect::RefreshChats,
            Effect::RefreshContacts,
            Effect::CatchUp(chat_id(CHAT)),
            Effect::MarkRead(chat_id(CHAT)),
        ]
    );
    assert!(data.take_changed().outbox);
    assert_eq!(
        data.outbox.get(id(7)).map(|p| p.state.clone()),
        Some(PendingState::Sent { at_ms: 1_000.0 })
    );
}

#[test]
fn resync_does_what_ready_does_but_marks_nothing_read_unless_viewing() {
    let mut data = data_with_chat(3);
    let effects = data.apply(ServerEvent::Resync, &moment());
    assert_eq!(
        effects,
        vec![
            Effect::ForgetSentReadMarkers,
            Effect::RefreshChats,
            Effect::RefreshContacts,
            Effect::CatchUp(chat_id(CHAT)),
        ]
    );
    assert!(!data.take_changed().outbox, "nothing to resend");
}

#[test]
fn new_message_appends_counts_unread_and_moves_the_chat_up() {
    let mut data = data_with_chat(2);
    data.chats_fetched(
        vec![chat(CHAT, ChatKind::Direct), chat(11, ChatKind::Direct)],
        &moment(),
    );
    let effects = data.apply(
        ServerEvent::NewMessage {
            message: message(3, 2),
        },
        &moment(),
    );
    assert!(effects.is_empty());
    assert_eq!(seqs(&data, CHAT), vec![1, 2, 3]);
    assert_eq!(data.chats[0].id, chat_id(CHAT), "the active chat is first");
    assert_eq!(data.chats[0].unread_count, 1);
    let changed = data.take_changed();
    assert!(changed.chats && changed.timelines);
}

#[test]
fn new_message_in_the_viewed_chat_is_read_at_once() {
    let mut data = data_with_chat(2);
    let effects = data.apply(
        ServerEvent::NewMessage {
            message: message(3, 2),
        },
        &viewing(CHAT),
    );
    assert_eq!(effects, vec![Effect::MarkRead(chat_id(CHAT))]);
    assert_eq!(data.chats[0].unread_count, 0);
}

#[test]
fn a_gap_before_a_new_message_starts_a_catch_up() {
    let mut data = data_with_chat(2);
    let effects = data.apply(
        ServerEvent::NewMessage {
            message: message(5, 2),
        },
        &moment(),
    );
    assert_eq!(effects, vec![Effect::CatchUp(chat_id(CHAT))]);
    assert_eq!(seqs(&data, CHAT), vec![1, 2, 5]);
}

#[test]
fn a_message_in_an_unknown_chat_refreshes_the_list() {
    let mut data = data_with_chat(2);
    let mut elsewhere = message(1, 2);
    elsewhere.chat_id = chat_id(99);
    let effects = data.apply(ServerEvent::NewMessage { message: elsewhere }, &moment());
    assert_eq!(effects, vec![Effect::RefreshChats]);
    assert!(!data.timelines.contains_key(&chat_id(99)));
}

#[test]
fn my_echo_confirms_the_pending_copy_and_the_sender_stops_typing() {
    let mut data = data_with_chat(2);
    data.outbox.push(draft(CHAT, "hi", 7), Link::Up, 0.0);
    data.apply(
        ServerEvent::Typing {
            chat_id: chat_id(CHAT),
            user: user(2, "bob"),
        },
        &moment(),
    );
    let mut echo = message(3, 1);
    echo.client_id = Some(id(7));
    data.apply(ServerEvent::NewMessage { message: echo }, &moment());
    assert!(data.outbox.is_empty());
    let mut bobs = message(4, 2);
    bobs.content = "done typing".into();
    data.apply(ServerEvent::NewMessage { message: bobs }, &moment());
    assert!(data.typing.who(chat_id(CHAT), 1_000.0).is_empty());
    assert_eq!(
        data.chats[0].unread_count, 1,
        "my own message is not unread"
    );
}

#[test]
fn message_updated_changes_the_timeline_and_the_preview() {
    let mut data = data_with_chat(2);
    data.apply(
        ServerEvent::NewMessage {
            message: message(3, 2),
        },
        &moment(),
    );
    let mut edited = message(3, 2);
    edited.content = "edited".into();
    edited.edited_at = Some(chrono::Utc::now());
    let effects = data.apply(
        ServerEvent::MessageUpdated {
            message: edited.clone(),
        },
        &moment(),
    );
    assert!(effects.is_empty());
    assert_eq!(
        data.timelines[&chat_id(CHAT)].messages()[2].content,
        "edited"
    );
    assert_eq!(data.chats[0].last_message.as_ref(), Some(&edited));
}

#[test]
fn message_deleted_blanks_it_in_the_timeline_and_the_preview() {
    let mut data = data_with_chat(2);
    data.apply(
        ServerEvent::NewMessage {
            message: message(3, 2),
        },
        &moment(),
    );
    let effects = data.apply(
        ServerEvent::MessageDeleted {
            chat_id: chat_id(CHAT),
            message_id: message(3, 2).id,
            seq: 3,
            version: 4,
        },
        &moment(),
    );
    assert!(effects.is_empty());
    let shown = &data.timelines[&chat_id(CHAT)].messages()[2];
    assert!(shown.deleted && shown.content.is_empty());
    assert!(
        data.chats[0]
            .last_message
            .as_ref()
            .is_some_and(|m| m.deleted)
    );
    assert!(data.take_changed().timelines);
}

#[test]
fn typing_shows_others_but_never_me() {
    let mut data = ChatData::default();
    for who in [user(1, "me"), user(2, "bob")] {
        data.apply(
            ServerEvent::Typing {
                chat_id: chat_id(CHAT),
                user: who,
            },
            &moment(),
        );
    }
    assert_eq!(data.typing.who(chat_id(CHAT), 1_500.0), vec!["bob"]);
}

#[test]
fn presence_updates_people_and_contacts() {
    let mut data = ChatData::default();
    data.contacts_fetched(vec![Contact {
        user: user(2, "bob"),
        online: Some(false),
    }]);
    data.apply(
        ServerEvent::Presence {
            user_id: user_id(2),
            online: true,
        },
        &moment(),
    );
    assert_eq!(data.presence.get(&user_id(2)), Some(&true));
    assert_eq!(data.contacts[0].online, Some(true));
    let changed = data.take_changed();
    assert!(changed.presence && changed.contacts);
}

#[test]
fn read_markers_of_others_only_move_forward_and_mine_clear_unread() {
    let mut data = data_with_chat(2);
    let read = |user_id, seq| ServerEvent::Read {
        chat_id: chat_id(CHAT),
        user_id,
        seq,
    };
    data.apply(read(user_id(2), 2), &moment());
    data.apply(read(user_id(2), 1), &moment());
    assert_eq!(data.reads[&chat_id(CHAT)][&user_id(2)], 2);
    data.apply(
        ServerEvent::NewMessage {
            message: message(3, 2),
        },
        &moment(),
    );
    assert_eq!(data.chats[0].unread_count, 1);
    data.apply(read(me(), 3), &moment());
    assert_eq!(data.chats[0].unread_count, 0);
    assert!(!data.reads[&chat_id(CHAT)].contains_key(&me()));
}

#[test]
fn chat_updated_adds_the_chat_with_its_reads_and_presence() {
    let mut data = ChatData::default();
    let mut group = chat(20, ChatKind::Group);
    group.read_positions = vec![
        ReadPosition {
            user_id: user_id(2),
            seq: 4,
        },
        ReadPosition {
            user_id: me(),
            seq: 9,
        },
    ];
    group.online_members = vec![user_id(2)];
    let effects = data.apply(ServerEvent::ChatUpdated { chat: group }, &moment());
    assert!(effects.is_empty());
    assert!(data.chats_loaded);
    assert_eq!(data.chats.len(), 1);
    assert_eq!(data.reads[&chat_id(20)].get(&user_id(2)), Some(&4));
    assert_eq!(data.reads[&chat_id(20)].get(&me()), None, "never my own");
    assert_eq!(data.presence.get(&user_id(2)), Some(&true));
    assert_eq!(
        data.presence.get(&me()),
        None,
        "my own presence is not tracked"
    );
}

#[test]
fn chat_updated_without_me_forgets_the_chat_and_closes_it() {
    let mut data = data_with_chat(2);
    let mut gone = chat(CHAT, ChatKind::Group);
    gone.members.retain(|m| m.id != me());
    let effects = data.apply(ServerEvent::ChatUpdated { chat: gone }, &viewing(CHAT));
    assert_eq!(effects, vec![Effect::CloseOpenChat]);
    assert!(data.chats.is_empty());
    assert!(!data.timelines.contains_key(&chat_id(CHAT)));
}

#[test]
fn messages_event_merges_into_a_loaded_timeline_only() {
    let mut data = data_with_chat(2);
    let event = |chat: u128| ServerEvent::Messages {
        chat_id: chat_id(chat),
        messages: page(3..=4).messages,
        has_more: false,
        request_id: None,
    };
    assert!(data.apply(event(CHAT), &moment()).is_empty());
    assert_eq!(seqs(&data, CHAT), vec![1, 2, 3, 4]);
    data.apply(event(99), &moment());
    assert!(!data.timelines.contains_key(&chat_id(99)));
}

#[test]
fn an_error_naming_a_pending_message_fails_it_in_the_outbox() {
    let mut data = data_with_chat(0);
    data.outbox.push(draft(CHAT, "hi", 7), Link::Up, 0.0);
    let effects = data.apply(
        error("too many messages", Some("new_message"), Some(id(7))),
        &moment(),
    );
    assert!(effects.is_empty());
    assert_eq!(
        data.outbox.get(id(7)).map(|p| p.status_label().to_owned()),
        Some("Too many messages.".to_owned())
    );
}

#[test]
fn other_errors_become_a_notice_except_for_typing_and_read_markers() {
    let mut data = ChatData::default();
    assert_eq!(
        data.apply(error("not a member", Some("edit_message"), None), &moment()),
        vec![Effect::Notify("Not a member.".into())]
    );
    assert_eq!(
        data.apply(error("gone", Some("new_message"), Some(id(8))), &moment()),
        vec![Effect::Notify("Gone.".into())],
        "a client_id the outbox does not know"
    );
    assert!(
        data.apply(error("slow down", Some("typing"), None), &moment())
            .is_empty()
    );
    assert!(
        data.apply(error("slow down", Some("mark_read"), None), &moment())
            .is_empty()
    );
}

#[test]
fn reaction_events_change_the_chips_and_the_version() {
    let mut data = data_with_chat(2);
    let reaction = |on: bool, version: i64| ServerEvent::Reaction {
        chat_id: chat_id(CHAT),
        message_id: message(2, 2).id,
        emoji: "👍".into(),
        user_id: me(),
        on,
        version,
    };
    assert!(data.apply(reaction(true, 3), &moment()).is_empty());
    assert!(data.take_changed().timelines);
    let shown = &data.timelines[&chat_id(CHAT)].messages()[1];
    assert_eq!(shown.version, 3);
    assert_eq!(shown.reactions[0].user_ids, [me()]);
    // Versions skipped: something was missed, catch up.
    assert_eq!(
        data.apply(reaction(false, 6), &moment()),
        [Effect::CatchUp(chat_id(CHAT))]
    );
    assert!(
        data.timelines[&chat_id(CHAT)].messages()[1]
            .reactions
            .is_empty()
    );
}
