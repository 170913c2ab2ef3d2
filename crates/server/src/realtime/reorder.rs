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
const SHARDS: usize = 64;

/// Where a chat's fan-out stands: the last seq released, and later ones held back until the
/// gap before them closes.
struct ChatOrder<T> {
    last: i64,
    held: BTreeMap<i64, Held<T>>,
    touched: Instant,
    /// The gap (first missing seq) already reported for filling, so it is asked for once.
    reported: Option<i64>,
}

/// Seqs `from..=to` of `chat` never arrived: read them from the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Gap {
    pub(crate) chat: ChatId,
    pub(crate) from: i64,
    pub(crate) to: i64,
}

struct Held<T> {
    item: T,
    at: Instant,
    /// Items about this chat that arrived after this message (edits, deletes): they must not
    /// overtake it.
    followers: Vec<T>,
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
}

impl<T> Default for Reorder<T> {
    fn default() -> Self {
        Self {
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
        }
    }
}

impl<T> Reorder<T> {
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
        let state = chats.entry(chat).or_insert_with(|| ChatOrder {
            last: seq - 1,
            held: BTreeMap::new(),
            touched: now,
            reported: None,
        });
        state.touched = now;
        if seq <= state.last {
            // Late (its wait ran out) or a repeat: the client places it by seq.
            out(item);
            return;
        }
        state.held.insert(
            seq,
            Held {
                item,
                at: now,
                followers: Vec::new(),
            },
        );
        while let Some(entry) = state.held.first_entry() {
            if *entry.key() != state.last + 1 {
                break;
            }
            let (seq, held) = entry.remove_entry();
            state.last = seq;
            held.release(&mut out);
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

    /// Every chat being ordered, with the seqs a check against the database may fill: from
    /// the one after the last released, up to the first one held (or without limit).
    pub(super) fn tracked(&self) -> Vec<Gap> {
        let mut tracked = Vec::new();
        for shard in &self.shards {
            let chats = shard.lock().unwrap_or_else(|p| p.into_inner());
            for (chat, state) in chats.iter() {
                let to = state.held.keys().next().map_or(i64::MAX, |first| first - 1);
                tracked.push(Gap {
                    chat: *chat,
                    from: state.last + 1,
                    to,
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
                if waited >= GIVE_UP {
                    for (seq, held) in std::mem::take(&mut state.held) {
                        state.last = state.last.max(seq);
                        held.release(&mut out);
                    }
                } else if waited >= REORDER_WAIT && state.reported != Some(state.last + 1) {
                    state.reported = Some(state.last + 1);
                    gaps.push(Gap {
                        chat: *chat,
                        from: state.last + 1,
                        to: first - 1,
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
                to: 2
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
                to: 3
            }]
        );
        // The database's copies arrive like any message.
        for seq in [2, 3] {
            order.arrive(chat, seq, seq, start + REORDER_WAIT, |i| out.push(i));
        }
        assert_eq!(out, [1, 2, 3, 4, 5]);
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
