//! The shared objects of the contract: `User`, `Message`, `Chat`.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::time::Timestamp;

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct User {
    pub id: Uuid,
    pub username: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub id: i64,
    pub chat_id: Uuid,
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
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
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

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Chat {
    pub id: Uuid,
    pub kind: ChatKind,
    pub name: Option<String>,
    pub members: Vec<User>,
    #[serde(with = "crate::time")]
    pub created_at: Timestamp,
    pub last_message: Option<Message>,
    /// Messages from others after the caller's read position (tombstones excluded).
    pub unread_count: i64,
    pub last_seq: i64,
    /// Added to the contract: how far each member has read (`mark_read`), so "seen" markers
    /// survive a reload; `read` events update it live.
    #[serde(default)]
    pub read_positions: Vec<ReadPosition>,
    /// Added to the contract: the members with a socket open right now, on any instance;
    /// `presence` events update it live.
    #[serde(default)]
    pub online_members: Vec<Uuid>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ReadPosition {
    pub user_id: Uuid,
    /// The last seq this member marked read (0: nothing yet).
    pub seq: i64,
}
