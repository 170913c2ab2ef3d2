//! Users and rooms for a run, created over REST. Users are kept in a file between runs, so a
//! benchmark never measures password hashing; a cached set is reused while its tokens work.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use chat_protocol::{CreateChatRequest, RegisterRequest};
use futures_util::{StreamExt, stream};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{BenchError, Target};

pub(crate) struct Context {
    pub target: Target,
    /// Instances sockets connect to, round-robin (just `target` for one instance).
    pub sockets_to: Vec<Target>,
    pub users_file: String,
    pub http: reqwest::Client,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct BenchUser {
    pub username: String,
    pub token: String,
    /// Kept as JSON: the baseline server uses integers, the chat server UUIDs.
    pub id: Value,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct UsersFile {
    server: String,
    expires_at: u64,
    users: Vec<BenchUser>,
}

/// The part of `AuthResponse` both servers send.
#[derive(Deserialize)]
struct Auth {
    access_token: String,
    expires_in: u64,
    user: AuthUser,
}

#[derive(Deserialize)]
struct AuthUser {
    id: Value,
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

const PASSWORD: &str = "bench-password-1";

impl Context {
    /// The instance the `n`-th socket of a run connects to.
    pub(crate) fn socket_target(&self, n: usize) -> &Target {
        &self.sockets_to[n % self.sockets_to.len()]
    }

    /// At least `count` users with working tokens, reusing the users file when it can.
    pub(crate) async fn users(&self, count: usize) -> Result<Vec<BenchUser>, BenchError> {
        let cached: Option<UsersFile> = std::fs::read(&self.users_file)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok());
        let mut users = match cached {
            Some(file)
                if file.server == self.target.http
                    && file.expires_at > unix_now() + 600
                    && self.token_works(file.users.first()).await =>
            {
                file.users
            }
            _ => Vec::new(),
        };
        if users.len() < count {
            let started = std::time::Instant::now();
            let prefix = format!("b{}", &uuid::Uuid::new_v4().simple().to_string()[..6]);
            let fresh = self.register_many(&prefix, users.len(), count).await?;
            eprintln!(
                "registered {} bench users in {:.1}s",
                fresh.len(),
                started.elapsed().as_secs_f64()
            );
            users.extend(fresh.iter().map(|(u, _)| u.clone()));
            let expires_at = fresh.iter().map(|(_, expires)| *expires).min().unwrap_or(0);
            let file = UsersFile {
                server: self.target.http.clone(),
                expires_at,
                users: users.clone(),
            };
            if let Some(dir) = std::path::Path::new(&self.users_file).parent() {
                let _ = std::fs::create_dir_all(dir);
            }
            let _ = std::fs::write(
                &self.users_file,
                serde_json::to_vec(&file).unwrap_or_default(),
            );
        }
        users.truncate(count);
        Ok(users)
    }

    async fn token_works(&self, user: Option<&BenchUser>) -> bool {
        let Some(user) = user else { return false };
        let url = format!("{}?access_token={}", self.target.ws, user.token);
        matches!(
            tokio::time::timeout(
                Duration::from_secs(5),
                tokio_tungstenite::connect_async(url)
            )
            .await,
            Ok(Ok(_))
        )
    }

    async fn register_many(
        &self,
        prefix: &str,
        from: usize,
        to: usize,
    ) -> Result<Vec<(BenchUser, u64)>, BenchError> {
        let results: Vec<Result<(BenchUser, u64), BenchError>> = stream::iter(from..to)
            .map(|i| self.register(format!("{prefix}_{i}")))
            .buffered(8)
            .collect()
            .await;
        results.into_iter().collect()
    }

    async fn register(&self, username: String) -> Result<(BenchUser, u64), BenchError> {
        let body = RegisterRequest {
            username: username.clone(),
            password: PASSWORD.into(),
        };
        let resp = self
            .http
            .post(format!("{}/api/auth/register", self.target.http))
            .json(&body)
            .send()
            .await?;
        if !resp.status().is_success() {
            return Err(BenchError::Setup(format!(
                "register {username}: {} {}",
                resp.status(),
                resp.text().await.unwrap_or_default()
            )));
        }
        let auth: Auth = resp.json().await?;
        Ok((
            BenchUser {
                username,
                token: auth.access_token,
                id: auth.user.id,
            },
            unix_now() + auth.expires_in,
        ))
    }

    /// Creates a group of `members[0]` with the others; returns its id.
    pub(crate) async fn room(
        &self,
        members: &[BenchUser],
        name: &str,
    ) -> Result<String, BenchError> {
        let body = CreateChatRequest {
            members: members[1..].iter().map(|u| u.username.clone()).collect(),
            name: Some(name.into()),
            public: false,
        };
        let resp = self
            .http
            .post(format!("{}/api/chats", self.target.http))
            .bearer_auth(&members[0].token)
            .json(&body)
            .send()
            .await?;
        if !resp.status().is_success() {
            return Err(BenchError::Setup(format!(
                "create room: {} {}",
                resp.status(),
                resp.text().await.unwrap_or_default()
            )));
        }
        let chat: Value = resp.json().await?;
        chat["id"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| BenchError::Setup("room without id".into()))
    }
}
