//! The sockets open on this instance, by user. Delivery never waits on a socket: each one has a
//! bounded queue, and a socket whose queue is full is cut loose (it closes, and its client
//! resumes with `after_seq`), so one slow reader cannot stall others or grow memory.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, RwLock};
use std::time::{Duration, Instant};

use bytestring::ByteString;
use tokio::sync::mpsc;
use uuid::Uuid;

/// Events a socket may have queued before it counts as too slow.
pub const SOCKET_QUEUE: usize = 1024;

struct Conn {
    id: u64,
    tx: mpsc::Sender<ByteString>,
}

/// How long a message waits for a missing earlier seq of its chat before it goes out anyway
/// (the client then sees the gap and fetches).
pub const REORDER_WAIT: Duration = Duration::from_millis(300);
const ORDER_SHARDS: usize = 64;

/// Where a chat's fan-out stands: the last seq handed to sockets, and later ones held back
/// until the gap before them closes.
struct ChatOrder {
    last: i64,
    held: BTreeMap<i64, Held>,
    touched: Instant,
}

struct Held {
    recipients: Vec<Uuid>,
    payload: ByteString,
    at: Instant,
    /// Events about this chat that arrived after this message (edits, deletes): they must not
    /// overtake it.
    followers: Vec<(Vec<Uuid>, ByteString)>,
}

pub struct Hub {
    by_user: RwLock<HashMap<Uuid, Vec<Conn>>>,
    order: Vec<Mutex<HashMap<Uuid, ChatOrder>>>,
    next_id: AtomicU64,
    pub delivered: AtomicU64,
    pub dropped_slow: AtomicU64,
}

impl Default for Hub {
    fn default() -> Self {
        Self {
            by_user: RwLock::default(),
            order: (0..ORDER_SHARDS).map(|_| Mutex::default()).collect(),
            next_id: AtomicU64::new(0),
            delivered: AtomicU64::new(0),
            dropped_slow: AtomicU64::new(0),
        }
    }
}

/// A socket's registration; dropping it unregisters, whatever path the socket loop ends by.
pub struct Registration<'a> {
    hub: &'a Hub,
    user: Uuid,
    id: u64,
}

impl Drop for Registration<'_> {
    fn drop(&mut self) {
        self.hub.remove(self.user, self.id);
    }
}

impl Hub {
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers a socket of `user`; events for the user arrive on the returned receiver.
    pub fn register(&self, user: Uuid) -> (Registration<'_>, mpsc::Receiver<ByteString>) {
        let (tx, rx) = mpsc::channel(SOCKET_QUEUE);
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        self.write().entry(user).or_default().push(Conn { id, tx });
        (
            Registration {
                hub: self,
                user,
                id,
            },
            rx,
        )
    }

    fn remove(&self, user: Uuid, id: u64) {
        let mut map = self.write();
        if let Some(conns) = map.get_mut(&user) {
            conns.retain(|c| c.id != id);
            if conns.is_empty() {
                map.remove(&user);
            }
        }
    }

    /// Queues `payload` on every local socket of every recipient.
    pub fn deliver(&self, recipients: &[Uuid], payload: &ByteString) {
        let mut slow = Vec::new();
        {
            let map = self.by_user.read().unwrap_or_else(|p| p.into_inner());
            for user in recipients {
                for conn in map.get(user).into_iter().flatten() {
                    match conn.tx.try_send(payload.clone()) {
                        Ok(()) => {
                            self.delivered.fetch_add(1, Ordering::Relaxed);
                        }
                        Err(mpsc::error::TrySendError::Full(_)) => slow.push((*user, conn.id)),
                        Err(mpsc::error::TrySendError::Closed(_)) => {}
                    }
                }
            }
        }
        for (user, id) in slow {
            // Dropping the sender ends the socket's queue; its loop then closes it.
            tracing::warn!(%user, "socket too slow for its events; disconnecting it");
            self.dropped_slow.fetch_add(1, Ordering::Relaxed);
            self.remove(user, id);
        }
    }

