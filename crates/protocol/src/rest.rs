//! REST request and response bodies (prefix `/api`).

use crate::ids::{ChatId, MessageId, SessionId};
use crate::model::{Chat, Message, User};
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    pub username: String,
    pub password: String,
}

pub type LoginRequest = RegisterRequest;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

pub type LogoutRequest = RefreshRequest;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthResponse {
    pub access_token: String,
    /// Always `"Bearer"`.
    pub token_type: String,
    /// Lifetime of `access_token` in seconds.
    pub expires_in: i64,
    pub refresh_token: String,
    pub user: User,
}

/// One signed-in device (`GET /api/sessions`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionInfo {
    pub id: SessionId,
    #[serde(with = "crate::time")]
    pub created_at: Timestamp,
    #[serde(with = "crate::time")]
    pub last_used_at: Timestamp,
    pub user_agent: Option<String>,
    /// The session whose access token made the call.
    pub current: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct UserSearchQuery {
    #[serde(default)]
    pub search: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    pub user: User,
    /// `null` unless this person added the caller as a contact too: presence is shown only
    /// to the people its subject chose.
    pub online: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddContactRequest {
    pub username: String,
}

/// `POST /api/blocks`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BlockRequest {
    pub username: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateChatRequest {
    /// Usernames of the other members; the caller is always a member.
    pub members: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A group anyone may find and join (`GET /api/rooms`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub public: bool,
}

/// `PATCH /api/chats/{id}`: what to change (everything but `muted` is a group's).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateChatRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public: Option<bool>,
    /// Group admins only: erase messages older than this many days (`null`: only the server's
    /// own period). Absent leaves the setting as it is.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::nullable"
    )]
    pub retention_days: Option<Option<u32>>,
    /// Any member, for themself alone, in a direct chat too: mute or unmute it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub muted: Option<bool>,
}

/// `GET /api/rooms?search=`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RoomQuery {
    #[serde(default)]
    pub search: String,
}

/// A public group as the directory shows it to anyone signed in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomSummary {
    pub id: ChatId,
    pub name: String,
    pub member_count: i64,
    #[serde(with = "crate::time")]
    pub last_activity_at: Timestamp,
}

/// `POST /api/chats/{id}/invites`: no expiry and no use limit unless given.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateInviteRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_in_secs: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_uses: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invite {
    /// The secret part of the link `/join/<token>`.
    pub token: String,
    #[serde(with = "crate::time::option")]
    pub expires_at: Option<Timestamp>,
    pub max_uses: Option<i64>,
    pub uses: i64,
}

/// `GET /api/search`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchQuery {
    pub q: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chat_id: Option<ChatId>,
    /// Only results older than this message id (the previous page's `next_before`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<MessageId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchResults {
    /// Newest first.
    pub results: Vec<Message>,
    /// Pass as `before` for the next page; `null` when this was the last.
    pub next_before: Option<MessageId>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddMemberRequest {
    pub username: String,
}

/// `PATCH /api/chats/{id}/members/{user_id}` (group admins): make a member an admin or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateMemberRequest {
    pub admin: bool,
}

/// Paging of a chat's history, shared by `GET /api/chats/{id}/messages` and `fetch_messages`.
/// `GET /api/chats?limit=&before=`: opt-in paging of the chat list, most recent activity first.
/// Without `limit` every chat comes back (the contract's original shape); with it, at most
/// `limit` (1..=[`crate::limits::CHAT_PAGE_MAX`]) and, when more follow, the cursor of the next
/// page in the [`CHAT_LIST_NEXT_HEADER`] response header, to pass back as `before`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChatListQuery {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// Opaque: a previous page's [`CHAT_LIST_NEXT_HEADER`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<String>,
}

/// The response header of a `GET /api/chats?limit=` page that has a next page: its cursor.
pub const CHAT_LIST_NEXT_HEADER: &str = "x-next-before";

/// No cursor means the latest page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HistoryQuery {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before_seq: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after_seq: Option<i64>,
    /// Every message changed after this version, in version order (not with the seqs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after_version: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessagePage {
    /// Oldest first.
    pub messages: Vec<Message>,
    /// More messages exist beyond this page in the paging direction.
    pub has_more: bool,
}

/// `POST /api/me/password` (added to the contract): the caller's current password and the new
/// one; every other session of the account ends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordRequest {
    pub current_password: String,
    pub new_password: String,
}

/// `DELETE /api/me` (added to the contract): the password again, as the confirmation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeleteAccountRequest {
    pub password: String,
}

/// `GET /api/me/export` (added to the contract): what the account holds, as JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountExport {
    pub user: User,
    #[serde(with = "crate::time")]
    pub exported_at: Timestamp,
    /// The people the account added as contacts.
    pub contacts: Vec<User>,
    /// Every chat the account is a member of, as the account sees it.
    pub chats: Vec<Chat>,
    /// Every message the account sent that is not deleted, in chat and seq order.
    pub messages: Vec<Message>,
}
