//! The signed-in part of the REST API. Every call carries the access token of the
//! [`AuthSession`]; on a 401 it renews the session once and retries. No state of its own
//! beyond the session handle, and nothing reactive.

use chat_protocol::{
    AddContactRequest, AddMemberRequest, BlockRequest, ChangePasswordRequest, Chat, ChatId,
    Contact, CreateChatRequest, CreateInviteRequest, DeleteAccountRequest, HistoryQuery, Invite,
    MessagePage, PushKey, PushSubscriptionRequest, PushUnsubscribeRequest, RoomSummary,
    SearchQuery, SearchResults, SessionId, SessionInfo, UpdateChatRequest, UpdateMemberRequest,
    User, UserId,
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

    /// `POST /api/me/password`: every other session of the account ends; this one goes on.
    pub(crate) async fn change_password(
        &self,
        req: &ChangePasswordRequest,
    ) -> Result<(), ApiError> {
        self.authorized(Call::post("/me/password", req))
            .await
            .map(drop)
    }

    /// `GET /api/me/export`: the account's data as the server wrote it (JSON text), kept as
    /// text so that what the person downloads is exactly what the server sent.
    pub(crate) async fn export(&self) -> Result<String, ApiError> {
        self.authorized(Call::get("/me/export")).await
    }

    /// `DELETE /api/me`: the password confirms it.
    pub(crate) async fn delete_account(&self, req: &DeleteAccountRequest) -> Result<(), ApiError> {
        self.authorized(Call::delete_with("/me", req))
            .await
            .map(drop)
    }

    /// `GET /api/push/key`: what this browser subscribes to Web Push with.
    pub(crate) async fn push_key(&self) -> Result<PushKey, ApiError> {
        decode(&self.authorized(Call::get("/push/key")).await?)
    }

    /// `POST /api/push/subscriptions`: pushes for this session go to this browser.
    pub(crate) async fn subscribe_push(
        &self,
        req: &PushSubscriptionRequest,
    ) -> Result<(), ApiError> {
        self.authorized(Call::post("/push/subscriptions", req))
            .await
            .map(drop)
    }

    /// `DELETE /api/push/subscriptions`.
    pub(crate) async fn unsubscribe_push(
        &self,
        req: &PushUnsubscribeRequest,
    ) -> Result<(), ApiError> {
        self.authorized(Call::delete_with("/push/subscriptions", req))
            .await
            .map(drop)
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

    /// `PATCH /api/chats/{id}/members/{user_id}`: appoint or stand down an admin (admins only).
    pub(crate) async fn update_member(
        &self,
        chat: ChatId,
        user: UserId,
        admin: bool,
    ) -> Result<Chat, ApiError> {
        let path = format!("/chats/{chat}/members/{user}");
        let body = UpdateMemberRequest { admin };
        decode(&self.authorized(Call::patch(&path, &body)).await?)
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

    /// `GET /api/search`: messages of my chats containing `q.q`, newest first.
    pub(crate) async fn search(&self, q: &SearchQuery) -> Result<SearchResults, ApiError> {
        let chat = q.chat_id.map(|c| c.to_string());
        let before = q.before.map(|b| b.to_string());
        let limit = q.limit.map(|l| l.to_string());
        let mut query = vec![("q", q.q.as_str())];
        if let Some(chat) = &chat {
            query.push(("chat_id", chat));
        }
        if let Some(before) = &before {
            query.push(("before", before));
        }
        if let Some(limit) = &limit {
            query.push(("limit", limit));
        }
        decode(
            &self
                .authorized(Call::get_with_query("/search", &query))
                .await?,
        )
    }

    /// `PATCH /api/chats/{id}`: rename a group or make it public or private.
    pub(crate) async fn update_chat(
        &self,
        chat: ChatId,
        req: &UpdateChatRequest,
    ) -> Result<Chat, ApiError> {
        let path = format!("/chats/{chat}");
        decode(&self.authorized(Call::patch(&path, req)).await?)
    }

    /// `GET /api/rooms?search=`: public groups.
    pub(crate) async fn rooms(&self, search: &str) -> Result<Vec<RoomSummary>, ApiError> {
        let query = [("search", search)];
        decode(
            &self
                .authorized(Call::get_with_query("/rooms", &query))
                .await?,
        )
    }

    /// `POST /api/chats/{id}/join` (a public group).
    pub(crate) async fn join(&self, chat: ChatId) -> Result<Chat, ApiError> {
        let path = format!("/chats/{chat}/join");
        decode(&self.authorized(Call::post(&path, &())).await?)
    }

    pub(crate) async fn create_invite(
        &self,
        chat: ChatId,
        req: &CreateInviteRequest,
    ) -> Result<Invite, ApiError> {
        let path = format!("/chats/{chat}/invites");
        decode(&self.authorized(Call::post(&path, req)).await?)
    }

    pub(crate) async fn invites(&self, chat: ChatId) -> Result<Vec<Invite>, ApiError> {
        let path = format!("/chats/{chat}/invites");
        decode(&self.authorized(Call::get(&path)).await?)
    }

    pub(crate) async fn revoke_invite(&self, chat: ChatId, token: &str) -> Result<(), ApiError> {
        let path = format!("/chats/{chat}/invites/{token}");
        self.authorized(Call::delete(&path)).await.map(drop)
    }

    /// `POST /api/invites/{token}/accept`: joins the invite's group.
    pub(crate) async fn accept_invite(&self, token: &str) -> Result<Chat, ApiError> {
        let path = format!("/invites/{token}/accept");
        decode(&self.authorized(Call::post(&path, &())).await?)
    }
}
