//! Accounts, refresh tokens, contacts and who sees whose presence.

use chat_protocol::{SessionId, User, UserId};
use uuid::Uuid;

use super::{group, user};
use crate::db::AnyConnection;
use crate::error::AppError;
use crate::store::{contacts, now, tokens, users};

on_both_backends!(
    refresh_rotation_grace_and_reuse,
    contacts_and_presence_audience,
    usernames_are_unique_case_insensitively,
);

fn refresh_rotation_grace_and_reuse(c: &mut AnyConnection) {
    let ann = user(c, "ann");
    let later = now() + chrono::Duration::days(1);
    let session = SessionId::from(Uuid::new_v4());
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
    tokens::insert(c, ann.id, SessionId::from(Uuid::new_v4()), "old", now())
        .expect("insert expired");
    assert!(matches!(
        tokens::rotate(c, "old", "new", later, 10),
        Err(AppError::Unauthorized(_))
    ));
    tokens::insert(c, ann.id, SessionId::from(Uuid::new_v4()), "out", later).expect("insert");
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
