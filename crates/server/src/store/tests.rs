//! Store-level tests: the query functions called directly, each scenario on a fresh SQLite file
//! and on a fresh PostgreSQL database (`TEST_DATABASE_URL`, an account that may create
//! databases; default `postgres://postgres@127.0.0.1:5432/postgres`). A SQL bug shows up here
//! as the query that went wrong, not as an HTTP status three layers up.

use chat_protocol::{ChatId, ChatKind, HistoryQuery, User, UserId};
use diesel::{Connection, RunQueryDsl};
use uuid::Uuid;

use super::messages::{BatchOutcome, NewPost};
use super::{chats, contacts, members, messages, tokens, users};
use crate::db::{self, AnyConnection, DatabaseTarget, Pool};
use crate::error::AppError;

const DEFAULT_PG_ADMIN: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// A database that lives for one test.
struct Scratch {
    pool: Pool,
    dir: std::path::PathBuf,
    pg: Option<(String, String)>,
}

impl Scratch {
    fn sqlite() -> Self {
        let dir = std::env::temp_dir().join(format!("chat-store-{}", Uuid::new_v4().simple()));
        let pool = db::connect(&DatabaseTarget::Sqlite(dir.join("chat.db")), 2).expect("sqlite");
        Self {
            pool,
            dir,
            pg: None,
        }
    }

    fn postgres() -> Self {
        let admin_url =
            std::env::var("TEST_DATABASE_URL").unwrap_or_else(|_| DEFAULT_PG_ADMIN.to_owned());
        let name = format!("chat_store_{}", Uuid::new_v4().simple());
        let mut admin = diesel::PgConnection::establish(&admin_url)
            .unwrap_or_else(|e| panic!("PostgreSQL must be reachable at TEST_DATABASE_URL: {e}"));
        diesel::sql_query(format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .expect("create scratch database");
        let (base, _) = admin_url.rsplit_once('/').expect("a URL with a database");
        let url = format!("{base}/{name}");
        let pool = db::connect(&DatabaseTarget::parse(&url), 2).expect("postgres");
        Self {
            pool,
            dir: std::env::temp_dir(),
            pg: Some((admin_url, name)),
        }
    }

    fn conn(&self) -> db::PooledConnection {
        self.pool.get().expect("a connection")
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        match self.pg.take() {
            Some((admin_url, name)) => {
                if let Ok(mut admin) = diesel::PgConnection::establish(&admin_url) {
                    let _ =
                        diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                            .execute(&mut admin);
                }
            }
            None => {
                let _ = std::fs::remove_dir_all(&self.dir);
            }
        }
    }
}

/// Runs each scenario `fn(&mut AnyConnection)` on both backends.
macro_rules! on_both_backends {
    ($($scenario:ident),* $(,)?) => {$(
        mod $scenario {
            #[test]
            fn sqlite() {
                let db = super::Scratch::sqlite();
                super::$scenario(&mut db.conn());
            }
            #[test]
            fn postgres() {
                let db = super::Scratch::postgres();
                super::$scenario(&mut db.conn());
            }
        }
    )*};
}

on_both_backends!(
    batches_get_gapless_seqs_and_refuse_outsiders_and_retries,
    edits_and_deletes_only_by_the_author,
    history_pages_both_ways,
    read_positions_only_move_forward_within_the_chat,
    direct_chats_are_one_per_pair,
    groups_add_and_leave,
    refresh_rotation_grace_and_reuse,
    contacts_and_presence_audience,
    usernames_are_unique_case_insensitively,
);

fn user(c: &mut AnyConnection, name: &str) -> User {
    users::create(c, name, "not-a-real-hash").expect("create user")
}

fn group(c: &mut AnyConnection, owner: &User, others: &[&User]) -> ChatId {
    let names: Vec<String> = others.iter().map(|u| u.username.clone()).collect();
    chats::create_group(c, owner.id, &names, "team")
        .expect("group")
        .id
}

fn post(chat: ChatId, sender: &User, content: &str) -> NewPost {
    NewPost {
        chat,
        sender: sender.clone(),
        content: content.to_owned(),
        client_id: Uuid::new_v4(),
    }
}

fn stored_seq(outcome: &BatchOutcome) -> i64 {
    match outcome {
        BatchOutcome::Stored(delivery) => delivery.message.seq,
        other => panic!("expected a stored message, got {other:?}"),
    }
}

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
        limit,
    };
    let seqs = |page: &chat_protocol::MessagePage| -> Vec<i64> {
        page.messages.iter().map(|m| m.seq).collect()
    };
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
        chats::add_member(c, chat.id, ann.id, "ben"),
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
    let grown = chats::add_member(c, chat, ben.id, "cat").expect("add");
    let names: Vec<&str> = grown.members.iter().map(|m| m.username.as_str()).collect();
    assert_eq!(names, ["ann", "ben", "cat"], "joining order");
    assert!(matches!(
        chats::add_member(c, chat, ann.id, "cat"),
        Err(AppError::Conflict(_))
    ));
    assert!(matches!(
        chats::add_member(c, chat, eve.id, "eve"),
        Err(AppError::NotFound(_))
    ));
    assert!(matches!(
        chats::remove_member(c, chat, ann.id, cat.id),
        Err(AppError::Forbidden(_))
    ));
    chats::remove_member(c, chat, cat.id, cat.id).expect("leave");
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

