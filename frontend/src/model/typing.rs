//! Typing indicators: who is typing where (each `typing` event counts for a few seconds), and
//! how often this client tells the server that its person is typing. Time is a parameter; no
//! timers or sending here.

use chat_protocol::{ChatId, User, UserId};

/// How long one `typing` event keeps someone shown as typing.
pub(crate) const SHOW_MS: f64 = 4_000.0;
/// At most one `typing` command per chat this often.
pub(crate) const SEND_EVERY_MS: f64 = 2_500.0;

#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct TypingBoard {
    entries: Vec<(ChatId, User, f64)>,
}

impl TypingBoard {
    /// A `typing` event from `user` in `chat` at `now_ms`.
    pub(crate) fn saw(&mut self, chat: ChatId, user: User, now_ms: f64) {
        let until = now_ms + SHOW_MS;
        match self
            .entries
            .iter_mut()
            .find(|(c, u, _)| *c == chat && u.id == user.id)
        {
            Some(entry) => entry.2 = until,
            None => self.entries.push((chat, user, until)),
        }
    }

    /// The user sent a message: they are no longer typing it.
    pub(crate) fn stopped(&mut self, chat: ChatId, user: UserId) {
        self.entries
            .retain(|(c, u, _)| !(*c == chat && u.id == user));
    }

    /// Who types in `chat` at `now_ms`, in the order they started.
    pub(crate) fn who(&self, chat: ChatId, now_ms: f64) -> Vec<String> {
        self.entries
            .iter()
            .filter(|(c, _, until)| *c == chat && *until > now_ms)
            .map(|(_, u, _)| u.username.clone())
            .collect()
    }

    /// Forgets expired entries; true when something was removed.
    pub(crate) fn prune(&mut self, now_ms: f64) -> bool {
        let before = self.entries.len();
        self.entries.retain(|(_, _, until)| *until > now_ms);
        self.entries.len() != before
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// Decides when a keystroke should send a `typing` command.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct TypingThrottle {
    last: Option<(ChatId, f64)>,
}

impl TypingThrottle {
    pub(crate) fn should_send(&mut self, chat: ChatId, now_ms: f64) -> bool {
        let due = match self.last {
            Some((c, at)) => c != chat || now_ms - at >= SEND_EVERY_MS,
            None => true,
        };
        if due {
            self.last = Some((chat, now_ms));
        }
        due
    }

    /// After sending a message the next keystroke announces typing again.
    pub(crate) fn reset(&mut self) {
        self.last = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::{chat_id, user, user_id};

    #[test]
    fn typing_shows_for_a_while_per_chat() {
        let (a, b) = (chat_id(100), chat_id(200));
        let mut board = TypingBoard::default();
        board.saw(a, user(1, "bob"), 0.0);
        board.saw(a, user(2, "eve"), 1_000.0);
        board.saw(b, user(1, "bob"), 0.0);
        assert_eq!(board.who(a, 500.0), vec!["bob", "eve"]);
        assert_eq!(board.who(b, 500.0), vec!["bob"], "chats do not mix");
        assert_eq!(board.who(a, SHOW_MS + 1.0), vec!["eve"]);
        board.saw(a, user(1, "bob"), 3_000.0);
        assert_eq!(board.who(a, SHOW_MS + 1.0), vec!["bob", "eve"]);
        board.stopped(a, user_id(2));
        assert_eq!(board.who(a, 3_500.0), vec!["bob"]);
        assert!(board.prune(3_000.0 + SHOW_MS));
        assert!(board.is_empty());
        assert!(!board.prune(99_999.0));
    }

    #[test]
    fn throttle_sends_at_most_every_interval_per_chat() {
        let (a, b) = (chat_id(100), chat_id(200));
        let mut t = TypingThrottle::default();
        assert!(t.should_send(a, 0.0));
        assert!(!t.should_send(a, 1_000.0));
        assert!(t.should_send(a, SEND_EVERY_MS));
        assert!(t.should_send(b, SEND_EVERY_MS + 1.0), "another chat");
        t.reset();
        assert!(t.should_send(b, SEND_EVERY_MS + 2.0));
    }
}
