//! Web Push (RFC 8030 delivery, RFC 8291 encryption, RFC 8292 VAPID): the REST bodies a browser
//! uses to subscribe, and what an encrypted push carries to the web app's service worker.

use serde::{Deserialize, Serialize};

use crate::ids::{ChatId, MessageId};
use crate::model::User;

/// `GET /api/push/key`: the server's VAPID public key, an uncompressed P-256 point in
/// unpadded base64url (what `pushManager.subscribe`'s `applicationServerKey` takes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushKey {
    pub public_key: String,
}

/// `POST /api/push/subscriptions`: a browser's `PushSubscription.toJSON()`, less what the
/// server does not use (`expirationTime`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushSubscriptionRequest {
    pub endpoint: String,
    pub keys: PushSubscriptionKeys,
}

/// The browser's half of the encryption: its P-256 public key (65 bytes) and the 16-byte
/// authentication secret, both unpadded base64url.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushSubscriptionKeys {
    pub p256dh: String,
    pub auth: String,
}

/// `DELETE /api/push/subscriptions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushUnsubscribeRequest {
    pub endpoint: String,
}

/// Why a push was sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PushReason {
    /// A new message in a direct chat.
    Direct,
    /// The recipient was named with `@username`.
    Mention,
}

/// The plaintext of one push (JSON, encrypted end to end to the browser): enough for the
/// service worker to show a notification and open the chat, without asking the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushNotice {
    pub reason: PushReason,
    pub chat_id: ChatId,
    /// The group's name; `null` for a direct chat (the sender names it).
    pub chat_name: Option<String>,
    pub message_id: MessageId,
    pub seq: i64,
    pub sender: User,
    /// The message's first [`PUSH_TEXT_CHARS`] characters; for a message of files only, the
    /// first file's name after a paperclip.
    pub text: String,
}

/// Characters of a message a push carries.
pub const PUSH_TEXT_CHARS: usize = 100;
