//! Per-chat seq ordering of fan-out, as pure bookkeeping with time passed in: with several
//! instances, messages of one chat can reach a hub out of commit order, so one after a gap
//! waits (at most [`REORDER_WAIT`]) for the missing one, and edits/deletes wait behind
//! whatever of their chat is held. It releases items through a callback, under the chat's
//! shard lock, so two threads never interleave one chat's releases. It knows nothing of sockets.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chat_protocol::ChatId;

/// How long a message waits for a missing earlier seq of its chat before it goes out anyway
/// (the client then sees the gap and fetches).
pub(super) const REORDER_WAIT: Duration = Duration::from_millis(300);
/// How long a gap may stay open while its messages are read from the database; past this the
/// held messages go out anyway (the client sees the gap and fetches).
pub(super) const GIVE_UP: Duration = Duration::from_secs(3);
/// A chat with nothing held and no traffic for this long is forgotten.
const IDLE_CHAT: Duration = Duration::from_secs(600);
/// Messages stored this recently before a chat's first sight may still be on their way from
/// other instances (past [`GIVE_UP`], with room for clock skew between instances).
pub(super) const IN_FLIGHT: Duration = Duration::from_secs(5);
const SHARDS: usize = 64;

/// A given-up gap remembered for at most this many ranges per chat (oldest forgotten first).
const SKIPPED_RANGES: usize = 32;

/// Where a chat's fan-out stands: the last seq released, and later ones held back until the
/// gap before them closes.
struct ChatOrder<T> {
    last: i64,
    /// Seq ranges never released here (before the first seq seen of the chat, or given up on
    /// when their wait ran out): if those messages come after all, they go out; any other seq
    /// at or below `last` already went out once and is dropped, so a database read racing the
    /// live publication (or a retried send fanned out again) never reaches a socket twice.
    skipped: Vec<(i64, i64)>,
    held: BTreeMap<i64, Held<T>>,
    touched: Instant,
    /// The gap (first missing seq) already reported for filling, so it is asked for once.
    reported: Option<i64>,
    /// First seen with a seq past 1 while other instances publish too: earlier messages may
    /// still be in flight, so everything is held until the database says which (see
    /// [`Reorder::settle`]) or the wait runs out.
    probing: bool,
    /// The highest version of the chat seen here (new messages, edits, deletes): a check
    /// against the database after a possible loss resends what changed after it.
    version: i64,
}

/// A chat being ordered here: the seqs a check against the database may fill, and the highest
/// version seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Tracked {
    pub(crate) gap: Gap,
    pub(crate) version: i64,
}

/// Seqs `from..=to` of `chat` never arrived: read them from the database. A `first_sight`
/// gap asks which of them were stored within [`IN_FLIGHT`] (and so may not have arrived yet);
/// its answer goes to [`Reorder::settle`] before the messages themselves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Gap {
    pub(crate) chat: ChatId,
    pub(crate) from: i64,
    pub(crate) to: i64,
    pub(crate) first_sight: bool,
}

struct Held<T> {
    item: T,
    at: Instant,
    /// Items about this chat that arrived after this message (edits, deletes): they must not
    /// overtake it.
    followers: Vec<T>,
}

impl<T> ChatOrder<T> {
    /// Releases the held messages that follow the last one released without a hole.
    fn release_ready(&mut self, out: &mut impl FnMut(T)) {
        while let Some(entry) = self.held.first_entry() {
            if *entry.key() != self.last + 1 {
                break;
            }
            let (seq, held) = entry.remove_entry();
            self.last = seq;
            held.release(out);
        }
    }

    fn skip(&mut self, from: i64, to: i64) {
        if self.skipped.len() == SKIPPED_RANGES {
            self.skipped.remove(0);
        }
        self.skipped.push((from, to));
    }

    /// Whether `seq` was released past without its message; if so it no longer is.
    fn take_skipped(&mut self, seq: i64) -> bool {
        let Some(index) = self
            .skipped
            .iter()
            .position(|&(from, to)| (from..=to).contains(&seq))
        else {
            return false;
        };
        let (from, to) = self.skipped.remove(index);
        if from < seq {
            self.skipped.push((from, seq - 1));
        }
        if seq < to {
            self.skipped.push((seq + 1, to));
        }
        true
    }
}

impl<T> Held<T> {
    fn release(self, out: &mut impl FnMut(T)) {
        out(self.item);
        for follower in self.followers {
            out(follower);
        }
    }
}

pub(super) struct Reorder<T> {
    shards: Vec<Mutex<HashMap<ChatId, ChatOrder<T>>>>,
    /// Other instances publish into the same chats: a chat first seen past seq 1 may have
    /// earlier messages still on their way here.
    probe_first_sight: bool,
}

