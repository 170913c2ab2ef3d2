//! Store-level tests: the query functions called directly, each scenario on a fresh SQLite file
//! and on a fresh PostgreSQL database (`TEST_DATABASE_URL`, an account that may create
//! databases; by default the `chat_test` role `scripts/services.sh` creates, on
//! `TEST_PG_PORT` or 5432). A SQL bug shows up here
//! as the query that went wrong, not as an HTTP status three layers up.

use chat_protocol::{ChatId, User};
use diesel::{Connection, RunQueryDsl};
use uuid::Uuid;

use super::messages::{BatchOutcome, NewPost};
use super::{chats, users};
use crate::db::{self, AnyConnection, DatabaseTarget, Pool};

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
        let admin_url = std::env::var("TEST_DATABASE_URL").unwrap_or_else(|_| {
            let port = std::env::var("TEST_PG_PORT").unwrap_or_else(|_| "5432".into());
            format!("postgres://chat_test:chat_test@127.0.0.1:{port}/postgres")
        });
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

/// Runs each scenario `fn(&mut AnyConnection)` of the calling module on both backends.
macro_rules! on_both_backends {
    ($($scenario:ident),* $(,)?) => {$(
        mod $scenario {
            #[test]
            fn sqlite() {
                let db = super::super::Scratch::sqlite();
                super::$scenario(&mut db.conn());
            }
            #[test]
            fn postgres() {
                let db = super::super::Scratch::postgres();
                super::$scenario(&mut db.conn());
            }
        }
    )*};
}

mod accounts;
mod chat_list;
mod membership;
mod posting;
mod searching;

fn user(c: &mut AnyConnection, name: &str) -> User {
    users::create(c, name, "not-a-real-hash").expect("create user")
}

fn group(c: &mut AnyConnection, owner: &User, others: &[&User]) -> ChatId {
    let names: Vec<String> = others.iter().map(|u| u.username.clone()).collect();
    chats::create_group(c, owner.id, &names, "team", false)
        .expect("group")
        .id
}

fn post(chat: ChatId, sender: &User, content: &str) -> NewPost {
    NewPost {
        chat,
        sender: sender.clone(),
        content: content.to_owned(),
        client_id: Uuid::new_v4(),
        reply_to: None,
        attachments: Vec::new(),
    }
}

fn stored_seq(outcome: &BatchOutcome) -> i64 {
    match outcome {
        BatchOutcome::Stored(delivery) => delivery.message.seq,
        other => panic!("expected a stored message, got {other:?}"),
    }
}
