//! Messages typed but not yet confirmed by the server. Each keeps the `client_id` it was first
//! sent with, so a resend after a reconnect (or a retry after a failure) can never store it twice;
//! the server's `new_message` echo carrying that `client_id` removes it. Decides what to send;
//! never sends.

use chat_protocol::time::Timestamp;
use chat_protocol::{Attachment, ChatId, ClientCommand, Message, MessageId};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum PendingState {
    /// Waiting for a connection to send it on.
    Queued,
    /// Sent on the current connection at this time (ms since the epoch); waiting for the echo.
    Sent { at_ms: f64 },
    /// The server refused it or never confirmed it; the person may retry.
    Failed { reason: String },
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Pending {
    pub(crate) client_id: Uuid,
    pub(crate) chat_id: ChatId,
    pub(crate) content: String,
    pub(crate) created_at: Timestamp,
    /// The message this one answers.
    pub(crate) reply_to: Option<MessageId>,
    /// Files already uploaded, sent with it.
    pub(crate) attachments: Vec<Attachment>,
    pub(crate) state: PendingState,
}

impl Pending {
    pub(crate) fn command(&self) -> ClientCommand {
        ClientCommand::NewMessage {
            chat_id: self.chat_id,
            content: self.content.clone(),
            client_id: self.client_id,
            reply_to: self.reply_to,
            attachments: self.attachments.iter().map(|a| a.id).collect(),
        }
    }

    pub(crate) fn is_failed(&self) -> bool {
        matches!(self.state, PendingState::Failed { .. })
    }

    /// A short status under the bubble.
    pub(crate) fn status_label(&self) -> &str {
        match &self.state {
            PendingState::Queued => "waiting for connection…",
            PendingState::Sent { .. } => "sending…",
            PendingState::Failed { reason } => reason,
        }
    }
}

/// A message as the person wrote it, before the outbox takes it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Draft {
    pub(crate) chat_id: ChatId,
    pub(crate) content: String,
    /// Chosen once, kept for every resend.
    pub(crate) client_id: Uuid,
    pub(crate) created_at: Timestamp,
    /// The message this one answers.
    pub(crate) reply_to: Option<MessageId>,
    /// Files already uploaded, sent with it.
    pub(crate) attachments: Vec<Attachment>,
}

/// Whether the socket can take a command right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Link {
    Up,
    Down,
}

/// How long a sent message may wait for its echo before it is shown as failed.
pub(crate) const ECHO_TIMEOUT_MS: f64 = 15_000.0;

#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Outbox {
    items: Vec<Pending>,
}

