//! Storing, retrying, editing, deleting and paging messages.

use chat_protocol::{ChatId, HistoryQuery, MessagePage};
use uuid::Uuid;

use super::{group, post, stored_seq, user};
use crate::db::AnyConnection;
use crate::error::AppError;
use crate::store::messages::{BatchOutcome, NewPost};
use crate::store::{chats, messages};

on_both_backends!(
    batches_get_gapless_seqs_and_refuse_outsiders_and_retries,
    edits_and_deletes_only_by_the_author,
    history_pages_both_ways,
    versions_count_every_change_without_gaps,
    one_batch_mixes_chats_retries_outsiders_and_replies,
);

fn batches_get_gapless_seqs_and_refuse_outsiders_and_retries(c: &mut AnyConnection) {
    let (ann, ben, eve) = (user(c, "ann"), user(c, "ben"), user(c, "eve"));
    let chat = group(c, &ann, &[&ben]);
    let first = post(chat, &ann, "one");
    let batch = [
        first.clone(),
        post(chat, &ben, "two"),
        post(chat, &eve, "not a member"),
        post(ChatId::from(Uuid::new_v4()), &ann, "no such chat"),
        post(chat, &ann, "three"),
    ];
    let outcomes = messages::post_batch(c, &batch).expect("batch");
    assert_eq!(stored_seq(&outcomes[0]), 1);
    assert_eq!(stored_seq(&outcomes[1]), 2);
    assert!(matches!(outcomes[2], BatchOutcome::NotFound));
    assert!(matches!(outcomes[3], BatchOutcome::NotFound));
    assert_eq!(stored_seq(&outcomes[4]), 3, "refusals leave no gap");
    let BatchOutcome::Stored(delivery) = &outcomes[0] else {
        unreachable!()
    };
    let mut audience = delivery.members.clone();
    audience.sort();
    let mut want = vec![ann.id, ben.id];
    want.sort();
    assert_eq!(audience, want);

    let retry = messages::post_batch(c, &[first.clone(), post(chat, &ben, "four")]).expect("retry");
    assert!(matches!(retry[0], BatchOutcome::Duplicate));
    assert_eq!(stored_seq(&retry[1]), 4, "a retry gives its seq back");
    let original = messages::stored_retry(c, ann.id, first.client_id).expect("found");
    assert_eq!((original.seq, original.content.as_str()), (1, "one"));
    assert_eq!(original.client_id, Some(first.client_id));
}

fn edits_and_deletes_only_by_the_author(c: &mut AnyConnection) {
    let (ann, ben, eve) = (user(c, "ann"), user(c, "ben"), user(c, "eve"));
    let chat = group(c, &ann, &[&ben]);
    let outcomes = messages::post_batch(c, &[post(chat, &ann, "draft")]).expect("post");
    let BatchOutcome::Stored(stored) = &outcomes[0] else {
        panic!("not stored")
    };
    let id = stored.message.id;

    let edited = messages::edit(c, ann.id, id, "final").expect("edit");
    assert_eq!(edited.message.content, "final");
    assert!(edited.message.edited_at.is_some());
    assert!(matches!(
        messages::edit(c, ben.id, id, "mine now"),
        Err(AppError::Forbidden(_))
    ));
    assert!(
        matches!(
            messages::edit(c, eve.id, id, "x"),
            Err(AppError::NotFound(_))
        ),
        "an outsider learns nothing"
    );
    let deleted = messages::delete(c, ann.id, id).expect("delete");
    assert!(deleted.message.deleted && deleted.message.content.is_empty());
    assert!(matches!(
        messages::delete(c, ann.id, id),
        Err(AppError::NotFound(_))
    ));
    assert!(matches!(
        messages::edit(c, ann.id, id, "revive"),
        Err(AppError::NotFound(_))
    ));
    let page = messages::page(c, chat, ben.id, &HistoryQuery::default()).expect("history");
    assert_eq!(page.messages.len(), 1);
    assert!(page.messages[0].deleted && page.messages[0].content.is_empty());
}

