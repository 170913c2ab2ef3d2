//! What the person does: send, edit, delete and retry messages, type, manage contacts and
//! chats. Each returns the sentence to show if it failed; where it is shown is the UI's choice.

use chat_protocol::limits::{check_content, check_group_name, check_post};
use chat_protocol::{
    Attachment, Chat, ChatId, ClientCommand, CreateChatRequest, CreateInviteRequest, Invite,
    MessageId, RoomSummary, SearchQuery, SearchResults, UpdateChatRequest, User, UserId,
};
use leptos::prelude::*;
use uuid::Uuid;

use super::{ChatState, NOT_SIGNED_IN, now_ms};
use crate::model::outbox::{Draft, Link, Outbox};
use crate::model::typing::TypingThrottle;
use crate::net::{Api, ApiError, Socket};
use crate::text::error_text::{Attempt, explain, sentence};

/// What an invite link that no longer works says.
pub(crate) const INVITE_GONE: &str = "This invite link is expired, used up or revoked.";

/// Words for a failed call that names `username`: "already …" on 409, "no user" on 404.
fn about_user(e: &ApiError, username: &str, already: &str) -> String {
    match e.status() {
        Some(409) => format!("{username} is already {already}."),
        Some(404) => format!("There is no user called {username}."),
        _ => explain(e, Attempt::Other),
    }
}

/// Whether `socket` takes commands now (the server said `ready`).
fn link_of(socket: &Socket) -> Link {
    if socket.is_ready() {
        Link::Up
    } else {
        Link::Down
    }
}

impl ChatState {
    pub(super) fn signed_in_api(&self) -> Result<Api, String> {
        self.api().ok_or_else(|| NOT_SIGNED_IN.to_owned())
    }

    /// Sends a message (shown as pending until the echo), answering `reply_to` if given.
    /// Returns the reason if refused locally.
    pub(crate) fn send_message(
        &self,
        chat: ChatId,
        text: &str,
        reply_to: Option<MessageId>,
        attachments: Vec<Attachment>,
    ) -> Result<(), String> {
        let ids: Vec<_> = attachments.iter().map(|a| a.id).collect();
        check_post(text, &ids).map_err(|e| sentence(&e))?;
        let socket = self.socket().ok_or(NOT_SIGNED_IN)?;
        let draft = Draft {
            chat_id: chat,
            content: text.to_owned(),
            client_id: Uuid::new_v4(),
            created_at: chrono::Utc::now(),
            reply_to,
            attachments,
        };
        let link = link_of(&socket);
        let mut command = None;
        self.outbox
            .update(|o| command = o.push(draft, link, now_ms()));
        if let Some(command) = command
            && !socket.send(command)
        {
            self.outbox.update(Outbox::connection_lost);
        }
        self.throttle.update_value(TypingThrottle::reset);
        self.at_bottom.set(true);
        Ok(())
    }

    pub(crate) fn retry_message(&self, client_id: Uuid) {
        let Some(socket) = self.socket() else { return };
        let mut command = None;
        self.outbox
            .update(|o| command = o.retry(client_id, link_of(&socket), now_ms()));
        if let Some(command) = command
            && !socket.send(command)
        {
            self.outbox.update(Outbox::connection_lost);
        }
    }

    pub(crate) fn discard_message(&self, client_id: Uuid) {
        self.outbox.update(|o| {
            o.discard(client_id);
        });
    }

    /// Sends a command that may be dropped when offline; says so if it was.
    fn command(&self, command: ClientCommand) -> bool {
        let sent = self.socket().is_some_and(|s| s.send(command));
        if !sent {
            self.notify("You are offline. Try again once the connection is back.");
        }
        sent
    }

    pub(crate) fn edit_message(&self, message_id: MessageId, text: &str) -> Result<(), String> {
        check_content(text).map_err(|e| sentence(&e))?;
        if self.command(ClientCommand::EditMessage {
            message_id,
            content: text.to_owned(),
        }) {
            Ok(())
        } else {
            Err("You are offline.".into())
        }
    }

    pub(crate) fn delete_message(&self, message_id: MessageId) {
        self.command(ClientCommand::DeleteMessage { message_id });
    }

    /// Adds (`on`) or takes back my `emoji` on a message; the `reaction` event shows it.
    pub(crate) fn react(&self, message_id: MessageId, emoji: &str, on: bool) {
        self.command(ClientCommand::React {
            message_id,
            emoji: emoji.to_owned(),
            on,
        });
    }

    /// `GET /api/search`.
    pub(crate) async fn search_messages(&self, q: SearchQuery) -> Result<SearchResults, String> {
        self.signed_in_api()?
            .search(&q)
            .await
            .map_err(|e| explain(&e, Attempt::Other))
    }

    /// Public rooms whose name contains `search`.
    pub(crate) async fn rooms(&self, search: &str) -> Result<Vec<RoomSummary>, String> {
        self.signed_in_api()?
            .rooms(search)
            .await
            .map_err(|e| explain(&e, Attempt::Other))
    }

    /// Joins a public room and opens it.
    pub(crate) async fn join_room(&self, chat: ChatId) -> Result<(), String> {
        let joined = self
            .signed_in_api()?
            .join(chat)
            .await
            .map_err(|e| match e.status() {
                Some(404) => "This room is no longer public.".to_owned(),
                _ => explain(&e, Attempt::Other),
            })?;
        self.apply_chat(joined);
        self.open_chat(chat);
        Ok(())
    }

