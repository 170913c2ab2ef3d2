//! Chats: read positions, direct chats, groups and membership.

use chat_protocol::{ChatId, ChatKind};

use super::{group, post, user};
use crate::db::AnyConnection;
use crate::error::AppError;
use crate::store::messages::NewPost;
use crate::store::{chats, members, messages};

on_both_backends!(
    read_positions_only_move_forward_within_the_chat,
    direct_chats_are_one_per_pair,
    groups_add_and_leave,
);

fn read_positions_only_move_forward_within_the_chat(c: &mut AnyConnection) {
    let (ann, ben, eve) = (user(c, "ann"), user(c, "ben"), user(c, "eve"));
    let chat = group(c, &ann, &[&ben]);
    let batch: Vec<NewPost> = (1..=3).map(|i| post(chat, &ann, &i.to_string())).collect();
    messages::post_batch(c, &batch).expect("posts");
    assert_eq!(chats::get(c, chat, ben.id).expect("chat").unread_count, 3);
    assert_eq!(chats::mark_read(c, chat, ben.id, 2).expect("read"), Some(2));
    assert_eq!(
        chats::mark_read(c, chat, ben.id, 1).expect("back"),
        None,
        "never back"
    );
    assert_eq!(chats::mark_read(c, chat, ben.id, 2).expect("same"), None);
    assert_eq!(
        chats::mark_read(c, chat, ben.id, 99).expect("past the end"),
        Some(3),
        "capped at the last message"
    );
    let seen = chats::get(c, chat, ben.id).expect("chat");
    assert_eq!(seen.unread_count, 0);
    assert!(
        seen.read_positions
            .iter()
            .any(|p| p.user_id == ben.id && p.seq == 3)
    );
    assert_eq!(
        chats::get(c, chat, ann.id).expect("chat").unread_count,
        0,
        "own messages are never unread"
    );
    assert!(matches!(
        chats::mark_read(c, chat, eve.id, 1),
        Err(AppError::NotFound(_))
    ));
    // Rendered once for everyone concerned: each sees their own count; an outsider, nothing.
    messages::post_batch(c, &[post(chat, &ben, &format!("@{} four", ann.username))]).expect("post");
    let views = chats::render_for_viewers(c, chat, &[ann.id, ben.id, eve.id]).expect("views");
    let counts: Vec<(i64, i64)> = views
        .viewers
        .iter()
        .map(|v| (v.unread_count, v.unread_mentions))
        .collect();
    assert_eq!(counts, [(1, 1), (0, 0), (0, 0)]);
    assert_eq!(views.shared.last_message.as_ref().map(|m| m.seq), Some(4));
    assert_eq!(views.viewers[0].viewer, ann.id);
    // A whole view is the shared chat with the viewer's own fields.
    let ann_view = views.view(&views.viewers[0]);
    assert_eq!((ann_view.unread_count, ann_view.members.len()), (1, 2));
}

fn direct_chats_are_one_per_pair(c: &mut AnyConnection) {
    let (ann, ben) = (user(c, "ann"), user(c, "ben"));
    let (chat, created) = chats::open_direct(c, ann.id, "ben").expect("open");
    assert!(created);
    assert_eq!(chat.kind, ChatKind::Direct);
    let (again, created_again) = chats::open_direct(c, ben.id, "ANN").expect("reopen");
    assert_eq!(
        (again.id, created_again),
        (chat.id, false),
        "the same chat from either side"
    );
    assert!(matches!(
        chats::open_direct(c, ann.id, "ann"),
        Err(AppError::Validation(_))
    ));
    assert!(matches!(
        chats::open_direct(c, ann.id, "nobody"),
        Err(AppError::NotFound(_))
    ));
    assert!(matches!(
        chats::remove_member(c, chat.id, ann.id, ann.id),
        Err(AppError::Forbidden(_))
    ));
    assert!(matches!(
        chats::add_member(c, chat.id, ann.id, "ben", 10),
        Err(AppError::Validation(_))
    ));
}

fn groups_add_and_leave(c: &mut AnyConnection) {
    let (ann, ben, cat, eve) = (
        user(c, "ann"),
        user(c, "ben"),
        user(c, "cat"),
        user(c, "eve"),
    );
    let chat = group(c, &ann, &[&ben]);
    let (grown, added) = chats::add_member(c, chat, ben.id, "cat", 10).expect("add");
    let names: Vec<&str> = grown.members.iter().map(|m| m.username.as_str()).collect();
    assert_eq!(names, ["ann", "ben", "cat"], "joining order");
    // The change is a line in the history: the chat's next seq, by who did it, about whom.
    let line = added.system.clone().expect("a system line");
    assert_eq!(
        (line.event, line.user.map(|u| u.username)),
        (chat_protocol::SystemEvent::Added, Some("cat".to_owned()))
    );
    assert_eq!(
        (added.sender.id, added.seq, added.client_id),
        (ben.id, grown.last_seq, None)
    );
    assert_eq!(grown.last_message.as_ref().map(|m| m.id), Some(added.id));
    assert_eq!(grown.unread_count, 0, "a system line is nothing to read");
    for viewer in [&ann, &cat] {
        let seen = chats::get(c, chat, viewer.id).expect("get");
        assert_eq!(
            seen.unread_count, 0,
            "{} has nothing unread",
            viewer.username
        );
    }
    assert!(
        matches!(
            messages::edit(c, ben.id, added.id, "forged"),
            Err(AppError::Validation(_))
        ),
        "a system line cannot be edited"
    );
    assert!(matches!(
        messages::delete(c, ben.id, added.id),
        Err(AppError::Validation(_))
    ));
    assert!(matches!(
        chats::add_member(c, chat, ann.id, "cat", 10),
        Err(AppError::Conflict(_))
    ));
    assert!(matches!(
        chats::add_member(c, chat, eve.id, "eve", 10),
        Err(AppError::NotFound(_))
    ));
    assert!(
        matches!(
            chats::add_member(c, chat, ann.id, "eve", 3),
            Err(AppError::Validation(_))
        ),
        "a full group takes no one"
    );
    assert!(!members::is_member(c, chat, eve.id).expect("check"));
    assert!(
        matches!(
            chats::remove_member(c, chat, ben.id, cat.id),
            Err(AppError::Forbidden(_))
        ),
        "ben is no admin"
    );
    let left = chats::remove_member(c, chat, cat.id, cat.id).expect("leave");
    assert_eq!(
        left.system.map(|l| (l.event, l.user)),
        Some((chat_protocol::SystemEvent::Left, None))
    );
    assert_eq!(left.seq, added.seq + 1, "gapless with the other lines");
    assert!(!members::is_member(c, chat, cat.id).expect("check"));
    assert!(matches!(
        chats::get(c, chat, cat.id),
        Err(AppError::NotFound(_))
    ));
    let told = chats::render_unchecked(c, chat, cat.id).expect("render for the leaver");
    assert_eq!(told.members.len(), 2);
    let listed: Vec<ChatId> = chats::list(c, ben.id)
        .expect("list")
        .iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(listed, [chat]);
}