impl<T> Default for Reorder<T> {
    fn default() -> Self {
        Self::new(false)
    }
}

impl<T> Reorder<T> {
    pub(super) fn new(probe_first_sight: bool) -> Self {
        Self {
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
            probe_first_sight,
        }
    }

    fn shard(&self, chat: ChatId) -> std::sync::MutexGuard<'_, HashMap<ChatId, ChatOrder<T>>> {
        let index = chat.as_uuid().as_u128() % SHARDS as u128;
        let shard = &self.shards[usize::try_from(index).unwrap_or(0)];
        shard.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Message `seq` of `chat` arrived: released now with every held successor it unblocks,
    /// or held until its predecessor comes (or its wait runs out).
    pub(super) fn arrive(
        &self,
        chat: ChatId,
        seq: i64,
        item: T,
        now: Instant,
        mut out: impl FnMut(T),
    ) {
        let mut chats = self.shard(chat);
        let probe = self.probe_first_sight && seq > 1;
        let state = chats.entry(chat).or_insert_with(|| ChatOrder {
            last: seq - 1,
            skipped: if seq > 1 {
                vec![(1, seq - 1)]
            } else {
                Vec::new()
            },
            held: BTreeMap::new(),
            touched: now,
            reported: None,
            probing: probe,
            version: 0,
        });
        state.touched = now;
        if state.probing {
            state.held.entry(seq).or_insert(Held {
                item,
                at: now,
                followers: Vec::new(),
            });
            return;
        }
        if seq <= state.last {
            // Late (never released here: the client places it by seq) or a repeat (dropped).
            if state.take_skipped(seq) {
                out(item);
            }
            return;
        }
        if state.held.contains_key(&seq) {
            return; // a repeat of one still held
        }
        state.held.insert(
            seq,
            Held {
                item,
                at: now,
                followers: Vec::new(),
            },
        );
        state.release_ready(&mut out);
    }

    /// The answer to a `first_sight` gap: the chat's messages from `from` on may still be in
    /// flight (they follow through [`Reorder::arrive`]), anything before went out long ago.
    pub(super) fn settle(&self, chat: ChatId, from: i64, mut out: impl FnMut(T)) {
        let mut chats = self.shard(chat);
        let Some(state) = chats.get_mut(&chat).filter(|s| s.probing) else {
            return;
        };
        state.probing = false;
        let first_held = state.held.keys().next().copied().unwrap_or(from);
        state.last = from.min(first_held) - 1;
        state.skipped = if state.last >= 1 {
            vec![(1, state.last)]
        } else {
            Vec::new()
        };
        state.release_ready(&mut out);
    }

    /// Notes that an event of `chat` at `version` went through (or is held) here.
    pub(super) fn saw_version(&self, chat: ChatId, version: i64) {
        if let Some(state) = self.shard(chat).get_mut(&chat) {
            state.version = state.version.max(version);
        }
    }

    /// An item about `chat` that must not overtake any message of the chat held so far.
    pub(super) fn follow(&self, chat: ChatId, item: T, mut out: impl FnMut(T)) {
        let mut chats = self.shard(chat);
        match chats
            .get_mut(&chat)
            .and_then(|s| s.held.values_mut().next_back())
        {
            Some(last_held) => last_held.followers.push(item),
            None => out(item),
        }
    }

    /// Every chat being ordered, with the seqs a check against the database may fill (from
    /// the one after the last released, up to the first one held, or without limit) and the
    /// highest version seen.
    pub(super) fn tracked(&self) -> Vec<Tracked> {
        let mut tracked = Vec::new();
        for shard in &self.shards {
            let chats = shard.lock().unwrap_or_else(|p| p.into_inner());
            for (chat, state) in chats.iter().filter(|(_, s)| !s.probing) {
                let to = state.held.keys().next().map_or(i64::MAX, |first| first - 1);
                tracked.push(Tracked {
                    gap: Gap {
                        chat: *chat,
                        from: state.last + 1,
                        to,
                        first_sight: false,
                    },
                    version: state.version,
                });
            }
        }
        tracked
    }

