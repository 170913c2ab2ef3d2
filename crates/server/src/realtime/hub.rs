//! The sockets open on this instance, by user. Delivery never waits on a socket: each one has a
//! bounded queue, and a socket whose queue is full is cut loose (it closes, and its client
//! resumes with `after_seq`), so one slow reader cannot stall others or grow memory.
//! Ordered delivery (a chat's messages in seq order) goes through [`Reorder`].

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Instant;

use bytestring::ByteString;
use chat_protocol::{ChatId, SessionId, UserId};
use tokio::sync::{mpsc, oneshot};

use super::reorder::{Gap, Reorder, Tracked};

/// Events a socket may have queued before it counts as too slow.
pub(super) const SOCKET_QUEUE: usize = 1024;

/// An event queued for one socket: its encoded JSON, and for a new message when it was stored
/// (Unix milliseconds), so the socket can tell how long fan-out took.
#[derive(Debug, Clone)]
pub(crate) struct Outbound {
    pub payload: ByteString,
    pub stored_at_ms: Option<i64>,
}

struct Conn {
    id: u64,
    tx: mpsc::Sender<Outbound>,
    session: SessionId,
    /// Fired when the socket's session ends.
    ended: Option<oneshot::Sender<()>>,
}

/// A registered socket: its registration (dropping it unregisters), the events queued for it,
/// and a signal that fires when its session ends.
pub(crate) struct SocketLink {
    pub registration: Registration,
    pub events: mpsc::Receiver<Outbound>,
    pub session_ended: oneshot::Receiver<()>,
}

/// The user already has as many sockets as allowed.
#[derive(Debug)]
pub(crate) struct TooManySockets;

/// An event on its way to some users' sockets.
struct Parcel {
    recipients: Vec<UserId>,
    payload: ByteString,
    stored_at_ms: Option<i64>,
}

#[derive(Default)]
pub(super) struct Hub {
    by_user: RwLock<HashMap<UserId, Vec<Conn>>>,
    order: Reorder<Parcel>,
    next_id: AtomicU64,
    delivered: AtomicU64,
    dropped_slow: AtomicU64,
}

/// A socket's registration; dropping it unregisters, whatever path the socket loop ends by.
pub(crate) struct Registration {
    hub: Arc<Hub>,
    user: UserId,
    id: u64,
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.hub.remove(self.user, self.id);
    }
}

impl Hub {
    /// A hub whose chats other instances publish into too (see `Reorder::new`).
    pub(super) fn shared_with_other_instances() -> Self {
        Self {
            order: Reorder::new(true),
            ..Self::default()
        }
    }

    /// Registers a socket of `user` in `session`, unless the user already has `max` sockets
    /// here; events for the user arrive on the link's receiver.
    pub(super) fn register(
        self: &Arc<Self>,
        user: UserId,
        session: SessionId,
        max: usize,
    ) -> Result<SocketLink, TooManySockets> {
        let (tx, events) = mpsc::channel(SOCKET_QUEUE);
        let (ended, session_ended) = oneshot::channel();
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        {
            let mut map = self.write();
            let conns = map.entry(user).or_default();
            if conns.len() >= max {
                return Err(TooManySockets);
            }
            conns.push(Conn {
                id,
                tx,
                session,
                ended: Some(ended),
            });
        }
        Ok(SocketLink {
            registration: Registration {
                hub: self.clone(),
                user,
                id,
            },
            events,
            session_ended,
        })
    }

    /// Tells every local socket of `session` that it ended.
    pub(super) fn end_session(&self, session: SessionId) {
        let mut map = self.write();
        for conn in map.values_mut().flatten() {
            if conn.session == session
                && let Some(ended) = conn.ended.take()
            {
                let _ = ended.send(());
            }
        }
    }

    fn remove(&self, user: UserId, id: u64) {
        let mut map = self.write();
        if let Some(conns) = map.get_mut(&user) {
            conns.retain(|c| c.id != id);
            if conns.is_empty() {
                map.remove(&user);
            }
        }
    }

    /// Queues `payload` on every local socket of every recipient.
    pub(super) fn deliver(&self, recipients: &[UserId], payload: &ByteString) {
        self.deliver_stamped(recipients, payload, None);
    }