fn history_pages_both_ways(c: &mut AnyConnection) {
    let (ann, ben, eve) = (user(c, "ann"), user(c, "ben"), user(c, "eve"));
    let chat = group(c, &ann, &[&ben]);
    let batch: Vec<NewPost> = (1..=7).map(|i| post(chat, &ann, &i.to_string())).collect();
    messages::post_batch(c, &batch).expect("posts");
    let query = |before_seq, after_seq, limit| HistoryQuery {
        before_seq,
        after_seq,
        after_version: None,
        limit,
    };
    let seqs = |page: &MessagePage| -> Vec<i64> { page.messages.iter().map(|m| m.seq).collect() };
    let latest = messages::page(c, chat, ben.id, &query(None, None, Some(3))).expect("latest");
    assert_eq!((seqs(&latest), latest.has_more), (vec![5, 6, 7], true));
    let older = messages::page(c, chat, ben.id, &query(Some(5), None, Some(3))).expect("older");
    assert_eq!((seqs(&older), older.has_more), (vec![2, 3, 4], true));
    let oldest = messages::page(c, chat, ben.id, &query(Some(2), None, Some(3))).expect("oldest");
    assert_eq!((seqs(&oldest), oldest.has_more), (vec![1], false));
    let newer = messages::page(c, chat, ben.id, &query(None, Some(4), Some(2))).expect("newer");
    assert_eq!((seqs(&newer), newer.has_more), (vec![5, 6], true));
    let rest = messages::page(c, chat, ben.id, &query(None, Some(6), None)).expect("rest");
    assert_eq!((seqs(&rest), rest.has_more), (vec![7], false));
    for bad in [
        query(None, None, Some(0)),
        query(None, None, Some(101)),
        query(Some(-1), None, None),
    ] {
        assert!(matches!(
            messages::page(c, chat, ben.id, &bad),
            Err(AppError::Validation(_))
        ));
    }
    assert!(matches!(
        messages::page(c, chat, eve.id, &HistoryQuery::default()),
        Err(AppError::NotFound(_))
    ));
}

