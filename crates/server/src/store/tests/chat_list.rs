//! The chat list's cost does not grow with the number of chats: the same statements for one
//! chat as for forty, whole or paged, on both backends; and rendering a chat for all its
//! members (`chat_updated`) costs the same for two members as for forty.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use diesel::Connection;
use diesel::connection::InstrumentationEvent;

use super::{group, post, user};
use crate::db::AnyConnection;
use crate::store::{chats, messages};

on_both_backends!(
    chat_list_costs_the_same_whatever_the_number_of_chats,
    rendering_for_all_members_costs_the_same_whatever_their_number,
);

/// The statements `f` runs on `c`.
fn statements<T>(c: &mut AnyConnection, f: impl FnOnce(&mut AnyConnection) -> T) -> (usize, T) {
    let count = Arc::new(AtomicUsize::new(0));
    let counter = count.clone();
    c.set_instrumentation(move |event: InstrumentationEvent<'_>| {
        if matches!(event, InstrumentationEvent::StartQuery { .. }) {
            counter.fetch_add(1, Ordering::Relaxed);
        }
    });
    let out = f(c);
    c.set_instrumentation(diesel::connection::get_default_instrumentation());
    (count.load(Ordering::Relaxed), out)
}

fn chat_list_costs_the_same_whatever_the_number_of_chats(c: &mut AnyConnection) {
    let (ann, ben) = (user(c, "ann"), user(c, "ben"));
    let first = group(c, &ann, &[&ben]);
    messages::post_batch(c, &[post(first, &ben, "hi @ann")]).expect("post");
    let (one, listed) = statements(c, |c| chats::list(c, ann.id).expect("list"));
    assert_eq!(listed.len(), 1);
    for i in 0..39 {
        let chat = group(c, &ann, &[&ben]);
        messages::post_batch(c, &[post(chat, &ben, &format!("m{i} @ann"))]).expect("post");
    }
    let (forty, listed) = statements(c, |c| chats::list(c, ann.id).expect("list"));
    assert_eq!(listed.len(), 40);
    assert!(
        listed
            .iter()
            .all(|chat| chat.unread_count == 1 && chat.last_message.is_some())
    );
    assert_eq!(forty, one, "one chat: {one} statements; forty: {forty}");
    let (paged, (page, next)) = statements(c, |c| {
        chats::list_page(c, ann.id, Some(10), None).expect("page")
    });
    assert_eq!(page.len(), 10);
    assert!(next.is_some());
    assert_eq!(paged, one, "a page costs what the whole list does");
}

fn rendering_for_all_members_costs_the_same_whatever_their_number(c: &mut AnyConnection) {
    let ann = user(c, "ann");
    let others: Vec<_> = (0..40).map(|i| user(c, &format!("u{i}"))).collect();
    let small = group(c, &ann, &[&others[0]]);
    let refs: Vec<_> = others.iter().collect();
    let big = group(c, &ann, &refs);
    for chat in [small, big] {
        messages::post_batch(c, &[post(chat, &ann, "hello @u0")]).expect("post");
    }
    let viewers = |chat| {
        let mut ids = vec![ann.id];
        ids.extend(
            others
                .iter()
                .take(if chat == small { 1 } else { 40 })
                .map(|u| u.id),
        );
        ids
    };
    let small_viewers = viewers(small);
    let big_viewers = viewers(big);
    let (two, views) = statements(c, |c| {
        chats::render_for_viewers(c, small, &small_viewers).expect("render")
    });
    assert_eq!(views.viewers.len(), 2);
    let (many, views) = statements(c, |c| {
        chats::render_for_viewers(c, big, &big_viewers).expect("render")
    });
    assert_eq!(views.viewers.len(), 41);
    assert!(
        views
            .viewers
            .iter()
            .all(|part| part.unread_count == i64::from(part.viewer != ann.id))
    );
    assert_eq!(
        many, two,
        "two members: {two} statements; forty-one: {many}"
    );
}
