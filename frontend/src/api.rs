//! The REST client (`/api`, same origin). Calls that need a signed-in user go through [`Api`],
//! which adds the access token and, on a 401, renews the session once and retries.

use chat_protocol::{
    AddContactRequest, AddMemberRequest, AuthResponse, Chat, Contact, CreateChatRequest,
    HistoryQuery, LoginRequest, MessagePage, RefreshRequest, RegisterRequest, User,
};
use gloo_net::http::{Method, RequestBuilder};
use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use crate::errors::ApiError;
use crate::session::Session;

/// `?before_seq=…&after_seq=…&limit=…` for a history page (empty when no field is set).
pub fn history_query(q: &HistoryQuery) -> String {
    let parts: Vec<String> = [
        q.before_seq.map(|v| format!("before_seq={v}")),
        q.after_seq.map(|v| format!("after_seq={v}")),
        q.limit.map(|v| format!("limit={v}")),
    ]
    .into_iter()
    .flatten()
    .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!("?{}", parts.join("&"))
    }
}

/// The socket address for a page served from `page_protocol` (`"https:"`/`"http:"`) and `host`.
pub fn ws_url(page_protocol: &str, host: &str, access_token: &str) -> String {
    let scheme = if page_protocol == "https:" {
        "wss"
    } else {
        "ws"
    };
    format!("{scheme}://{host}/ws?access_token={access_token}")
}

/// A request that may carry a JSON body and a bearer token.
struct Call<'a, B: Serialize> {
    method: Method,
    path: &'a str,
    query: &'a [(&'a str, &'a str)],
    body: Option<&'a B>,
}

async fn send<B: Serialize>(call: &Call<'_, B>, token: Option<&str>) -> Result<String, ApiError> {
    let mut builder =
        RequestBuilder::new(&format!("/api{}", call.path)).method(call.method.clone());
    if !call.query.is_empty() {
        builder = builder.query(call.query.iter().copied());
    }
    if let Some(token) = token {
        builder = builder.header("Authorization", &format!("Bearer {token}"));
    }
    let request = match call.body {
        Some(body) => builder
            .json(body)
            .map_err(|e| ApiError::Decode(e.to_string()))?,
        None => builder
            .build()
            .map_err(|e| ApiError::Decode(e.to_string()))?,
    };
    let response = request
        .send()
        .await
        .map_err(|e| ApiError::Network(e.to_string()))?;
    let status = response.status();
    let text = response
        .text()
        .await
        .map_err(|e| ApiError::Network(e.to_string()))?;
    if (200..300).contains(&status) {
        Ok(text)
    } else {
        Err(ApiError::from_response(status, &text))
    }
}

fn decode<T: DeserializeOwned>(text: &str) -> Result<T, ApiError> {
    serde_json::from_str(text).map_err(|e| ApiError::Decode(e.to_string()))
}

const NO_QUERY: &[(&str, &str)] = &[];

fn post<'a, B: Serialize>(path: &'a str, body: &'a B) -> Call<'a, B> {
    Call {
        method: Method::POST,
        path,
        query: NO_QUERY,
        body: Some(body),
    }
}

fn get(path: &str) -> Call<'_, ()> {
    Call {
        method: Method::GET,
        path,
        query: NO_QUERY,
        body: None,
    }
}

fn delete(path: &str) -> Call<'_, ()> {
    Call {
        method: Method::DELETE,
        path,
        query: NO_QUERY,
        body: None,
    }
}

/// `POST /api/auth/register`.
pub async fn register(req: &RegisterRequest) -> Result<AuthResponse, ApiError> {
    decode(&send(&post("/auth/register", req), None).await?)
}

/// `POST /api/auth/login`.
pub async fn login(req: &LoginRequest) -> Result<AuthResponse, ApiError> {
    decode(&send(&post("/auth/login", req), None).await?)
}

/// `POST /api/auth/refresh`: a new access token and a new refresh token (the old one is dead).
pub async fn refresh(refresh_token: &str) -> Result<AuthResponse, ApiError> {
    let body = RefreshRequest {
        refresh_token: refresh_token.to_owned(),
    };
    decode(&send(&post("/auth/refresh", &body), None).await?)
}