    /// Delivers message `seq` of `chat` in seq order: with several instances, messages of one
    /// chat can arrive out of commit order, so a message after a gap waits (at most
    /// [`REORDER_WAIT`]) for the missing one. Runs under the chat's shard lock so two threads
    /// cannot interleave one chat's deliveries.
    pub fn deliver_in_order(
        &self,
        chat: Uuid,
        seq: i64,
        recipients: Vec<Uuid>,
        payload: ByteString,
    ) {
        let now = Instant::now();
        let shard = &self.order[(chat.as_u128() % ORDER_SHARDS as u128) as usize];
        let mut chats = shard.lock().unwrap_or_else(|p| p.into_inner());
        let state = chats.entry(chat).or_insert_with(|| ChatOrder {
            last: seq - 1,
            held: BTreeMap::new(),
            touched: now,
        });
        state.touched = now;
        if seq <= state.last {
            // Late (its wait ran out) or a repeat: the client places it by seq.
            self.deliver(&recipients, &payload);
            return;
        }
        state.held.insert(
            seq,
            Held {
                recipients,
                payload,
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
            self.release(held);
        }
    }

    /// Delivers an event about `chat` (an edit, a delete) after every message of the chat held
    /// back so far, so it never overtakes the message it is about.
    pub fn deliver_after(&self, chat: Uuid, recipients: Vec<Uuid>, payload: ByteString) {
        let shard = &self.order[(chat.as_u128() % ORDER_SHARDS as u128) as usize];
        let mut chats = shard.lock().unwrap_or_else(|p| p.into_inner());
        match chats
            .get_mut(&chat)
            .and_then(|s| s.held.values_mut().next_back())
        {
            Some(last_held) => last_held.followers.push((recipients, payload)),
            None => self.deliver(&recipients, &payload),
        }
    }

    fn release(&self, held: Held) {
        self.deliver(&held.recipients, &held.payload);
        for (recipients, payload) in held.followers {
            self.deliver(&recipients, &payload);
        }
    }

    /// Sends held messages whose wait ran out, and forgets chats idle for ten minutes.
    pub fn flush_overdue(&self) {
        let now = Instant::now();
        for shard in &self.order {
            let mut chats = shard.lock().unwrap_or_else(|p| p.into_inner());
            for state in chats.values_mut() {
                let overdue = state
                    .held
                    .values()
                    .next()
                    .is_some_and(|held| now.duration_since(held.at) >= REORDER_WAIT);
                if overdue {
                    for (seq, held) in std::mem::take(&mut state.held) {
                        state.last = state.last.max(seq);
                        self.release(held);
                    }
                }
            }
            chats.retain(|_, s| {
                !s.held.is_empty() || now.duration_since(s.touched) < Duration::from_secs(600)
            });
        }
    }

    /// Queues `payload` on every local socket of every user (e.g. `resync`).
    pub fn deliver_all(&self, payload: &ByteString) {
        let users: Vec<Uuid> = self
            .by_user
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .keys()
            .copied()
            .collect();
        self.deliver(&users, payload);
    }

    #[cfg(test)]
    pub fn socket_count(&self) -> usize {
        self.by_user
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .map(Vec::len)
            .sum()
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, HashMap<Uuid, Vec<Conn>>> {
        self.by_user.write().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delivers_to_every_socket_of_recipients_only() {
        let hub = Hub::new();
        let (alice, bob, carol) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        let (_a1, mut rx_a1) = hub.register(alice);
        let (_a2, mut rx_a2) = hub.register(alice);
        let (_c, mut rx_c) = hub.register(carol);
        hub.deliver(&[alice, bob], &ByteString::from("hi"));
        assert_eq!(rx_a1.try_recv().unwrap(), "hi");
        assert_eq!(rx_a2.try_recv().unwrap(), "hi");
        assert!(rx_c.try_recv().is_err());
    }

    fn drain(rx: &mut mpsc::Receiver<ByteString>) -> Vec<String> {
        let mut got = Vec::new();
        while let Ok(p) = rx.try_recv() {
            got.push(p.to_string());
        }
        got
    }

    #[test]
    fn holds_messages_after_a_gap_until_it_closes() {
        let hub = Hub::new();
        let (user, chat) = (Uuid::new_v4(), Uuid::new_v4());
        let (_reg, mut rx) = hub.register(user);
        let send = |seq: i64| {
            hub.deliver_in_order(chat, seq, vec![user], ByteString::from(seq.to_string()))
        };
        send(5);
        send(7);
        send(8);
        assert_eq!(drain(&mut rx), ["5"], "7 and 8 wait for 6");
        send(6);
        assert_eq!(drain(&mut rx), ["6", "7", "8"]);
        send(4);
        assert_eq!(drain(&mut rx), ["4"], "late ones still go out");
    }

    #[test]
    fn edits_never_overtake_held_messages() {
        let hub = Hub::new();
        let (user, chat) = (Uuid::new_v4(), Uuid::new_v4());
        let (_reg, mut rx) = hub.register(user);
        hub.deliver_in_order(chat, 5, vec![user], ByteString::from("5"));
        hub.deliver_in_order(chat, 7, vec![user], ByteString::from("7"));
        hub.deliver_after(chat, vec![user], ByteString::from("edit 7"));
        assert_eq!(drain(&mut rx), ["5"]);
        hub.deliver_in_order(chat, 6, vec![user], ByteString::from("6"));
        assert_eq!(drain(&mut rx), ["6", "7", "edit 7"]);
        hub.deliver_after(chat, vec![user], ByteString::from("edit 6"));
        assert_eq!(drain(&mut rx), ["edit 6"], "nothing held: goes out at once");
    }

    #[test]
    fn held_messages_go_out_when_their_wait_ends() {
        let hub = Hub::new();
        let (user, chat) = (Uuid::new_v4(), Uuid::new_v4());
        let (_reg, mut rx) = hub.register(user);
        hub.deliver_in_order(chat, 1, vec![user], ByteString::from("1"));
        hub.deliver_in_order(chat, 3, vec![user], ByteString::from("3"));
        hub.flush_overdue();
        assert_eq!(drain(&mut rx), ["1"]);
        std::thread::sleep(REORDER_WAIT);
        hub.flush_overdue();
        assert_eq!(drain(&mut rx), ["3"]);
        hub.deliver_in_order(chat, 4, vec![user], ByteString::from("4"));
        assert_eq!(drain(&mut rx), ["4"]);
    }

    #[test]
    fn unregisters_on_drop_and_cuts_slow_sockets() {
        let hub = Hub::new();
        let user = Uuid::new_v4();
        {
            let (_reg, _rx) = hub.register(user);
            assert_eq!(hub.socket_count(), 1);
        }
        assert_eq!(hub.socket_count(), 0);

        let (_reg, mut rx) = hub.register(user);
        for _ in 0..=SOCKET_QUEUE {
            hub.deliver(&[user], &ByteString::from("x"));
        }
        assert_eq!(hub.socket_count(), 0, "the slow socket was cut loose");
        assert_eq!(hub.dropped_slow.load(Ordering::Relaxed), 1);
        let mut queued = 0;
        while rx.try_recv().is_ok() {
            queued += 1;
        }
        assert_eq!(queued, SOCKET_QUEUE);
        assert!(matches!(
            rx.try_recv(),
            Err(mpsc::error::TryRecvError::Disconnected)
        ));
    }
}