    /// Makes a group public or private.
    pub(crate) async fn set_public(&self, chat: ChatId, public: bool) -> Result<(), String> {
        let req = UpdateChatRequest {
            public: Some(public),
            ..UpdateChatRequest::default()
        };
        self.patch_chat(chat, req, |e| explain(e, Attempt::Other))
            .await
    }

    pub(crate) async fn invites(&self, chat: ChatId) -> Result<Vec<Invite>, String> {
        self.signed_in_api()?
            .invites(chat)
            .await
            .map_err(|e| explain(&e, Attempt::Other))
    }

    pub(crate) async fn create_invite(
        &self,
        chat: ChatId,
        req: CreateInviteRequest,
    ) -> Result<Invite, String> {
        self.signed_in_api()?
            .create_invite(chat, &req)
            .await
            .map_err(|e| explain(&e, Attempt::Other))
    }

    pub(crate) async fn revoke_invite(&self, chat: ChatId, token: &str) -> Result<(), String> {
        self.signed_in_api()?
            .revoke_invite(chat, token)
            .await
            .map_err(|e| explain(&e, Attempt::Other))
    }

    /// Accepts an invite link and opens its group.
    pub(crate) async fn accept_invite(&self, token: &str) -> Result<(), String> {
        let chat = self
            .signed_in_api()?
            .accept_invite(token)
            .await
            .map_err(|e| match e.status() {
                Some(404) => INVITE_GONE.to_owned(),
                _ => explain(&e, Attempt::Other),
            })?;
        let id = chat.id;
        self.apply_chat(chat);
        self.open_chat(id);
        Ok(())
    }

    /// A keystroke in the composer: tells the others, at most every few seconds.
    pub(crate) fn on_composer_input(&self, chat: ChatId) {
        let due = self
            .throttle
            .try_update_value(|t| t.should_send(chat, now_ms()))
            .unwrap_or(false);
        if due && let Some(socket) = self.socket() {
            socket.send(ClientCommand::Typing { chat_id: chat });
        }
    }

    pub(crate) async fn search_people(&self, prefix: &str) -> Result<Vec<User>, String> {
        self.signed_in_api()?
            .search_users(prefix)
            .await
            .map_err(|e| explain(&e, Attempt::Other))
    }

    pub(crate) async fn add_contact(&self, username: &str) -> Result<(), String> {
        let contact = self
            .signed_in_api()?
            .add_contact(username)
            .await
            .map_err(|e| about_user(&e, username, "a contact"))?;
        self.change_data(|d| d.contact_added(contact));
        Ok(())
    }

    pub(crate) async fn remove_contact(&self, user: UserId) -> Result<(), String> {
        self.signed_in_api()?
            .remove_contact(user)
            .await
            .map_err(|e| explain(&e, Attempt::Other))?;
        self.change_data(|d| d.contact_removed(user));
        Ok(())
    }

    /// A chat as the server has it now (created, or a member added).
    pub(super) fn apply_chat(&self, chat: Chat) {
        let Some(now) = self.moment() else { return };
        let effects = self.change_data(|d| d.upsert_chat(chat, &now));
        self.run(effects);
    }

    async fn create_chat(&self, request: CreateChatRequest) -> Result<(), String> {
        let direct = request.name.is_none() && request.members.len() == 1;
        let chat = self
            .signed_in_api()?
            .create_chat(&request)
            .await
            .map_err(|e| match (e.status(), direct) {
                // Unknown, or blocked me: the server answers both alike, and so do we.
                (Some(404), true) => format!("You can't start a chat with {}.", request.members[0]),
                _ => explain(&e, Attempt::Other),
            })?;
        let id = chat.id;
        self.apply_chat(chat);
        self.open_chat(id);
        Ok(())
    }

    /// Opens (creating if needed) the direct chat with `username`.
    pub(crate) async fn open_direct(&self, username: &str) -> Result<(), String> {
        self.create_chat(CreateChatRequest {
            members: vec![username.to_owned()],
            name: None,
            public: false,
        })
        .await
    }

    pub(crate) async fn create_group(
        &self,
        name: &str,
        members: Vec<String>,
        public: bool,
    ) -> Result<(), String> {
        check_group_name(name).map_err(|e| sentence(&e))?;
        if members.is_empty() {
            return Err("Pick at least one member.".into());
        }
        self.create_chat(CreateChatRequest {
            members,
            name: Some(name.trim().to_owned()),
            public,
        })
        .await
    }

    pub(crate) async fn add_member(&self, chat: ChatId, username: &str) -> Result<(), String> {
        let updated = self
            .signed_in_api()?
            .add_member(chat, username)
            .await
            .map_err(|e| about_user(&e, username, "a member"))?;
        self.apply_chat(updated);
        Ok(())
    }

    pub(crate) async fn leave_chat(&self, chat: ChatId) -> Result<(), String> {
        let api = self.signed_in_api()?;
        let me = self.me_untracked().ok_or(NOT_SIGNED_IN)?;
        api.remove_member(chat, me)
            .await
            .map_err(|e| explain(&e, Attempt::Other))?;
        self.forget_chat(chat);
        Ok(())
    }
}