/// `POST /api/auth/logout`: revokes the refresh token.
pub async fn logout(access_token: &str, refresh_token: &str) -> Result<(), ApiError> {
    let body = RefreshRequest {
        refresh_token: refresh_token.to_owned(),
    };
    send(&post("/auth/logout", &body), Some(access_token))
        .await
        .map(drop)
}

/// The authorized part of the API.
#[derive(Clone)]
pub struct Api {
    session: Session,
}

impl Api {
    pub fn new(session: Session) -> Self {
        Self { session }
    }

    pub fn session(&self) -> &Session {
        &self.session
    }

    async fn authorized<B: Serialize>(&self, call: Call<'_, B>) -> Result<String, ApiError> {
        let token = self.session.access_token().ok_or(ApiError::SignedOut)?;
        match send(&call, Some(&token)).await {
            Err(e) if e.is_unauthorized() => {
                self.session.refresh().await?;
                let token = self.session.access_token().ok_or(ApiError::SignedOut)?;
                send(&call, Some(&token)).await
            }
            other => other,
        }
    }

    pub async fn me(&self) -> Result<User, ApiError> {
        decode(&self.authorized(get("/me")).await?)
    }

    pub async fn chats(&self) -> Result<Vec<Chat>, ApiError> {
        decode(&self.authorized(get("/chats")).await?)
    }

    pub async fn chat(&self, id: Uuid) -> Result<Chat, ApiError> {
        decode(&self.authorized(get(&format!("/chats/{id}"))).await?)
    }

    pub async fn create_chat(&self, req: &CreateChatRequest) -> Result<Chat, ApiError> {
        decode(&self.authorized(post("/chats", req)).await?)
    }

    pub async fn add_member(&self, chat: Uuid, username: &str) -> Result<Chat, ApiError> {
        let body = AddMemberRequest {
            username: username.to_owned(),
        };
        decode(
            &self
                .authorized(post(&format!("/chats/{chat}/members"), &body))
                .await?,
        )
    }

    pub async fn remove_member(&self, chat: Uuid, user: Uuid) -> Result<(), ApiError> {
        self.authorized(delete(&format!("/chats/{chat}/members/{user}")))
            .await
            .map(drop)
    }

    pub async fn messages(&self, chat: Uuid, q: &HistoryQuery) -> Result<MessagePage, ApiError> {
        let path = format!("/chats/{chat}/messages{}", history_query(q));
        decode(&self.authorized(get(&path)).await?)
    }

    pub async fn contacts(&self) -> Result<Vec<Contact>, ApiError> {
        decode(&self.authorized(get("/contacts")).await?)
    }

    pub async fn add_contact(&self, username: &str) -> Result<Contact, ApiError> {
        let body = AddContactRequest {
            username: username.to_owned(),
        };
        decode(&self.authorized(post("/contacts", &body)).await?)
    }

    pub async fn remove_contact(&self, user: Uuid) -> Result<(), ApiError> {
        self.authorized(delete(&format!("/contacts/{user}")))
            .await
            .map(drop)
    }

    pub async fn search_users(&self, prefix: &str) -> Result<Vec<User>, ApiError> {
        let query = [("search", prefix)];
        let call = Call::<()> {
            method: Method::GET,
            path: "/users",
            query: &query,
            body: None,
        };
        decode(&self.authorized(call).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_queries() {
        assert_eq!(history_query(&HistoryQuery::default()), "");
        let q = HistoryQuery {
            before_seq: Some(16),
            after_seq: None,
            limit: Some(15),
        };
        assert_eq!(history_query(&q), "?before_seq=16&limit=15");
        let q = HistoryQuery {
            before_seq: None,
            after_seq: Some(3),
            limit: None,
        };
        assert_eq!(history_query(&q), "?after_seq=3");
    }

    #[test]
    fn socket_urls_follow_the_page() {
        assert_eq!(
            ws_url("http:", "127.0.0.1:8080", "abc.def"),
            "ws://127.0.0.1:8080/ws?access_token=abc.def"
        );
        assert_eq!(
            ws_url("https:", "chat.example", "t"),
            "wss://chat.example/ws?access_token=t"
        );
    }
}
