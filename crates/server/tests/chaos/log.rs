//! What one chaos client received in one chat, and the judgement of it against the database:
//! pure bookkeeping, so the rules are unit-tested apart from the servers.
//!
//! The rules are the contract's: a connected client gets every `new_message` of its chats
//! without asking, once and in seq order; across a reconnect it resumes (`after_seq` for
//! messages, `after_version` for edits and deletes). So a live message is judged per
//! connection (a repeat on the same socket is a duplicate, a lower seq than one already
//! received live is out of order, a seq past a hole while nothing was being fetched is a gap),
//! and at the end every stored message must have reached the client (live or by resume) in its
//! final state, without anything fetching it for the check.

use std::collections::{BTreeMap, HashSet};

/// How a message reached the client first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Via {
    Live,
    Resume,
}

/// A message as the client last saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Seen {
    pub(crate) via: Via,
    pub(crate) content: String,
    pub(crate) deleted: bool,
    pub(crate) version: i64,
}

/// Faults found in one chat's live deliveries.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Faults {
    /// The same seq twice on one socket.
    pub(crate) duplicates: u64,
    /// A seq lower than one the socket had already delivered live.
    pub(crate) out_of_order: u64,
    /// A seq past a hole while no fetch was under way (the server let a message go missing).
    pub(crate) gaps: u64,
}

impl Faults {
    pub(crate) fn add(&mut self, other: Faults) {
        self.duplicates += other.duplicates;
        self.out_of_order += other.out_of_order;
        self.gaps += other.gaps;
    }

    pub(crate) fn subtract(&mut self, earlier: Faults) {
        self.duplicates -= earlier.duplicates;
        self.out_of_order -= earlier.out_of_order;
        self.gaps -= earlier.gaps;
    }
}

#[derive(Debug, Default)]
pub(crate) struct ChatLog {
    messages: BTreeMap<i64, Seen>,
    /// Every seq before this one has been delivered.
    contiguous: i64,
    max_version: i64,
    /// This socket's live deliveries: the highest seq, and every seq (for repeats).
    live_high: i64,
    live_seen: HashSet<i64>,
    /// Fetches under way in this chat: holes are expected until they answer.
    fetching: u32,
    pub(crate) faults: Faults,
    pub(crate) live: u64,
    pub(crate) resumed: u64,
}

impl ChatLog {
    /// A new socket: live judgement starts over.
    pub(crate) fn reconnected(&mut self) {
        self.live_high = 0;
        self.live_seen.clear();
        self.fetching = 0;
    }

    pub(crate) fn fetch_started(&mut self) {
        self.fetching += 1;
    }

    pub(crate) fn fetch_done(&mut self) {
        self.fetching = self.fetching.saturating_sub(1);
    }

    pub(crate) fn contiguous(&self) -> i64 {
        self.contiguous
    }

    pub(crate) fn max_version(&self) -> i64 {
        self.max_version
    }

    /// The answer to the client's own retried send: it comes straight back to the sender,
    /// outside the chat's order (the contract's "answers the sender again"), so it is not
    /// judged as live delivery.
    pub(crate) fn answer(&mut self, seq: i64, content: &str, version: i64) {
        self.record(seq, Via::Live, content, false, version);
    }

    /// A `new_message` on the socket.
    pub(crate) fn live(&mut self, seq: i64, content: &str, version: i64) {
        if !self.live_seen.insert(seq) {
            self.faults.duplicates += 1;
            return;
        }
        if seq < self.live_high {
            self.faults.out_of_order += 1;
        } else if seq > self.contiguous + 1
            && self.fetching == 0
            && !self.messages.contains_key(&seq)
        {
            self.faults.gaps += 1;
        }
        self.live_high = self.live_high.max(seq);
        self.record(seq, Via::Live, content, false, version);
    }

    /// A message from a fetch (a resume by seq or by version).
    pub(crate) fn fetched(&mut self, seq: i64, content: &str, deleted: bool, version: i64) {
        self.record(seq, Via::Resume, content, deleted, version);
    }

