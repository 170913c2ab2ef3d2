//! The shared objects of the contract: `User`, `Message`, `Chat`.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::ids::{ChatId, MessageId, UploadId, UserId};

use crate::time::Timestamp;

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct User {
    pub id: UserId,
    pub username: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub id: MessageId,
    pub chat_id: ChatId,
    pub seq: i64,
    pub sender: User,
    /// Empty when `deleted` is true.
    pub content: String,
    pub client_id: Option<Uuid>,
    #[serde(with = "crate::time")]
    pub created_at: Timestamp,
    #[serde(with = "crate::time::option")]
    pub edited_at: Option<Timestamp>,
    pub deleted: bool,
    /// The chat's change counter when this message last changed (sent, edited, deleted,
    /// reacted to).
    pub version: i64,
    /// The message this one answers, as it is now.
    #[serde(default)]
    pub reply_to: Option<ReplyPreview>,
    /// Each emoji with who reacted with it, in the order the emoji were first used.
    #[serde(default)]
    pub reactions: Vec<Reaction>,
    /// Members named as `@username` in the content (empty when deleted).
    #[serde(default)]
    pub mentions: Vec<UserId>,
    /// Files sent with the message, in the order the sender gave them (empty when deleted).
    #[serde(default)]
    pub attachments: Vec<Attachment>,
    /// Set on a line the server writes into a group's history when its members or name
    /// change; such a line has no text and cannot be edited, and counts as nothing unread.
    /// Absent (not `null`) on what people write, so their messages look as they always did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<SystemLine>,
}

/// What a system line in a group's history records. `sender` of its message is who did it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SystemLine {
    pub event: SystemEvent,
    /// Who was added or removed (`added`, `removed`); `null` otherwise.
    pub user: Option<User>,
    /// The group's new name (`renamed`); `null` otherwise.
    pub name: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SystemEvent {
    /// The sender joined by themself (a public room, an invite link).
    Joined,
    /// The sender added `user`.
    Added,
    /// The sender left.
    Left,
    /// The sender removed `user`.
    Removed,
    /// The sender renamed the group to `name`.
    Renamed,
}

/// An uploaded file as the wire shows it. `url` and `thumbnail_url` are signed and expire: the
/// server signs them afresh whenever it returns the attachment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    pub id: UploadId,
    /// The file's name as the uploader gave it, made safe (no path, no control characters).
    pub name: String,
    /// Judged from the bytes, not from what the uploader claimed.
    pub content_type: String,
    pub size: i64,
    /// Pixels, for images (after their EXIF orientation is applied).
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub url: String,
    /// Images only: at most 320 px on the long side.
    pub thumbnail_url: Option<String>,
}

/// The quoted part of a replied-to message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplyPreview {
    pub id: MessageId,
    pub seq: i64,
    pub sender: User,
    /// The first 100 characters of the original's current content; empty when deleted.
    pub excerpt: String,
    pub deleted: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reaction {
    pub emoji: String,
    pub user_ids: Vec<UserId>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(
    feature = "diesel",
    derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow)
)]
#[cfg_attr(feature = "diesel", diesel(sql_type = diesel::sql_types::Text))]
pub enum ChatKind {
    Direct,
    Group,
}

impl ChatKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Direct => "direct",
            Self::Group => "group",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "direct" => Some(Self::Direct),
            "group" => Some(Self::Group),
            _ => None,
        }
    }
}

#[cfg(feature = "diesel")]
impl diesel::serialize::ToSql<diesel::sql_types::Text, diesel::pg::Pg> for ChatKind {
    fn to_sql<'b>(
        &'b self,
        out: &mut diesel::serialize::Output<'b, '_, diesel::pg::Pg>,
    ) -> diesel::serialize::Result {
        use std::io::Write;
        out.write_all(self.as_str().as_bytes())?;
        Ok(diesel::serialize::IsNull::No)
    }
}

#[cfg(feature = "diesel")]
impl diesel::serialize::ToSql<diesel::sql_types::Text, diesel::sqlite::Sqlite> for ChatKind {
    fn to_sql<'b>(
        &'b self,
        out: &mut diesel::serialize::Output<'b, '_, diesel::sqlite::Sqlite>,
    ) -> diesel::serialize::Result {
        out.set_value(self.as_str());
        Ok(diesel::serialize::IsNull::No)
    }
}

#[cfg(feature = "diesel")]
impl<DB> diesel::deserialize::FromSql<diesel::sql_types::Text, DB> for ChatKind
where
    DB: diesel::backend::Backend,
    String: diesel::deserialize::FromSql<diesel::sql_types::Text, DB>,
{
    fn from_sql(raw: DB::RawValue<'_>) -> diesel::deserialize::Result<Self> {
        let text = String::from_sql(raw)?;
        Self::parse(&text).ok_or_else(|| format!("stored chat kind {text:?}").into())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Chat {
    pub id: ChatId,
    pub kind: ChatKind,
    pub name: Option<String>,
    pub members: Vec<User>,
    #[serde(with = "crate::time")]
    pub created_at: Timestamp,
    pub last_message: Option<Message>,
    /// Messages from others after the caller's read position (tombstones excluded).
    pub unread_count: i64,
    pub last_seq: i64,
    /// The chat's change counter: the highest `version` of its messages.
    pub last_version: i64,
    /// A group anyone may find (`GET /api/rooms`) and join.
    #[serde(default)]
    pub public: bool,
    /// Unread messages (after the caller's read position, not deleted) that mention the caller.
    #[serde(default)]
    pub unread_mentions: i64,
    /// Added to the contract: how far each member has read (`mark_read`), so "seen" markers
    /// survive a reload; `read` events update it live.
    #[serde(default)]
    pub read_positions: Vec<ReadPosition>,
    /// Added to the contract: the members with a socket open right now, on any instance;
    /// `presence` events update it live.
    #[serde(default)]
    pub online_members: Vec<UserId>,
    /// Added to the contract: a group's admins (its creator and whoever an admin promoted);
    /// empty for a direct chat.
    #[serde(default)]
    pub admins: Vec<UserId>,
    /// Added to the contract: a group's own retention period in days, if its admins set one.
    #[serde(default)]
    pub retention_days: Option<u32>,
    /// The viewer muted this chat (`PATCH /api/chats/{id} {"muted": bool}`): no push and no
    /// notification for it. Per viewer.
    #[serde(default)]
    pub muted: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ReadPosition {
    pub user_id: UserId,
    /// The last seq this member marked read (0: nothing yet).
    pub seq: i64,
}
