//! Running a group: renaming it (any member), and what its admins do: set how long its
//! messages are kept, appoint or stand down admins, remove members. Each returns the sentence
//! to show if it failed; the server's answer (the changed chat) goes through the reducer.

use chat_protocol::limits::check_group_name;
use chat_protocol::{ChatId, UpdateChatRequest, UserId};

use super::ChatState;
use crate::net::ApiError;
use crate::text::error_text::{Attempt, explain, sentence};

/// Said when a member who is not an admin tries what only admins may.
pub(crate) const ADMINS_ONLY: &str = "Only the group's admins can do that.";

fn explain_group(e: &ApiError) -> String {
    match e.status() {
        Some(403) => ADMINS_ONLY.to_owned(),
        Some(404) => "They are not in this group any more.".to_owned(),
        _ => explain(e, Attempt::Other),
    }
}

impl ChatState {
    /// `PATCH /api/chats/{id}` with `req`; the changed chat goes through the reducer, a failure
    /// is worded by `explain_failure`.
    pub(super) async fn patch_chat(
        &self,
        chat: ChatId,
        req: UpdateChatRequest,
        explain_failure: fn(&ApiError) -> String,
    ) -> Result<(), String> {
        let updated = self
            .signed_in_api()?
            .update_chat(chat, &req)
            .await
            .map_err(|e| explain_failure(&e))?;
        self.apply_chat(updated);
        Ok(())
    }

    async fn update_group(&self, chat: ChatId, req: UpdateChatRequest) -> Result<(), String> {
        self.patch_chat(chat, req, explain_group).await
    }

    pub(crate) async fn rename_group(&self, chat: ChatId, name: String) -> Result<(), String> {
        check_group_name(&name).map_err(|e| sentence(&e))?;
        let req = UpdateChatRequest {
            name: Some(name.trim().to_owned()),
            ..UpdateChatRequest::default()
        };
        self.update_group(chat, req).await
    }

    /// `None`: keep messages as long as the server does.
    pub(crate) async fn set_retention(
        &self,
        chat: ChatId,
        days: Option<u32>,
    ) -> Result<(), String> {
        let req = UpdateChatRequest {
            retention_days: Some(days),
            ..UpdateChatRequest::default()
        };
        self.update_group(chat, req).await
    }

    pub(crate) async fn set_admin(
        &self,
        chat: ChatId,
        user: UserId,
        admin: bool,
    ) -> Result<(), String> {
        let updated = self
            .signed_in_api()?
            .update_member(chat, user, admin)
            .await
            .map_err(|e| explain_group(&e))?;
        self.apply_chat(updated);
        Ok(())
    }

    /// Removes someone else (admins only); the chat's new member list arrives as `chat_updated`.
    pub(crate) async fn remove_member(&self, chat: ChatId, user: UserId) -> Result<(), String> {
        match self.signed_in_api()?.remove_member(chat, user).await {
            Ok(()) | Err(ApiError::Http { status: 404, .. }) => Ok(()),
            Err(e) => Err(explain_group(&e)),
        }
    }
}
