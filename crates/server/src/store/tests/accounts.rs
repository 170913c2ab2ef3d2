//! Accounts, sessions and their refresh tokens, contacts and who sees whose presence.

use chat_protocol::{SessionId, User, UserId};
use chrono::NaiveDateTime;
use uuid::Uuid;

use super::{group, user};
use crate::db::AnyConnection;
use crate::error::AppError;
use crate::store::{contacts, now, sessions, users};

on_both_backends!(
    refresh_rotation_grace_and_reuse,
    sessions_list_and_end,
    contacts_and_presence_audience,
    usernames_are_unique_case_insensitively,
);

fn start(
    c: &mut AnyConnection,
    owner: UserId,
    token_hash: &str,
    expires: NaiveDateTime,
) -> SessionId {
    let session = SessionId::from(Uuid::new_v4());
    sessions::start(
        c,
        owner,
        session,
        Some("test\u{0}agent"),
        token_hash,
        expires,
    )
    .expect("start");
    session
}

fn refused<T: std::fmt::Debug>(result: Result<T, AppError>) -> bool {
    matches!(result, Err(AppError::Unauthorized(_)))
}

fn refresh_rotation_grace_and_reuse(c: &mut AnyConnection) {
    let ann = user(c, "ann");
    let later = now() + chrono::Duration::days(1);
    let session = start(c, ann.id, "hash-1", later);
    let (owner, rotated_in) = sessions::rotate(c, "hash-1", "hash-2", later, 10).expect("rotate");
    assert_eq!((owner.id, rotated_in), (ann.id, session));
    assert!(
        refused(sessions::rotate(c, "hash-1", "hash-x", later, 10)),
        "within the grace period: refused"
    );
    sessions::rotate(c, "hash-2", "hash-3", later, 10).expect("the successor still works");
    assert!(
        refused(sessions::rotate(c, "hash-1", "hash-y", later, 0)),
        "reuse after the grace period"
    );
    assert!(
        refused(sessions::rotate(c, "hash-3", "hash-4", later, 10)),
        "reuse revoked the whole session"
    );
    assert!(!sessions::is_live(c, session).expect("check"));
    assert_eq!(
        sessions::revoked_since(c, now() - chrono::Duration::minutes(1)).expect("poll"),
        [session],
        "other instances learn of it"
    );
    start(c, ann.id, "old", now());
    assert!(
        refused(sessions::rotate(c, "old", "new", later, 10)),
        "expired"
    );
}

fn sessions_list_and_end(c: &mut AnyConnection) {
    let (ann, ben) = (user(c, "ann"), user(c, "ben"));
    let later = now() + chrono::Duration::days(1);
    let phone = start(c, ann.id, "phone-1", later);
    let laptop = start(c, ann.id, "laptop-1", later);
    let bens = start(c, ben.id, "ben-1", later);
    let long_ago = now() - chrono::Duration::days(1);
    let live = sessions::list_live(c, ann.id, long_ago).expect("list");
    let mut ids: Vec<SessionId> = live.iter().map(|s| s.id).collect();
    ids.sort();
    let mut want = vec![phone, laptop];
    want.sort();
    assert_eq!(ids, want, "only the caller's own sessions");
    assert_eq!(
        live[0].user_agent.as_deref(),
        Some("testagent"),
        "control characters dropped"
    );
    assert_eq!(
        sessions::of_token(c, ann.id, "phone-1").expect("lookup"),
        Some(phone)
    );
    assert_eq!(
        sessions::of_token(c, ben.id, "phone-1").expect("lookup"),
        None
    );

    assert!(
        !sessions::revoke(c, ben.id, phone).expect("not bens"),
        "someone else's session"
    );
    assert!(sessions::revoke(c, ann.id, phone).expect("end"));
    assert!(
        !sessions::revoke(c, ann.id, phone).expect("again"),
        "already ended"
    );
    assert!(refused(sessions::rotate(
        c, "phone-1", "phone-2", later, 10
    )));
    let live: Vec<SessionId> = sessions::list_live(c, ann.id, long_ago)
        .expect("list")
        .iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(live, [laptop]);
    sessions::rotate(c, "laptop-1", "laptop-2", later, 10).expect("others go on");

    // Purging: ended sessions and everything idle go; live ones keep their rotated tokens,
    // so presenting an old one still reveals a theft.
    let (tokens, ended) =
        sessions::purge(c, now() + chrono::Duration::seconds(1), long_ago).expect("purge");
    assert_eq!((tokens, ended), (1, 1), "the phone's token and session");
    assert!(refused(sessions::rotate(
        c, "laptop-1", "laptop-x", later, 0
    )));
    assert!(
        !sessions::is_live(c, laptop).expect("check"),
        "the reuse was still detected"
    );
    assert!(sessions::is_live(c, bens).expect("check"));
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
    assert_eq!(
        contacts::presence_audience(c, ann.id).expect("audience"),
        [ben.id],
        "only the people ann added see her presence: not cat (who added her), not dan (a co-member)"
    );
    let mut consented = contacts::who_added(c, ann.id, &[ben.id, cat.id, dan.id]).expect("who");
    consented.sort();
    assert_eq!(
        consented,
        [cat.id],
        "of these, only cat shows ann his presence"
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
