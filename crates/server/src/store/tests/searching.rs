//! Search sees the committed text whether or not SQLite's index has taken a message in yet:
//! before indexing, after it, after an edit of an indexed message, after a delete.

use chat_protocol::{SearchQuery, SearchResults};

use super::{group, post, user};
use crate::db::AnyConnection;
use crate::store::messages::BatchOutcome;
use crate::store::{messages, search};

on_both_backends!(search_sees_committed_text_before_and_after_indexing);

fn find(c: &mut AnyConnection, who: chat_protocol::UserId, q: &str) -> Vec<String> {
    let query = SearchQuery {
        q: q.into(),
        ..SearchQuery::default()
    };
    let SearchResults { results, .. } = search::search(c, who, &query).expect("search");
    results.into_iter().map(|m| m.content).collect()
}

fn search_sees_committed_text_before_and_after_indexing(c: &mut AnyConnection) {
    let (ann, ben) = (user(c, "ann"), user(c, "ben"));
    let chat = group(c, &ann, &[&ben]);
    let stored = messages::post_batch(
        c,
        &[
            post(chat, &ann, "Grüße aus Köln"),
            post(chat, &ben, "ГРҮППА встреча"),
        ],
    )
    .expect("batch");
    let ids: Vec<_> = stored
        .iter()
        .map(|o| match o {
            BatchOutcome::Stored(d) => d.message.id,
            other => panic!("{other:?}"),
        })
        .collect();
    // Not indexed yet (SQLite): found all the same, newest first, any case.
    assert_eq!(
        find(c, ann.id, "GRÜSSE"),
        Vec::<String>::new(),
        "ß is not ss"
    );
    assert_eq!(find(c, ann.id, "грүппа"), ["ГРҮППА встреча"]);
    assert_eq!(find(c, ben.id, "ÖLN"), ["Grüße aus Köln"]);
    let indexed = search::index_pending(c).expect("index");
    assert!(
        indexed == 2 || indexed == 0,
        "SQLite indexes both, PostgreSQL as it writes"
    );
    assert_eq!(search::index_pending(c).expect("index again"), 0);
    assert_eq!(find(c, ann.id, "грүппа"), ["ГРҮППА встреча"]);
    assert_eq!(find(c, ann.id, "üße a"), ["Grüße aus Köln"]);
    // Edited after indexing: only the new text; deleted: nothing.
    messages::edit(c, ann.id, ids[0], "Tschüss").expect("edit");
    assert!(find(c, ann.id, "köln").is_empty());
    assert_eq!(find(c, ann.id, "tschü"), ["Tschüss"]);
    messages::delete(c, ben.id, ids[1]).expect("delete");
    assert!(find(c, ann.id, "встреча").is_empty());
    // A message edited before it was indexed is indexed with its new text.
    let late = messages::post_batch(c, &[post(chat, &ann, "first draft")]).expect("batch");
    let BatchOutcome::Stored(late) = &late[0] else {
        panic!("stored");
    };
    messages::edit(c, ann.id, late.message.id, "final text").expect("edit");
    search::index_pending(c).expect("index");
    assert!(find(c, ann.id, "draft").is_empty());
    assert_eq!(find(c, ann.id, "final"), ["final text"]);
}
