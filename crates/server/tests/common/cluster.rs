//! Two instances on one fresh PostgreSQL database, fanned out through a private Redis: the
//! shape every cross-instance test starts from.

use std::sync::Arc;
use std::time::Duration;

use reqwest::StatusCode;

use super::redis::TestRedis;
use super::{Backend, TestDatabase, TestServer};

pub struct Cluster {
    pub redis: TestRedis,
    pub one: TestServer,
    pub two: TestServer,
}

/// Starts both instances (with `extra` settings) and waits until both are ready.
pub async fn cluster(extra: &[(&str, &str)]) -> Cluster {
    let redis = TestRedis::start().await;
    let db = Arc::new(TestDatabase::create(Backend::Postgres));
    let url = redis.url();
    let mut env = vec![("REDIS_URL", url.as_str()), ("PRESENCE_TTL_SECS", "3")];
    env.extend_from_slice(extra);
    let one = TestServer::start_on(db.clone(), &env).await;
    let two = TestServer::start_on(db, &env).await;
    for server in [&one, &two] {
        wait_ready(server, true).await;
    }
    Cluster { redis, one, two }
}

/// Polls `/readyz` until it says `want` (10 s at most).
pub async fn wait_ready(server: &TestServer, want: bool) {
    let api = server.client();
    for _ in 0..200 {
        let (status, _) = api.get("/readyz").await;
        if (status == StatusCode::OK) == want {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{} never became ready={want}", server.base);
}