    /// Reports gaps open longer than [`REORDER_WAIT`] (once each) so their messages can be
    /// read from the database and handed in with [`Reorder::arrive`]; releases held messages
    /// whose gap outlived [`GIVE_UP`]; forgets idle chats.
    pub(super) fn flush_overdue(&self, now: Instant, mut out: impl FnMut(T)) -> Vec<Gap> {
        let mut gaps = Vec::new();
        for shard in &self.shards {
            let mut chats = shard.lock().unwrap_or_else(|p| p.into_inner());
            for (chat, state) in chats.iter_mut() {
                let Some((&first, held)) = state.held.iter().next() else {
                    continue;
                };
                let waited = now.duration_since(held.at);
                if state.probing && waited < GIVE_UP {
                    if state.reported.is_none() {
                        state.reported = Some(first);
                        gaps.push(Gap {
                            chat: *chat,
                            from: 1,
                            to: first - 1,
                            first_sight: true,
                        });
                    }
                    continue;
                }
                if waited >= GIVE_UP {
                    if state.probing {
                        // The database never answered: go on from what is here.
                        state.probing = false;
                        state.last = first - 1;
                    }
                    for (seq, held) in std::mem::take(&mut state.held) {
                        if seq > state.last + 1 {
                            state.skip(state.last + 1, seq - 1);
                        }
                        state.last = state.last.max(seq);
                        held.release(&mut out);
                    }
                } else if waited >= REORDER_WAIT && state.reported != Some(state.last + 1) {
                    state.reported = Some(state.last + 1);
                    gaps.push(Gap {
                        chat: *chat,
                        from: state.last + 1,
                        to: first - 1,
                        first_sight: false,
                    });
                }
            }
            chats.retain(|_, s| !s.held.is_empty() || now.duration_since(s.touched) < IDLE_CHAT);
        }
        gaps
    }
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;

    fn chat() -> ChatId {
        ChatId::from(Uuid::new_v4())
    }

    #[test]
    fn holds_messages_after_a_gap_until_it_closes() {
        let (order, chat, now) = (Reorder::default(), chat(), Instant::now());
        let mut out = Vec::new();
        for seq in [5, 7, 8] {
            order.arrive(chat, seq, seq, now, |i| out.push(i));
        }
        assert_eq!(out, [5], "7 and 8 wait for 6");
        order.arrive(chat, 6, 6, now, |i| out.push(i));
        assert_eq!(out, [5, 6, 7, 8]);
        order.arrive(chat, 4, 4, now, |i| out.push(i));
        assert_eq!(out, [5, 6, 7, 8, 4], "late ones still go out");
        order.arrive(chat, 4, 4, now, |i| out.push(i));
        assert_eq!(out, [5, 6, 7, 8, 4], "once");
    }

    #[test]
    fn followers_never_overtake_held_messages() {
        let (order, chat, now) = (Reorder::default(), chat(), Instant::now());
        let mut out = Vec::new();
        order.arrive(chat, 5, "5", now, |i| out.push(i));
        order.arrive(chat, 7, "7", now, |i| out.push(i));
        order.follow(chat, "edit 7", |i| out.push(i));
        assert_eq!(out, ["5"]);
        order.arrive(chat, 6, "6", now, |i| out.push(i));
        assert_eq!(out, ["5", "6", "7", "edit 7"]);
        order.follow(chat, "edit 6", |i| out.push(i));
        assert_eq!(
            out.last(),
            Some(&"edit 6"),
            "nothing held: goes out at once"
        );
        order.follow(ChatId::from(Uuid::new_v4()), "unknown chat", |i| {
            out.push(i)
        });
        assert_eq!(out.last(), Some(&"unknown chat"));
    }

    #[test]
    fn held_messages_go_out_when_their_wait_ends() {
        let (order, chat, start) = (Reorder::default(), chat(), Instant::now());
        let mut out = Vec::new();
        order.arrive(chat, 1, 1, start, |i| out.push(i));
        order.arrive(chat, 3, 3, start, |i| out.push(i));
        order.follow(chat, 30, |i| out.push(i));
        assert!(
            order
                .flush_overdue(start + REORDER_WAIT / 2, |i| out.push(i))
                .is_empty()
        );
        assert_eq!(out, [1]);
        let gaps = order.flush_overdue(start + REORDER_WAIT, |i| out.push(i));
        assert_eq!(
            gaps,
            [Gap {
                chat,
                from: 2,
                to: 2,
                first_sight: false
            }],
            "the missing seq is asked for"
        );
        assert!(
            order
                .flush_overdue(start + REORDER_WAIT * 2, |i| out.push(i))
                .is_empty(),
            "once"
        );
        assert_eq!(out, [1], "still held while it is read");
        order.flush_overdue(start + GIVE_UP, |i| out.push(i));
        assert_eq!(out, [1, 3, 30]);
        order.arrive(chat, 4, 4, start + GIVE_UP, |i| out.push(i));
        assert_eq!(out, [1, 3, 30, 4], "the gap was given up on: 4 follows 3");
        order.arrive(chat, 2, 2, start + GIVE_UP, |i| out.push(i));
        assert_eq!(out, [1, 3, 30, 4, 2], "the given-up message still goes out");
        order.arrive(chat, 2, 2, start + GIVE_UP, |i| out.push(i));
        assert_eq!(out, [1, 3, 30, 4, 2], "but once");
    }

