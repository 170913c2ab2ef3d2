//! Test harness: starts the real `chat-server` binary on a loopback port against a fresh SQLite
//! file or a fresh PostgreSQL database, and talks to it over real HTTP and WebSockets. Events
//! and sockets have modules of their own; the server process and the REST client stay here
//! together (a little over 400 lines) because every test starts with both.
// Each test crate uses a part of this harness; `pub` is its interface to them.
#![allow(dead_code, unreachable_pub)]

pub mod cluster;
pub mod events;
pub mod redis;
pub mod s3;
pub mod schema;
pub mod ws;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use chat_protocol::{AuthResponse, Chat, User};
use diesel::{Connection, RunQueryDsl};
use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use uuid::Uuid;

pub const JWT_SECRET: &str = "test-secret-that-is-long-enough-0123456789";
/// The test password of every user the tests register.
pub const TEST_PASSWORD: &str = "password123";

/// Where PostgreSQL tests create (and drop) one database each: `TEST_DATABASE_URL`, any URL
/// whose user may `CREATE DATABASE`; by default the role `scripts/services.sh` makes, on
/// 127.0.0.1 and port `TEST_PG_PORT` (5432 unless set). Each test's database URL is this one
/// with the database name replaced, so user, password, host, port and options carry over.
pub fn pg_admin_url() -> String {
    std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|url| !url.is_empty())
        .unwrap_or_else(|| {
            let port = std::env::var("TEST_PG_PORT").unwrap_or_else(|_| "5432".into());
            format!("postgres://chat_test:chat_test@127.0.0.1:{port}/postgres")
        })
}

/// `url` with its database name replaced by `name` (any `?options` kept).
pub fn with_database(url: &str, name: &str) -> String {
    let authority_start = url.find("://").map_or(0, |i| i + 3);
    let (base, rest) = match url[authority_start..].find(['/', '?']) {
        Some(i) => url.split_at(authority_start + i),
        None => (url, ""),
    };
    let query = rest.find('?').map_or("", |i| &rest[i..]);
    format!("{base}/{name}{query}")
}

/// The admin URL without its password, for messages.
fn redacted(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(s), Some(at)) if url[s + 3..at].contains(':') => {
            let colon = s + 3 + url[s + 3..at].find(':').unwrap_or(0);
            format!("{}:***{}", &url[..colon], &url[at..])
        }
        _ => url.to_owned(),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Generates `sqlite` and `postgres` tests from one async scenario `fn(Backend)`.
#[macro_export]
macro_rules! on_both_backends {
    ($($scenario:ident),* $(,)?) => {$(
        mod $scenario {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$scenario(super::common::Backend::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$scenario(super::common::Backend::Postgres).await
            }
        }
    )*};
}

/// A database that exists for one test and is dropped afterwards.
pub struct TestDatabase {
    pub url: String,
    pg_name: Option<String>,
    dir: PathBuf,
}

impl TestDatabase {
    /// The PostgreSQL database's name (`None` on SQLite).
    pub fn pg_name(&self) -> Option<&str> {
        self.pg_name.as_deref()
    }

