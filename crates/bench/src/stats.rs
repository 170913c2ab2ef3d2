//! What receivers observe: a latency histogram and, per sender, which message numbers arrived,
//! to count lost, duplicated and out-of-order deliveries.

use std::collections::HashMap;

use hdrhistogram::Histogram;

pub(crate) fn histogram() -> Histogram<u64> {
    // Microseconds, 1 µs .. 100 s, 3 significant figures.
    Histogram::new_with_bounds(1, 100_000_000, 3).expect("valid bounds")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Seen {
    #[default]
    Not,
    /// Through a history page after a reconnect.
    Recovered,
    /// As a live event.
    Live,
}

/// One receiving socket's record.
pub(crate) struct Receipts {
    pub latency_us: Histogram<u64>,
    /// Per sender: how each message number arrived (see `Seen`), and the highest number so far.
    seen: HashMap<usize, (Vec<Seen>, Option<u64>)>,
    last_seq: HashMap<String, i64>,
    pub delivered: u64,
    pub duplicated: u64,
    pub out_of_order: u64,
}

impl Default for Receipts {
    fn default() -> Self {
        Self {
            latency_us: histogram(),
            seen: HashMap::new(),
            last_seq: HashMap::new(),
            delivered: 0,
            duplicated: 0,
            out_of_order: 0,
        }
    }
}

impl Receipts {
    /// Records message `counter` of `sender` in `chat`; `latency_us` is `None` for messages
    /// recovered by a history fetch rather than delivered live.
    pub(crate) fn record(
        &mut self,
        chat: &str,
        seq: Option<i64>,
        sender: usize,
        counter: u64,
        latency_us: Option<u64>,
    ) {
        let (flags, highest) = self.seen.entry(sender).or_default();
        let index = counter as usize;
        if flags.len() <= index {
            flags.resize(index + 1, Seen::Not);
        }
        let live = latency_us.is_some();
        match flags[index] {
            Seen::Not => {}
            // A resuming client's page and the live events on its new socket overlap (either
            // may come first; clients dedupe by id): only a second live delivery is a duplicate.
            Seen::Live if live => {
                self.duplicated += 1;
                return;
            }
            Seen::Recovered if live => {
                flags[index] = Seen::Live;
                return;
            }
            Seen::Live | Seen::Recovered => return,
        }
        flags[index] = if live { Seen::Live } else { Seen::Recovered };
        self.delivered += 1;
        if highest.is_some_and(|h| counter < h) && latency_us.is_some() {
            self.out_of_order += 1;
        }
        *highest = Some(highest.map_or(counter, |h| h.max(counter)));
        if let (Some(seq), Some(_)) = (seq, latency_us) {
            match self.last_seq.get_mut(chat) {
                Some(last) if seq <= *last => self.out_of_order += 1,
                Some(last) => *last = seq,
                None => {
                    self.last_seq.insert(chat.to_owned(), seq);
                }
            }
        }
        if let Some(us) = latency_us {
            let _ = self.latency_us.record(us.max(1));
        }
    }

    pub(crate) fn last_seq(&self, chat: &str) -> Option<i64> {
        self.last_seq.get(chat).copied()
    }

    /// After a history fetch the live order restarts from what was recovered.
    pub(crate) fn set_last_seq(&mut self, chat: &str, seq: i64) {
        let entry = self.last_seq.entry(chat.to_owned()).or_insert(seq);
        *entry = (*entry).max(seq);
    }

    pub(crate) fn merge(&mut self, other: &Receipts) {
        let _ = self.latency_us.add(&other.latency_us);
        self.delivered += other.delivered;
        self.duplicated += other.duplicated;
        self.out_of_order += other.out_of_order;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_duplicates_and_disorder() {
        let mut r = Receipts::default();
        r.record("c", Some(1), 0, 0, Some(10));
        r.record("c", Some(2), 0, 1, Some(10));
        r.record("c", Some(2), 0, 1, Some(10));
        assert_eq!((r.delivered, r.duplicated, r.out_of_order), (2, 1, 0));
        r.record("c", Some(4), 1, 1, Some(10));
        r.record("c", Some(3), 1, 0, Some(10));
        assert_eq!(r.out_of_order, 2, "sender order and seq order both broken");
        r.record("c", Some(3), 2, 5, None);
        assert_eq!(r.out_of_order, 2, "recovered messages are not live order");
        assert_eq!(r.delivered, 5);
        r.record("c", Some(3), 2, 5, None);
        assert_eq!(
            r.duplicated, 1,
            "recovery overlapping live delivery is no duplicate"
        );
    }
}