fn versions_count_every_change_without_gaps(c: &mut AnyConnection) {
    let (ann, ben) = (user(c, "ann"), user(c, "ben"));
    let chat = group(c, &ann, &[&ben]);
    let first = post(chat, &ann, "one");
    let batch = [
        first.clone(),
        post(chat, &ann, "two"),
        post(chat, &ben, "three"),
    ];
    let outcomes = messages::post_batch(c, &batch).expect("posts");
    let stored: Vec<_> = outcomes
        .iter()
        .map(|o| match o {
            BatchOutcome::Stored(d) => (d.message.id, d.message.seq, d.message.version),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        stored.iter().map(|s| (s.1, s.2)).collect::<Vec<_>>(),
        [(1, 1), (2, 2), (3, 3)]
    );
    let edited = messages::edit(c, ann.id, stored[1].0, "two, edited").expect("edit");
    assert_eq!(edited.message.version, 4);
    let deleted = messages::delete(c, ann.id, stored[0].0).expect("delete");
    assert_eq!((deleted.message.seq, deleted.message.version), (1, 5));
    assert!(matches!(
        messages::edit(c, ann.id, stored[0].0, "back from the dead"),
        Err(AppError::NotFound(_))
    ));
    let retry = messages::post_batch(c, &[first]).expect("retry");
    assert!(matches!(retry[0], BatchOutcome::Duplicate));
    messages::post_batch(c, &[post(chat, &ben, "four")]).expect("post");
    let listed = chats::get(c, chat, ann.id).expect("chat");
    assert_eq!(
        (listed.last_seq, listed.last_version),
        (4, 6),
        "a refused edit and a retry take no version"
    );

    let resume = HistoryQuery {
        after_version: Some(3),
        ..HistoryQuery::default()
    };
    let page = messages::page(c, chat, ben.id, &resume).expect("resume");
    let seen: Vec<(i64, i64, bool, &str)> = page
        .messages
        .iter()
        .map(|m| (m.seq, m.version, m.deleted, m.content.as_str()))
        .collect();
    assert_eq!(
        seen,
        [
            (2, 4, false, "two, edited"),
            (1, 5, true, ""),
            (4, 6, false, "four")
        ],
        "every change since version 3, in version order"
    );
    assert!(!page.has_more);
    let mixed = HistoryQuery {
        after_version: Some(1),
        after_seq: Some(1),
        ..HistoryQuery::default()
    };
    assert!(matches!(
        messages::page(c, chat, ben.id, &mixed),
        Err(AppError::Validation(_))
    ));
}

fn stored(outcome: &BatchOutcome) -> &chat_protocol::Message {
    match outcome {
        BatchOutcome::Stored(delivery) => &delivery.message,
        other => panic!("expected a stored message, got {other:?}"),
    }
}

/// What the PostgreSQL batch statement judges per message, all in one batch: two chats
/// interleaved, a key repeated inside the batch and one retried from an earlier batch, an
/// outsider, a reply to another chat's message, mentions of a member and of a non-member.
fn one_batch_mixes_chats_retries_outsiders_and_replies(c: &mut AnyConnection) {
    let (ann, ben, eve) = (user(c, "ann"), user(c, "ben"), user(c, "eve"));
    let team = group(c, &ann, &[&ben]);
    let side = group(c, &ann, &[&eve]);
    let first = post(team, &ann, "the original");
    let original =
        stored(&messages::post_batch(c, std::slice::from_ref(&first)).expect("post")[0]).clone();

    let hello = post(side, &ann, "hello @Eve and @ben");
    let mut reply = post(team, &ben, "a reply");
    reply.reply_to = Some(original.id);
    let mut cross = post(side, &eve, "quoting another chat");
    cross.reply_to = Some(original.id);
    let batch = [
        hello.clone(),
        reply,
        post(team, &eve, "not a member"),
        cross,
        hello.clone(),
        post(team, &ann, "hi @BEN"),
        first.clone(),
        post(side, &eve, "second"),
    ];
    let out = messages::post_batch(c, &batch).expect("batch");

    let hello_stored = stored(&out[0]);
    assert_eq!((hello_stored.chat_id, hello_stored.seq), (side, 1));
    assert_eq!(
        hello_stored.mentions,
        vec![eve.id],
        "ben is not in this chat"
    );
    let reply_stored = stored(&out[1]);
    assert_eq!(reply_stored.seq, 2);
    let quoted = reply_stored.reply_to.as_ref().expect("a quote");
    assert_eq!((quoted.id, quoted.seq), (original.id, 1));
    assert_eq!(
        (quoted.sender.id, quoted.excerpt.as_str()),
        (ann.id, "the original")
    );
    assert!(matches!(out[2], BatchOutcome::NotFound));
    assert!(matches!(out[3], BatchOutcome::BadReply));
    assert!(
        matches!(out[4], BatchOutcome::Duplicate),
        "repeated in the batch"
    );
    let mention = stored(&out[5]);
    assert_eq!((mention.seq, mention.mentions.clone()), (3, vec![ben.id]));
    assert!(
        matches!(out[6], BatchOutcome::Duplicate),
        "retried from before"
    );
    assert_eq!(stored(&out[7]).seq, 2, "no gap after the refusals");
    for outcome in &out {
        if let BatchOutcome::Stored(delivery) = outcome {
            assert_eq!(
                delivery.message.version, delivery.message.seq,
                "one version each"
            );
            let mut audience = delivery.members.clone();
            audience.sort();
            let other = if delivery.message.chat_id == team {
                ben.id
            } else {
                eve.id
            };
            let mut want = vec![ann.id, other];
            want.sort();
            assert_eq!(audience, want);
        }
    }

    // The chat rows moved on by exactly what was stored.
    let next =
        messages::post_batch(c, &[post(team, &ann, "n"), post(side, &ann, "n")]).expect("next");
    assert_eq!((stored(&next[0]).seq, stored(&next[1]).seq), (4, 3));
    assert_eq!((stored(&next[0]).version, stored(&next[1]).version), (4, 3));
    let again = messages::stored_retry(c, ann.id, hello.client_id).expect("stored once");
    assert_eq!(
        (again.chat_id, again.seq, again.mentions),
        (side, 1, vec![eve.id])
    );
    // What history renders from the database matches the echo.
    let page = messages::page(c, team, ben.id, &HistoryQuery::default()).expect("page");
    let seqs: Vec<i64> = page.messages.iter().map(|m| m.seq).collect();
    assert_eq!(seqs, vec![1, 2, 3, 4]);
    assert_eq!(
        page.messages[1].reply_to.as_ref().map(|q| q.id),
        Some(original.id)
    );
    assert_eq!(page.messages[2].mentions, vec![ben.id]);
}

/// On PostgreSQL a batch is one statement, one round trip, however many chats it spans.
#[test]
fn postgres_batch_is_one_statement() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use diesel::Connection;
    use diesel::connection::InstrumentationEvent;

    let db = super::Scratch::postgres();
    let mut conn = db.conn();
    let c: &mut AnyConnection = &mut conn;
    let (ann, ben) = (user(c, "ann"), user(c, "ben"));
    let (one, two) = (group(c, &ann, &[&ben]), group(c, &ben, &[&ann]));
    let batch: Vec<NewPost> = (0..20)
        .map(|i| post(if i % 2 == 0 { one } else { two }, &ann, "@ben hi"))
        .collect();
    let statements = Arc::new(AtomicUsize::new(0));
    let counter = statements.clone();
    c.set_instrumentation(move |event: InstrumentationEvent<'_>| {
        if matches!(
            event,
            InstrumentationEvent::StartQuery { .. }
                | InstrumentationEvent::BeginTransaction { .. }
                | InstrumentationEvent::CommitTransaction { .. }
        ) {
            counter.fetch_add(1, Ordering::Relaxed);
        }
    });
    let out = messages::post_batch(c, &batch).expect("batch");
    c.set_instrumentation(diesel::connection::get_default_instrumentation());
    assert!(out.iter().all(|o| matches!(o, BatchOutcome::Stored(_))));
    assert_eq!(statements.load(Ordering::Relaxed), 1);
}