impl Outbox {
    pub(crate) fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Adds a message the person just sent. If the link is up, it is sent at once (state `Sent`
    /// at `now_ms`) and the command to send is returned.
    pub(crate) fn push(&mut self, draft: Draft, link: Link, now_ms: f64) -> Option<ClientCommand> {
        let pending = Pending {
            client_id: draft.client_id,
            chat_id: draft.chat_id,
            content: draft.content,
            created_at: draft.created_at,
            reply_to: draft.reply_to,
            attachments: draft.attachments,
            state: match link {
                Link::Up => PendingState::Sent { at_ms: now_ms },
                Link::Down => PendingState::Queued,
            },
        };
        let command = (link == Link::Up).then(|| pending.command());
        self.items.push(pending);
        command
    }

    /// The server's echo: removes the pending copy with the same `client_id`.
    pub(crate) fn confirm(&mut self, message: &Message) -> bool {
        let Some(client_id) = message.client_id else {
            return false;
        };
        let before = self.items.len();
        self.items.retain(|p| p.client_id != client_id);
        self.items.len() != before
    }

    /// The server refused the message (an `error` event naming its `client_id`).
    pub(crate) fn fail(&mut self, client_id: Uuid, reason: impl Into<String>) -> bool {
        match self.items.iter_mut().find(|p| p.client_id == client_id) {
            Some(p) => {
                p.state = PendingState::Failed {
                    reason: reason.into(),
                };
                true
            }
            None => false,
        }
    }

    /// The person pressed "retry": the same `client_id` goes out again (or waits, if the link is
    /// down).
    pub(crate) fn retry(
        &mut self,
        client_id: Uuid,
        link: Link,
        now_ms: f64,
    ) -> Option<ClientCommand> {
        let p = self.items.iter_mut().find(|p| p.client_id == client_id)?;
        match link {
            Link::Up => {
                p.state = PendingState::Sent { at_ms: now_ms };
                Some(p.command())
            }
            Link::Down => {
                p.state = PendingState::Queued;
                None
            }
        }
    }

    /// The person gave up on a failed message.
    pub(crate) fn discard(&mut self, client_id: Uuid) -> bool {
        let before = self.items.len();
        self.items.retain(|p| p.client_id != client_id);
        self.items.len() != before
    }

    /// The socket closed: everything not failed waits for the next connection.
    pub(crate) fn connection_lost(&mut self) {
        for p in &mut self.items {
            if matches!(p.state, PendingState::Sent { .. }) {
                p.state = PendingState::Queued;
            }
        }
    }

    /// A new connection is ready: the commands to resend, oldest first, all with their original
    /// `client_id`. Failed messages wait for an explicit retry.
    pub(crate) fn resend_all(&mut self, now_ms: f64) -> Vec<ClientCommand> {
        self.items
            .iter_mut()
            .filter(|p| !p.is_failed())
            .map(|p| {
                p.state = PendingState::Sent { at_ms: now_ms };
                p.command()
            })
            .collect()
    }

    /// Marks messages sent more than [`ECHO_TIMEOUT_MS`] ago as failed; true if any changed.
    pub(crate) fn expire(&mut self, now_ms: f64) -> bool {
        let mut changed = false;
        for p in &mut self.items {
            if let PendingState::Sent { at_ms } = p.state
                && now_ms - at_ms > ECHO_TIMEOUT_MS
            {
                p.state = PendingState::Failed {
                    reason: "not confirmed by the server".into(),
                };
                changed = true;
            }
        }
        changed
    }

    pub(crate) fn for_chat(&self, chat_id: ChatId) -> Vec<Pending> {
        self.items
            .iter()
            .filter(|p| p.chat_id == chat_id)
            .cloned()
            .collect()
    }

    /// The pending message with this `client_id`.
    pub(crate) fn get(&self, client_id: Uuid) -> Option<&Pending> {
        self.items.iter().find(|p| p.client_id == client_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::{chat_id, draft, id, msg};

    fn content_of(cmd: &ClientCommand) -> (Uuid, String) {
        match cmd {
            ClientCommand::NewMessage {
                client_id, content, ..
            } => (*client_id, content.clone()),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn online_push_sends_and_echo_confirms() {
        let mut o = Outbox::default();
        let cmd = o.push(draft(9, "hi", 1), Link::Up, 0.0);
        assert_eq!(content_of(&cmd.expect("sent")), (id(1), "hi".into()));
        assert_eq!(o.for_chat(chat_id(9)).len(), 1);
        assert!(o.for_chat(chat_id(8)).is_empty());
        let mut echo = msg(1, "hi");
        echo.client_id = Some(id(2));
        assert!(!o.confirm(&echo), "another client_id does not match");
        echo.client_id = None;
        assert!(!o.confirm(&echo), "someone else's message does not match");
        echo.client_id = Some(id(1));
        assert!(o.confirm(&echo));
        assert!(o.is_empty());
    }

    #[test]
    fn offline_messages_wait_and_are_resent_with_the_same_client_id() {
        let mut o = Outbox::default();
        assert!(o.push(draft(9, "one", 1), Link::Down, 0.0).is_none());
        assert!(o.push(draft(9, "two", 2), Link::Up, 0.0).is_some());
        o.connection_lost();
        assert!(
            o.for_chat(chat_id(9))
                .iter()
                .all(|p| p.state == PendingState::Queued)
        );
        let resent: Vec<_> = o.resend_all(5.0).iter().map(content_of).collect();
        assert_eq!(resent, vec![(id(1), "one".into()), (id(2), "two".into())]);
        // A second reconnect before the echo sends them again, still with the same ids.
        o.connection_lost();
        assert_eq!(o.resend_all(6.0).len(), 2);
        assert_eq!(o.for_chat(chat_id(9)).len(), 2);
    }

    #[test]
    fn failures_wait_for_retry_and_can_be_discarded() {
        let mut o = Outbox::default();
        o.push(draft(9, "a", 1), Link::Up, 0.0);
        o.push(draft(9, "b", 2), Link::Up, 0.0);
        assert!(o.fail(id(1), "rate limited"));
        assert!(!o.fail(id(3), "nope"));
        assert_eq!(
            o.get(id(1)).map(Pending::status_label),
            Some("rate limited")
        );
        let resent = o.resend_all(1.0);
        assert_eq!(resent.len(), 1, "failed ones are not resent automatically");
        let again = o.retry(id(1), Link::Up, 2.0).expect("retried");
        assert_eq!(content_of(&again).0, id(1));
        assert!(o.retry(id(2), Link::Down, 2.0).is_none());
        assert_eq!(
            o.get(id(2)).map(|p| p.state.clone()),
            Some(PendingState::Queued)
        );
        assert!(o.discard(id(1)));
        assert_eq!(o.for_chat(chat_id(9)).len(), 1);
    }

    #[test]
    fn unconfirmed_sends_expire() {
        let mut o = Outbox::default();
        o.push(draft(9, "a", 1), Link::Up, 1_000.0);
        o.push(draft(9, "b", 2), Link::Down, 1_000.0);
        assert!(!o.expire(1_000.0 + ECHO_TIMEOUT_MS));
        assert!(o.expire(1_001.0 + ECHO_TIMEOUT_MS));
        assert!(o.get(id(1)).is_some_and(Pending::is_failed));
        assert!(
            !o.get(id(2)).is_some_and(Pending::is_failed),
            "queued ones wait"
        );
    }
}