    pub fn create(backend: Backend) -> Self {
        let dir = std::env::temp_dir().join(format!("chat-test-{}", Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        match backend {
            Backend::Sqlite => Self {
                url: format!("sqlite://{}", dir.join("chat.db").display()),
                pg_name: None,
                dir,
            },
            Backend::Postgres => {
                let name = format!("chat_test_{}", Uuid::new_v4().simple());
                let admin_url = pg_admin_url();
                let mut admin = diesel::PgConnection::establish(&admin_url).unwrap_or_else(|e| {
                    panic!(
                        "PostgreSQL tests need {} (run scripts/services.sh, or set \
                         TEST_DATABASE_URL): {e}",
                        redacted(&admin_url)
                    )
                });
                diesel::sql_query(format!("CREATE DATABASE {name}"))
                    .execute(&mut admin)
                    .expect("create test database");
                Self {
                    url: with_database(&admin_url, &name),
                    pg_name: Some(name),
                    dir,
                }
            }
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Some(name) = &self.pg_name
            && let Ok(mut admin) = diesel::PgConnection::establish(&pg_admin_url())
        {
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut admin);
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A running `chat-server` process, killed on drop.
pub struct TestServer {
    pub base: String,
    pub addr: String,
    child: Child,
    pub db: Arc<TestDatabase>,
    pub env: Vec<(String, String)>,
}

pub fn server_binary() -> &'static str {
    env!("CARGO_BIN_EXE_chat-server")
}

impl TestServer {
    pub async fn start(backend: Backend) -> Self {
        Self::start_with(backend, &[]).await
    }

    /// Starts with extra environment, e.g. `[("MESSAGE_RATE_LIMIT", "1")]`.
    pub async fn start_with(backend: Backend, env: &[(&str, &str)]) -> Self {
        Self::start_on(Arc::new(TestDatabase::create(backend)), env).await
    }

    /// Starts another instance on an existing database (several instances, one database).
    pub async fn start_on(db: Arc<TestDatabase>, env: &[(&str, &str)]) -> Self {
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Self::spawn(db, env, "127.0.0.1:0").await
    }

    fn command(db: &TestDatabase, env: &[(String, String)], bind: &str) -> Command {
        let mut command = Command::new(server_binary());
        command
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("BIND_ADDR", bind)
            .env("DATABASE_URL", &db.url)
            .env("DATA_DIR", db.dir.join("data"))
            .env(
                "STATIC_DIR",
                std::env::var("TEST_STATIC_DIR")
                    .map(PathBuf::from)
                    .unwrap_or(db.dir.join("no-web-app")),
            )
            .env("JWT_SECRET", JWT_SECRET)
            .env("MESSAGE_RATE_LIMIT", "0")
            .env("AUTH_RATE_LIMIT", "0")
            .env("WORKERS", "2")
            .env(
                "RUST_LOG",
                std::env::var("TEST_SERVER_LOG").unwrap_or("warn".into()),
            )
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        command
    }

    /// Starts the binary and waits for its "listening on" line; `None` if it exited instead.
    fn launch(db: &TestDatabase, env: &[(String, String)], bind: &str) -> Option<(Child, String)> {
        let mut child = Self::command(db, env, bind)
            .spawn()
            .expect("start chat-server");
        let Some(stdout) = child.stdout.take() else {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        };
        let mut lines = BufReader::new(stdout).lines();
        let addr = lines.next().and_then(Result::ok).and_then(|line| {
            line.strip_prefix("chat-server listening on http://")
                .map(str::to_owned)
        });
        match addr {
            Some(addr) => {
                // Keep draining so the server never blocks on a full pipe.
                std::thread::spawn(move || for _ in lines {});
                Some((child, addr))
            }
            None => {
                let _ = child.kill();
                let _ = child.wait();
                None
            }
        }
    }

    async fn spawn(db: Arc<TestDatabase>, env: Vec<(String, String)>, bind: &str) -> Self {
        let bind = bind.to_owned();
        let (db, env, launched) = tokio::task::spawn_blocking(move || {
            let launched = Self::launch(&db, &env, &bind);
            (db, env, launched)
        })
        .await
        .expect("launch");
        let (child, addr) = launched.expect("server started and printed its address");
        Self {
            base: format!("http://{addr}"),
            addr,
            child,
            db,
            env,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends SIGTERM and waits for the exit status.
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        self.child.wait().expect("wait for server")
    }

    /// Kills the process (SIGKILL) and starts it again on the same port and database.
    pub async fn restart(mut self) -> Self {
        self.kill();
        self.relaunch().await;
        self
    }

    /// Kills the process (SIGKILL) and waits for it to be gone.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Starts the (killed) server again on the same port and database.
    pub async fn relaunch(&mut self) {
        for _ in 0..50 {
            // The port may linger for a moment after the kill.
            if let Some((child, _)) = Self::launch(&self.db, &self.env, &self.addr) {
                self.child = child;
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("server did not restart on {}", self.addr);
    }

    pub fn client(&self) -> Api {
        Api {
            base: self.base.clone(),
            http: reqwest::Client::new(),
            token: None,
        }
    }

    pub fn ws_url(&self) -> String {
        format!("ws://{}/ws", self.addr)
    }

    /// Registers a fresh user (unique name from `prefix`) and returns a client signed in as it.
    pub async fn user(&self, prefix: &str) -> (Api, AuthResponse) {
        let name = format!("{prefix}{}", &Uuid::new_v4().simple().to_string()[..8]);
        let mut api = self.client();
        let (status, body) = api.register(&name, TEST_PASSWORD).await;
        assert_eq!(status, StatusCode::CREATED, "register {name}: {body}");
        let auth: AuthResponse = serde_json::from_value(body).expect("AuthResponse");
        api.token = Some(auth.access_token.clone());
        (api, auth)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A REST client, optionally signed in.
#[derive(Clone)]
pub struct Api {
    pub base: String,
    pub http: reqwest::Client,
    pub token: Option<String>,
}

impl Api {
    pub fn with_token(&self, token: Option<&str>) -> Self {
        Self {
            token: token.map(str::to_owned),
            ..self.clone()
        }
    }

    /// Sends a request and returns status and JSON body (`Value::Null` when empty).
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<&impl Serialize>,
    ) -> (StatusCode, Value) {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(token) = &self.token {
            req = req.bearer_auth(token);
        }
        if let Some(body) = body {
            req = req.json(body);
        }
        let resp = req.send().await.expect("request sent");
        let status = resp.status();
        let text = resp.text().await.expect("body");
        let value = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text)
                .unwrap_or_else(|_| panic!("{path}: body is not JSON: {text}"))
        };
        (status, value)
    }

    /// Sends a raw body with a content type; for malformed-input tests.
    pub async fn raw(
        &self,
        method: Method,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> (StatusCode, Value) {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header("content-type", content_type)
            .body(body);
        if let Some(token) = &self.token {
            req = req.bearer_auth(token);
        }
        let resp = req.send().await.expect("request sent");
        let status = resp.status();
        let text = resp.text().await.expect("body");
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.call(Method::GET, path, None::<&()>).await
    }

    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::POST, path, Some(&body)).await
    }

    pub async fn delete(&self, path: &str) -> (StatusCode, Value) {
        self.call(Method::DELETE, path, None::<&()>).await
    }

    /// GET that must succeed with 200, parsed as `T`.
    pub async fn get_ok<T: DeserializeOwned>(&self, path: &str) -> T {
        let (status, body) = self.get(path).await;
        assert_eq!(status, StatusCode::OK, "GET {path}: {body}");
        serde_json::from_value(body).expect("response shape")
    }

    /// `POST /api/auth/register`.
    pub async fn register(&self, username: &str, password: &str) -> (StatusCode, Value) {
        let body = serde_json::json!({"username": username, "password": password});
        self.post("/api/auth/register", body).await
    }

    /// `POST /api/auth/login`.
    pub async fn login(&self, username: &str, password: &str) -> (StatusCode, Value) {
        let body = serde_json::json!({"username": username, "password": password});
        self.post("/api/auth/login", body).await
    }

    /// `POST /api/auth/refresh` with a refresh token.
    pub async fn refresh(&self, refresh_token: &str) -> (StatusCode, Value) {
        let body = serde_json::json!({"refresh_token": refresh_token});
        self.post("/api/auth/refresh", body).await
    }

    /// `POST /api/auth/logout` of a refresh token (as this client's user).
    pub async fn logout(&self, refresh_token: &str) -> (StatusCode, Value) {
        let body = serde_json::json!({"refresh_token": refresh_token});
        self.post("/api/auth/logout", body).await
    }

    /// `POST /api/contacts` for `who`.
    pub async fn add_contact(&self, who: &User) -> (StatusCode, Value) {
        self.post(
            "/api/contacts",
            serde_json::json!({"username": who.username}),
        )
        .await
    }

    pub async fn create_chat(&self, members: &[&User], name: Option<&str>) -> Chat {
        let names: Vec<&str> = members.iter().map(|u| u.username.as_str()).collect();
        let mut body = serde_json::json!({ "members": names });
        if let Some(name) = name {
            body["name"] = name.into();
        }
        let (status, body) = self.post("/api/chats", body).await;
        assert!(status.is_success(), "create chat: {status} {body}");
        serde_json::from_value(body).expect("Chat")
    }
}

/// Asserts the contract's error body and code.
pub fn assert_error(status: StatusCode, body: &Value, want_status: u16, want_code: &str) {
    assert_eq!(status.as_u16(), want_status, "status; body: {body}");
    assert_eq!(body["error"]["code"], want_code, "code; body: {body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "message present: {body}"
    );
}

/// Makes messages `1..=last` of every chat look stored in 2020, straight in the database.
pub fn age_messages(url: &str, last: i64) {
    let sql = format!("UPDATE messages SET created_at = '2020-01-01 00:00:00' WHERE seq <= {last}");
    if let Some(path) = url.strip_prefix("sqlite://") {
        let mut c = diesel::SqliteConnection::establish(path).expect("sqlite");
        // The server writes meanwhile (its search indexer too): wait for the lock as it does.
        diesel::sql_query("PRAGMA busy_timeout = 10000")
            .execute(&mut c)
            .expect("busy timeout");
        diesel::sql_query(sql).execute(&mut c).expect("age");
    } else {
        let mut c = diesel::PgConnection::establish(url).expect("postgres");
        diesel::sql_query(sql).execute(&mut c).expect("age");
    }
}