    #[test]
    fn repeats_go_out_once() {
        let (order, chat, now) = (Reorder::default(), chat(), Instant::now());
        let mut out = Vec::new();
        for seq in [1, 2, 4, 4, 2, 3, 3, 4, 1] {
            order.arrive(chat, seq, seq, now, |i| out.push(i));
        }
        assert_eq!(
            out,
            [1, 2, 3, 4],
            "database copies racing live ones, retried sends"
        );
    }

    #[test]
    fn a_filled_gap_releases_in_order() {
        let (order, chat, start) = (Reorder::default(), chat(), Instant::now());
        let mut out = Vec::new();
        order.arrive(chat, 1, 1, start, |i| out.push(i));
        for seq in [4, 5] {
            order.arrive(chat, seq, seq, start, |i| out.push(i));
        }
        let gaps = order.flush_overdue(start + REORDER_WAIT, |i| out.push(i));
        assert_eq!(
            gaps,
            [Gap {
                chat,
                from: 2,
                to: 3,
                first_sight: false
            }]
        );
        // The database's copies arrive like any message.
        for seq in [2, 3] {
            order.arrive(chat, seq, seq, start + REORDER_WAIT, |i| out.push(i));
        }
        assert_eq!(out, [1, 2, 3, 4, 5]);
    }

    #[test]
    fn a_chat_first_seen_past_seq_one_waits_for_what_is_in_flight() {
        let (order, chat, now) = (Reorder::new(true), chat(), Instant::now());
        let mut out = Vec::new();
        order.arrive(chat, 4, 4, now, |i| out.push(i));
        order.arrive(chat, 2, 2, now, |i| out.push(i));
        order.follow(chat, 40, |i| out.push(i));
        assert!(out.is_empty(), "held until the database answers");
        let gaps = order.flush_overdue(now, |i| out.push(i));
        assert_eq!(
            gaps,
            [Gap {
                chat,
                from: 1,
                to: 1,
                first_sight: true
            }]
        );
        assert!(
            order.flush_overdue(now, |i| out.push(i)).is_empty(),
            "asked once"
        );
        assert!(order.tracked().is_empty(), "not compared while probing");
        // Stored recently: 2 and 3 (1 is old, delivered long ago).
        order.settle(chat, 2, |i| out.push(i));
        assert_eq!(out, [2]);
        for seq in [2, 3] {
            order.arrive(chat, seq, seq, now, |i| out.push(i));
        }
        assert_eq!(out, [2, 3, 4, 40]);
        order.arrive(chat, 1, 1, now, |i| out.push(i));
        assert_eq!(out, [2, 3, 4, 40, 1], "an old straggler still goes out");
    }

    #[test]
    fn a_probe_nobody_answers_gives_up_in_order() {
        let (order, chat, start) = (Reorder::new(true), chat(), Instant::now());
        let mut out = Vec::new();
        for seq in [7, 5] {
            order.arrive(chat, seq, seq, start, |i| out.push(i));
        }
        order.flush_overdue(start, |i| out.push(i));
        order.flush_overdue(start + GIVE_UP, |i| out.push(i));
        assert_eq!(out, [5, 7]);
        order.arrive(chat, 8, 8, start + GIVE_UP, |i| out.push(i));
        order.arrive(chat, 6, 6, start + GIVE_UP, |i| out.push(i));
        assert_eq!(
            out,
            [5, 7, 8, 6],
            "6 was given up on, so it still goes out once"
        );
    }

    #[test]
    fn tracked_chats_carry_the_highest_version_seen() {
        let (order, chat, now) = (Reorder::default(), chat(), Instant::now());
        order.saw_version(chat, 9);
        assert!(
            order.tracked().is_empty(),
            "an edit alone starts no tracking"
        );
        order.arrive(chat, 1, 1, now, |_| {});
        order.saw_version(chat, 3);
        order.saw_version(chat, 2);
        let tracked = order.tracked();
        assert_eq!(tracked.len(), 1);
        assert_eq!((tracked[0].gap.from, tracked[0].version), (2, 3));
    }

    #[test]
    fn idle_chats_are_forgotten() {
        let (order, chat, start) = (Reorder::default(), chat(), Instant::now());
        let mut out = Vec::new();
        order.arrive(chat, 10, 10, start, |i| out.push(i));
        order.flush_overdue(start + IDLE_CHAT, |i| out.push(i));
        order.arrive(chat, 20, 20, start + IDLE_CHAT, |i| out.push(i));
        assert_eq!(
            out,
            [10, 20],
            "a forgotten chat starts over at whatever comes next"
        );
    }
}