fn refresh_rotation_grace_and_reuse(c: &mut AnyConnection) {
    let ann = user(c, "ann");
    let later = super::now() + chrono::Duration::days(1);
    let session = chat_protocol::SessionId::from(Uuid::new_v4());
    tokens::insert(c, ann.id, session, "hash-1", later).expect("insert");
    let owner = tokens::rotate(c, "hash-1", "hash-2", later, 10).expect("rotate");
    assert_eq!(owner.id, ann.id);
    assert!(
        matches!(
            tokens::rotate(c, "hash-1", "hash-x", later, 10),
            Err(AppError::Unauthorized(_))
        ),
        "within the grace period: refused"
    );
    tokens::rotate(c, "hash-2", "hash-3", later, 10).expect("the successor still works");
    assert!(
        matches!(
            tokens::rotate(c, "hash-1", "hash-y", later, 0),
            Err(AppError::Unauthorized(_))
        ),
        "reuse after the grace period"
    );
    assert!(
        matches!(
            tokens::rotate(c, "hash-3", "hash-4", later, 10),
            Err(AppError::Unauthorized(_))
        ),
        "reuse revoked the whole session"
    );
    tokens::insert(
        c,
        ann.id,
        chat_protocol::SessionId::from(Uuid::new_v4()),
        "old",
        super::now(),
    )
    .expect("insert expired");
    assert!(matches!(
        tokens::rotate(c, "old", "new", later, 10),
        Err(AppError::Unauthorized(_))
    ));
    tokens::insert(
        c,
        ann.id,
        chat_protocol::SessionId::from(Uuid::new_v4()),
        "out",
        later,
    )
    .expect("insert");
    tokens::revoke(c, UserId::from(Uuid::new_v4()), "out").expect("someone else's: no effect");
    tokens::rotate(c, "out", "out-2", later, 10).expect("still valid");
    tokens::revoke(c, ann.id, "out-2").expect("logout");
    assert!(tokens::rotate(c, "out-2", "out-3", later, 10).is_err());
}

fn contacts_and_presence_audience(c: &mut AnyConnection) {
    let (ann, ben, cat, dan) = (
        user(c, "ann"),
        user(c, "ben"),
        user(c, "cat"),
        user(c, "dan"),
    );
    assert_eq!(contacts::add(c, ann.id, "Ben").expect("add"), ben);
    assert!(matches!(
        contacts::add(c, ann.id, "ben"),
        Err(AppError::Conflict(_))
    ));
    assert!(matches!(
        contacts::add(c, ann.id, "ann"),
        Err(AppError::Validation(_))
    ));
    contacts::add(c, cat.id, "ann").expect("cat adds ann");
    group(c, &dan, &[&ann]);
    let mut want = vec![ben.id, cat.id, dan.id];
    want.sort();
    assert_eq!(
        contacts::presence_audience(c, ann.id).expect("audience"),
        want
    );
    assert_eq!(
        contacts::list(c, ann.id).expect("list"),
        std::slice::from_ref(&ben)
    );
    contacts::remove(c, ann.id, ben.id).expect("remove");
    assert!(matches!(
        contacts::remove(c, ann.id, ben.id),
        Err(AppError::NotFound(_))
    ));
}

fn usernames_are_unique_case_insensitively(c: &mut AnyConnection) {
    let ann = user(c, "Ann");
    assert!(matches!(
        users::create(c, "aNN", "hash"),
        Err(AppError::Conflict(_))
    ));
    let found = users::find_by_name(c, "ANN")
        .expect("find")
        .expect("exists");
    assert_eq!(found.to_user(), ann);
    assert_eq!(
        users::find_by_id(c, ann.id).expect("by id").map(|r| r.id),
        Some(ann.id)
    );
    user(c, "annie");
    user(c, "an_x");
    let names = |found: Vec<User>| found.into_iter().map(|u| u.username).collect::<Vec<_>>();
    assert_eq!(
        names(users::search(c, "an", ann.id, 10).expect("search")),
        ["an_x", "annie"]
    );
    assert_eq!(
        names(users::search(c, "a_", ann.id, 10).expect("search")),
        Vec::<String>::new(),
        "`_` is literal"
    );
    assert_eq!(
        names(users::search(c, "an%", ann.id, 10).expect("search")),
        Vec::<String>::new()
    );
}
