//! Instances starting together on an empty PostgreSQL database both migrate it and start: the
//! migrations run under an advisory lock, so the second waits and then finds nothing pending.

mod common;

use std::sync::Arc;

use common::{Backend, TestDatabase, TestServer};
use reqwest::StatusCode;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instances_starting_together_on_an_empty_database_both_start() {
    for _ in 0..3 {
        let db = Arc::new(TestDatabase::create(Backend::Postgres));
        let (one, two, three) = tokio::join!(
            TestServer::start_on(db.clone(), &[]),
            TestServer::start_on(db.clone(), &[]),
            TestServer::start_on(db, &[]),
        );
        for server in [&one, &two, &three] {
            let (status, _) = server.client().get("/readyz").await;
            assert_eq!(status, StatusCode::OK, "{}", server.base);
        }
        let (_, auth) = one.user("alice").await;
        let (status, _) = two
            .client()
            .with_token(Some(&auth.access_token))
            .get("/api/me")
            .await;
        assert_eq!(status, StatusCode::OK, "one schema, shared");
    }
}
