//! The signed-in part of the REST API. Every call carries the access token of the
//! [`AuthSession`]; on a 401 it renews the session once and retries. No state of its own
//! beyond the session handle, and nothing reactive.

use chat_protocol::{
    AddContactRequest, AddMemberRequest, BlockRequest, Chat, ChatId, Contact, CreateChatRequest,
    HistoryQuery, MessagePage, SessionId, SessionInfo, User, UserId,
};
use serde::Serialize;

use super::auth_session::AuthSession;
use super::error::ApiError;
use super::http::{Call, decode, history_query, send};

/// Cheap to clone; all clones share the session.
#[derive(Clone)]
pub(crate) struct Api {
    session: AuthSession,
}

impl Api {
    pub(crate) fn new(session: AuthSession) -> Self {
        Self { session }
    }

    pub(crate) fn session(&self) -> &AuthSession {
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

    pub(crate) async fn me(&self) -> Result<User, ApiError> {
        decode(&self.authorized(Call::get("/me")).await?)
    }

    pub(crate) async fn chats(&self) -> Result<Vec<Chat>, ApiError> {
        decode(&self.authorized(Call::get("/chats")).await?)
    }

    pub(crate) async fn create_chat(&self, req: &CreateChatRequest) -> Result<Chat, ApiError> {
        decode(&self.authorized(Call::post("/chats", req)).await?)
    }

    pub(crate) async fn add_member(&self, chat: ChatId, username: &str) -> Result<Chat, ApiError> {
        let body = AddMemberRequest {
            username: username.to_owned(),
        };
        let path = format!("/chats/{chat}/members");
        decode(&self.authorized(Call::post(&path, &body)).await?)
    }

    pub(crate) async fn remove_member(&self, chat: ChatId, user: UserId) -> Result<(), ApiError> {
        let path = format!("/chats/{chat}/members/{user}");
        self.authorized(Call::delete(&path)).await.map(drop)
    }

    pub(crate) async fn messages(
        &self,
        chat: ChatId,
        q: &HistoryQuery,
    ) -> Result<MessagePage, ApiError> {
        let path = format!("/chats/{chat}/messages{}", history_query(q));
        decode(&self.authorized(Call::get(&path)).await?)
    }

    pub(crate) async fn contacts(&self) -> Result<Vec<Contact>, ApiError> {
        decode(&self.authorized(Call::get("/contacts")).await?)
    }

    pub(crate) async fn add_contact(&self, username: &str) -> Result<Contact, ApiError> {
        let body = AddContactRequest {
            username: username.to_owned(),
        };
        decode(&self.authorized(Call::post("/contacts", &body)).await?)
    }

    pub(crate) async fn remove_contact(&self, user: UserId) -> Result<(), ApiError> {
        let path = format!("/contacts/{user}");
        self.authorized(Call::delete(&path)).await.map(drop)
    }

    pub(crate) async fn search_users(&self, prefix: &str) -> Result<Vec<User>, ApiError> {
        let query = [("search", prefix)];
        decode(
            &self
                .authorized(Call::get_with_query("/users", &query))
                .await?,
        )
    }

    /// `GET /api/sessions`: my signed-in devices.
    pub(crate) async fn sessions(&self) -> Result<Vec<SessionInfo>, ApiError> {
        decode(&self.authorized(Call::get("/sessions")).await?)
    }

    /// `DELETE /api/sessions/{id}`: signs that device out.
    pub(crate) async fn end_session(&self, id: SessionId) -> Result<(), ApiError> {
        let path = format!("/sessions/{id}");
        self.authorized(Call::delete(&path)).await.map(drop)
    }

    /// `GET /api/blocks`: the people I blocked.
    pub(crate) async fn blocks(&self) -> Result<Vec<User>, ApiError> {
        decode(&self.authorized(Call::get("/blocks")).await?)
    }

    pub(crate) async fn block(&self, username: &str) -> Result<User, ApiError> {
        let body = BlockRequest {
            username: username.to_owned(),
        };
        decode(&self.authorized(Call::post("/blocks", &body)).await?)
    }

    pub(crate) async fn unblock(&self, user: UserId) -> Result<(), ApiError> {
        let path = format!("/blocks/{user}");
        self.authorized(Call::delete(&path)).await.map(drop)
    }
}
