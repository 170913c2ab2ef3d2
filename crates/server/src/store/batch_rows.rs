//! The rows a message batch is made of and what becomes of each, shared by the two backends'
//! batch paths (`messages` on SQLite, `message_batch_pg` on PostgreSQL).

use std::sync::Arc;

use chat_protocol::{ChatId, MessageId, UploadId, User, UserId};
use uuid::Uuid;

use super::rows::MessageRow;

/// One message waiting in a batch.
#[derive(Debug, Clone)]
pub(crate) struct NewPost {
    pub chat: ChatId,
    pub sender: User,
    pub content: String,
    pub client_id: Uuid,
    /// A message of the same chat this one answers.
    pub reply_to: Option<MessageId>,
    /// The sender's own uploads not attached yet, in the order shown (checked in the batch).
    pub attachments: Vec<UploadId>,
}

/// A message a batch stored, with what its echo needs.
pub(super) struct StoredRow {
    pub(super) row: MessageRow,
    pub(super) members: Arc<Vec<UserId>>,
    pub(super) reply_to: Option<chat_protocol::ReplyPreview>,
    pub(super) mentions: Vec<UserId>,
}

/// What the database made of one message of a batch (either backend's path).
pub(super) enum BatchRow {
    Stored(Box<StoredRow>),
    Duplicate,
    NotFound,
    Blocked,
    BadReply,
    /// An attachment that is not the sender's, or is attached already.
    BadAttachment,
}