    /// A `message_updated` or `message_deleted` on the socket.
    pub(crate) fn changed(&mut self, seq: i64, content: &str, deleted: bool, version: i64) {
        self.max_version = self.max_version.max(version);
        if let Some(seen) = self.messages.get_mut(&seq)
            && version > seen.version
        {
            seen.content = content.to_owned();
            seen.deleted = deleted;
            seen.version = version;
        }
    }

    fn record(&mut self, seq: i64, via: Via, content: &str, deleted: bool, version: i64) {
        self.max_version = self.max_version.max(version);
        match self.messages.get_mut(&seq) {
            Some(seen) => {
                if version > seen.version {
                    seen.content = content.to_owned();
                    seen.deleted = deleted;
                    seen.version = version;
                }
            }
            None => {
                match via {
                    Via::Live => self.live += 1,
                    Via::Resume => self.resumed += 1,
                }
                self.messages.insert(
                    seq,
                    Seen {
                        via,
                        content: content.to_owned(),
                        deleted,
                        version,
                    },
                );
                while self.messages.contains_key(&(self.contiguous + 1)) {
                    self.contiguous += 1;
                }
            }
        }
    }

    /// Compares with the stored messages (seq, content, deleted): how many never arrived, and
    /// how many arrived but show a stale text or a deletion the client never heard of.
    pub(crate) fn judge(&self, stored: &[(i64, String, bool)]) -> (u64, u64) {
        let mut lost = 0;
        let mut stale = 0;
        for (seq, content, deleted) in stored {
            match self.messages.get(seq) {
                None => lost += 1,
                Some(seen)
                    if seen.deleted != *deleted || (!deleted && seen.content != *content) =>
                {
                    stale += 1
                }
                Some(_) => {}
            }
        }
        (lost, stale)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_order_live_delivery_is_clean() {
        let mut log = ChatLog::default();
        for seq in 1..=3 {
            log.live(seq, "x", seq);
        }
        assert_eq!(log.faults, Faults::default());
        assert_eq!((log.contiguous(), log.live), (3, 3));
    }

    #[test]
    fn repeats_holes_and_reversals_are_faults() {
        let mut log = ChatLog::default();
        log.live(1, "a", 1);
        log.live(1, "a", 1);
        log.live(3, "c", 3);
        log.live(2, "b", 2);
        assert_eq!(
            log.faults,
            Faults {
                duplicates: 1,
                out_of_order: 1,
                gaps: 1
            }
        );
        assert_eq!(log.contiguous(), 3);
    }

    #[test]
    fn holes_while_fetching_and_repeats_across_sockets_are_fine() {
        let mut log = ChatLog::default();
        log.live(1, "a", 1);
        log.reconnected();
        log.fetch_started();
        log.live(4, "d", 4);
        log.fetched(2, "b", false, 2);
        log.fetched(3, "c", false, 3);
        log.fetch_done();
        log.live(5, "e", 5);
        log.reconnected();
        log.live(5, "e", 5);
        assert_eq!(log.faults, Faults::default());
        assert_eq!((log.live, log.resumed), (3, 2));
    }

    #[test]
    fn a_retry_answer_is_not_judged() {
        let mut log = ChatLog::default();
        log.live(1, "mine", 1);
        log.live(2, "theirs", 2);
        log.answer(1, "mine", 1);
        log.answer(4, "mine again", 4);
        assert_eq!(log.faults, Faults::default());
        log.live(3, "late", 3);
        assert_eq!(log.faults.out_of_order, 0, "4 came outside the order");
    }

    #[test]
    fn judged_against_the_database() {
        let mut log = ChatLog::default();
        log.live(1, "a", 1);
        log.live(2, "b", 2);
        log.changed(2, "b2", false, 4);
        log.changed(2, "b-old", false, 3);
        log.live(3, "c", 5);
        let stored = vec![
            (1, "a".to_owned(), true),
            (2, "b2".to_owned(), false),
            (3, "c2".to_owned(), false),
            (4, "d".to_owned(), false),
        ];
        assert_eq!(
            log.judge(&stored),
            (1, 2),
            "4 lost; 1's delete and 3's edit missed"
        );
    }
}
