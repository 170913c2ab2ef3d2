//! The sockets open on this instance, by user. Delivery never waits on a socket: each one has a
//! bounded queue, and a socket whose queue is full is cut loose (it closes, and its client
//! resumes with `after_seq`), so one slow reader cannot stall others or grow memory.

use std::collections::HashMap;
use std::sync::RwLock;
use std::sync::atomic::{AtomicU64, Ordering};

use bytestring::ByteString;
use tokio::sync::mpsc;
use uuid::Uuid;

/// Events a socket may have queued before it counts as too slow.
pub const SOCKET_QUEUE: usize = 1024;

struct Conn {
    id: u64,
    tx: mpsc::Sender<ByteString>,
}

#[derive(Default)]
pub struct Hub {
    by_user: RwLock<HashMap<Uuid, Vec<Conn>>>,
    next_id: AtomicU64,
    pub delivered: AtomicU64,
    pub dropped_slow: AtomicU64,
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

    /// Users with at least one socket here.
    pub fn local_users(&self) -> Vec<Uuid> {
        self.by_user
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .keys()
            .copied()
            .collect()
    }

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