    /// Queues `payload` (a new message stored at `stored_at_ms`, if given) on every local socket
    /// of every recipient.
    pub(super) fn deliver_stamped(
        &self,
        recipients: &[UserId],
        payload: &ByteString,
        stored_at_ms: Option<i64>,
    ) {
        let mut slow = Vec::new();
        {
            let map = self.by_user.read().unwrap_or_else(|p| p.into_inner());
            for user in recipients {
                for conn in map.get(user).into_iter().flatten() {
                    let item = Outbound {
                        payload: payload.clone(),
                        stored_at_ms,
                    };
                    match conn.tx.try_send(item) {
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

    /// Delivers message `seq` (at `version`, stored at `stored_at_ms`) of `chat` in seq order
    /// (see [`Reorder`]).
    pub(super) fn deliver_in_order(
        &self,
        chat: ChatId,
        (seq, version): (i64, i64),
        recipients: Vec<UserId>,
        payload: ByteString,
        stored_at_ms: Option<i64>,
    ) {
        let parcel = Parcel {
            recipients,
            payload,
            stored_at_ms,
        };
        self.order
            .arrive(chat, seq, parcel, Instant::now(), |p| self.send(&p));
        self.order.saw_version(chat, version);
    }

    /// Delivers an event about `chat` (an edit, a delete, at `version`) after every message of
    /// the chat held back so far, so it never overtakes the message it is about.
    pub(super) fn deliver_after(
        &self,
        chat: ChatId,
        version: i64,
        recipients: Vec<UserId>,
        payload: ByteString,
    ) {
        let parcel = Parcel {
            recipients,
            payload,
            stored_at_ms: None,
        };
        self.order.follow(chat, parcel, |p| self.send(&p));
        self.order.saw_version(chat, version);
    }

    /// Where a chat first seen here stands (see `Reorder::settle`).
    pub(super) fn settle(&self, chat: ChatId, from: i64) {
        self.order.settle(chat, from, |p| self.send(&p));
    }

    /// Sends held messages whose wait ran out.
    pub(super) fn flush_overdue(&self) -> Vec<Gap> {
        self.order.flush_overdue(Instant::now(), |p| self.send(&p))
    }

    /// The chats being ordered here, the seqs still to come in each and the highest version
    /// seen (see `Reorder::tracked`).
    pub(super) fn tracked(&self) -> Vec<Tracked> {
        self.order.tracked()
    }

    fn send(&self, parcel: &Parcel) {
        self.deliver_stamped(&parcel.recipients, &parcel.payload, parcel.stored_at_ms);
    }

    /// Events queued to local sockets, and sockets cut loose for not keeping up, so far.
    pub(super) fn counts(&self) -> (u64, u64) {
        (
            self.delivered.load(Ordering::Relaxed),
            self.dropped_slow.load(Ordering::Relaxed),
        )
    }

    /// Queues `payload` on every local socket of every user (e.g. `resync`).
    pub(super) fn deliver_all(&self, payload: &ByteString) {
        let users: Vec<UserId> = self
            .by_user
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .keys()
            .copied()
            .collect();
        self.deliver(&users, payload);
    }

    #[cfg(test)]
    pub(super) fn socket_count(&self) -> usize {
        self.by_user
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .map(Vec::len)
            .sum()
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, HashMap<UserId, Vec<Conn>>> {
        self.by_user.write().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;

    fn someone() -> UserId {
        UserId::from(Uuid::new_v4())
    }

    fn session() -> SessionId {
        SessionId::from(Uuid::new_v4())
    }

    fn register(hub: &Arc<Hub>, user: UserId) -> (Registration, mpsc::Receiver<Outbound>) {
        let link = hub
            .register(user, session(), 16)
            .expect("room for a socket");
        (link.registration, link.events)
    }

    #[test]
    fn caps_sockets_per_user_and_ends_sessions() {
        let hub = Arc::new(Hub::default());
        let (user, mine, other) = (someone(), session(), session());
        let first = hub.register(user, mine, 2).expect("first");
        let mut second = hub.register(user, other, 2).expect("second");
        assert!(hub.register(user, mine, 2).is_err(), "a third is refused");
        assert!(
            hub.register(someone(), mine, 2).is_ok(),
            "the cap is per user"
        );
        hub.end_session(mine);
        let mut first_ended = first.session_ended;
        assert!(first_ended.try_recv().is_ok());
        assert!(
            second.session_ended.try_recv().is_err(),
            "other sessions go on"
        );
        drop(first.registration);
        assert!(
            hub.register(user, mine, 2).is_ok(),
            "a closed socket frees its place"
        );
    }

    #[test]
    fn delivers_to_every_socket_of_recipients_only() {
        let hub = Arc::new(Hub::default());
        let (alice, bob, carol) = (someone(), someone(), someone());
        let (_a1, mut rx_a1) = register(&hub, alice);
        let (_a2, mut rx_a2) = register(&hub, alice);
        let (_c, mut rx_c) = register(&hub, carol);
        hub.deliver(&[alice, bob], &ByteString::from("hi"));
        assert_eq!(rx_a1.try_recv().unwrap().payload, "hi");
        assert_eq!(rx_a2.try_recv().unwrap().payload, "hi");
        assert!(rx_c.try_recv().is_err());
        hub.deliver_all(&ByteString::from("all"));
        assert_eq!(rx_c.try_recv().unwrap().payload, "all");
    }

    #[test]
    fn ordered_delivery_reaches_sockets_in_seq_order() {
        let hub = Arc::new(Hub::default());
        let (user, chat) = (someone(), ChatId::from(Uuid::new_v4()));
        let (_reg, mut rx) = register(&hub, user);
        for seq in [1, 3, 2] {
            hub.deliver_in_order(
                chat,
                (seq, seq),
                vec![user],
                ByteString::from(seq.to_string()),
                Some(seq),
            );
        }
        hub.deliver_after(chat, 4, vec![user], ByteString::from("edit"));
        let mut got = Vec::new();
        while let Ok(p) = rx.try_recv() {
            got.push((p.payload.to_string(), p.stored_at_ms));
        }
        let stamped = |seq: i64| (seq.to_string(), Some(seq));
        assert_eq!(
            got,
            [stamped(1), stamped(2), stamped(3), ("edit".into(), None)]
        );
    }

    #[test]
    fn unregisters_on_drop_and_cuts_slow_sockets() {
        let hub = Arc::new(Hub::default());
        let user = someone();
        {
            let (_reg, _rx) = register(&hub, user);
            assert_eq!(hub.socket_count(), 1);
        }
        assert_eq!(hub.socket_count(), 0);
        let (_reg, mut rx) = register(&hub, user);
        for _ in 0..=SOCKET_QUEUE {
            hub.deliver(&[user], &ByteString::from("x"));
        }
        assert_eq!(hub.socket_count(), 0, "the slow socket was cut loose");
        assert_eq!(hub.counts().1, 1);
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
