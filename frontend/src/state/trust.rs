//! Trust and safety, as the person acts on it: blocking and unblocking people, and the list of
//! signed-in devices (signing others out). Each returns the sentence to show if it failed; the
//! data changes go through the reducer like everything else.

use chat_protocol::{SessionId, SessionInfo, User, UserId};

use super::ChatState;
use crate::model::sessions;
use crate::net::ApiError;
use crate::text::error_text::{Attempt, explain};

impl ChatState {
    /// Fetches the people I blocked (at start and after every reconnect).
    pub(super) fn refresh_blocks(&self) {
        let Some(api) = self.api() else { return };
        let state = *self;
        leptos::task::spawn_local(async move {
            if let Ok(list) = api.blocks().await {
                state.change_data(|d| d.blocks_fetched(list));
            }
        });
    }

    /// Blocks `user`: no messages, contacts or presence between us until I unblock.
    pub(crate) async fn block(&self, user: &User) -> Result<(), String> {
        let api = self.signed_in_api()?;
        let blocked = match api.block(&user.username).await {
            Ok(u) => u,
            // Blocked already (e.g. from another device): the list just was not fresh.
            Err(ApiError::Http { status: 409, .. }) => user.clone(),
            Err(e) => return Err(explain(&e, Attempt::Other)),
        };
        self.change_data(|d| d.blocked_user(blocked));
        Ok(())
    }

    pub(crate) async fn unblock(&self, user: UserId) -> Result<(), String> {
        let api = self.signed_in_api()?;
        let me = self.me_untracked().ok_or(super::NOT_SIGNED_IN)?;
        match api.unblock(user).await {
            Ok(()) | Err(ApiError::Http { status: 404, .. }) => {}
            Err(e) => return Err(explain(&e, Attempt::Other)),
        }
        self.change_data(|d| d.unblocked_user(user, me));
        Ok(())
    }

    /// My signed-in devices, this one first.
    pub(crate) async fn sessions(&self) -> Result<Vec<SessionInfo>, String> {
        let mut list = self
            .signed_in_api()?
            .sessions()
            .await
            .map_err(|e| explain(&e, Attempt::Other))?;
        sessions::order(&mut list);
        Ok(list)
    }

    /// Signs another device out (it lands on its sign-in page within seconds).
    pub(crate) async fn end_session(&self, id: SessionId) -> Result<(), String> {
        match self.signed_in_api()?.end_session(id).await {
            // Gone already: signed out there, or expired.
            Ok(()) | Err(ApiError::Http { status: 404, .. }) => Ok(()),
            Err(e) => Err(explain(&e, Attempt::Other)),
        }
    }

    /// Signs out every device but this one; stops at the first failure.
    pub(crate) async fn end_other_sessions(&self, ids: Vec<SessionId>) -> Result<(), String> {
        for id in ids {
            self.end_session(id).await?;
        }
        Ok(())
    }
}
