//! Who is online: a user is online while at least one of their sockets is open, on any
//! instance. The first open and the last close are what `presence` events announce.
//!
//! Every instance counts its own sockets; with Redis, each instance also keeps an expiring
//! entry per local user there, renewed by a heartbeat, so the global first-open/last-close are
//! decided atomically in Redis and a crashed instance's users expire. When Redis cannot be
//! reached, answers fall back to this instance's own sockets.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use chat_protocol::UserId;

use super::redis::RedisPresence;

#[derive(Default)]
struct LocalCounts {
    sockets: Mutex<HashMap<UserId, usize>>,
}

impl LocalCounts {
    /// Counts one more socket; true when it is the user's first on this instance.
    fn opened(&self, user: UserId) -> bool {
        let mut sockets = self.lock();
        let count = sockets.entry(user).or_insert(0);
        *count += 1;
        *count == 1
    }

    /// Counts one socket less; true when it was the user's last on this instance.
    fn closed(&self, user: UserId) -> bool {
        let mut sockets = self.lock();
        match sockets.get_mut(&user) {
            Some(count) if *count > 1 => {
                *count -= 1;
                false
            }
            Some(_) => {
                sockets.remove(&user);
                true
            }
            None => false,
        }
    }

    fn is_online(&self, user: UserId) -> bool {
        self.lock().contains_key(&user)
    }

    fn users(&self) -> Vec<UserId> {
        self.lock().keys().copied().collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<UserId, usize>> {
        self.sockets.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Each user's socket edges (first open: true, last close: false) waiting to be settled
/// globally and announced. One worker per user drains them in order, so a close and a quick
/// reopen can never be announced the wrong way round.
#[derive(Default)]
struct Edges {
    queued: Mutex<HashMap<UserId, VecDeque<bool>>>,
}

impl Edges {
    /// Queues an edge; true when no worker is draining the user's edges (start one).
    fn push(&self, user: UserId, online: bool) -> bool {
        let mut queued = self.queued.lock().unwrap_or_else(|p| p.into_inner());
        match queued.get_mut(&user) {
            Some(edges) => {
                edges.push_back(online);
                false
            }
            None => {
                queued.insert(user, VecDeque::from([online]));
                true
            }
        }
    }

    /// The user's next edge; `None` (and the worker ends) when there is none.
    fn next(&self, user: UserId) -> Option<bool> {
        let mut queued = self.queued.lock().unwrap_or_else(|p| p.into_inner());
        let edges = queued.get_mut(&user)?;
        let next = edges.pop_front();
        if next.is_none() {
            queued.remove(&user);
        }
        next
    }
}

pub(crate) struct Presence {
    local: LocalCounts,
    shared: Option<RedisPresence>,
    edges: Edges,
}

impl Presence {
    pub(crate) fn local() -> Self {
        Self {
            local: LocalCounts::default(),
            shared: None,
            edges: Edges::default(),
        }
    }

    pub(crate) fn shared(redis: RedisPresence) -> Self {
        Self {
            local: LocalCounts::default(),
            shared: Some(redis),
            edges: Edges::default(),
        }
    }

    pub(crate) fn heartbeat_interval(&self) -> Option<std::time::Duration> {
        self.shared.as_ref().map(RedisPresence::heartbeat_interval)
    }

    /// Counts a socket of `user` on this instance, at once; true when it is the first here.
    pub(crate) fn opened_here(&self, user: UserId) -> bool {
        self.local.opened(user)
    }

    /// Uncounts a socket of `user`; true when it was the last one here.
    pub(crate) fn closed_here(&self, user: UserId) -> bool {
        self.local.closed(user)
    }

    /// Queues a first open (`true`) or last close here for settling; true when the caller
    /// must start the user's worker, which takes edges with [`Presence::next_edge`].
    pub(crate) fn queue_edge(&self, user: UserId, online: bool) -> bool {
        self.edges.push(user, online)
    }

    /// The user's next queued edge, in order; `None` ends the worker.
    pub(crate) fn next_edge(&self, user: UserId) -> Option<bool> {
        self.edges.next(user)
    }

    /// After this instance's first socket of `user`: true when the user just came online
    /// everywhere (always, without Redis).
    pub(crate) async fn came_online(&self, user: UserId) -> bool {
        match &self.shared {
            None => true,
            Some(shared) => shared.opened(user).await.unwrap_or_else(|e| {
                tracing::warn!(error = %e, "presence: Redis unreachable, answering locally");
                true
            }),
        }
    }

    /// After this instance's last socket of `user` closed: true when the user is now offline
    /// everywhere.
    pub(crate) async fn went_offline(&self, user: UserId) -> bool {
        match &self.shared {
            None => true,
            Some(shared) => shared.closed(user).await.unwrap_or_else(|e| {
                tracing::warn!(error = %e, "presence: Redis unreachable, answering locally");
                true
            }),
        }
    }

    pub(crate) async fn online(&self, users: &[UserId]) -> Vec<bool> {
        let local: Vec<bool> = users.iter().map(|u| self.local.is_online(*u)).collect();
        let Some(shared) = &self.shared else {
            return local;
        };
        match shared.online(users).await {
            Ok(global) => global.iter().zip(&local).map(|(g, l)| *g || *l).collect(),
            Err(e) => {
                tracing::warn!(error = %e, "presence: Redis unreachable, answering locally");
                local
            }
        }
    }

    /// Renews this instance's presence entries and reaps other instances' expired ones;
    /// returns users who went offline everywhere (to announce). Nothing to do without Redis.
    pub(crate) async fn heartbeat(&self) -> Vec<UserId> {
        let Some(shared) = &self.shared else {
            return Vec::new();
        };
        match shared.heartbeat(&self.local.users()).await {
            Ok(offline) => offline,
            Err(e) => {
                tracing::debug!(error = %e, "presence heartbeat failed");
                Vec::new()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;

    #[tokio::test]
    async fn first_open_and_last_close() {
        let presence = Presence::local();
        let user = UserId::from(Uuid::new_v4());
        assert!(presence.opened_here(user) && presence.came_online(user).await);
        assert!(!presence.opened_here(user));
        assert_eq!(presence.online(&[user]).await, vec![true]);
        assert!(!presence.closed_here(user));
        assert!(presence.closed_here(user) && presence.went_offline(user).await);
        assert_eq!(presence.online(&[user]).await, vec![false]);
        assert!(!presence.closed_here(user), "extra close is harmless");
    }

    #[test]
    fn edges_drain_in_order_with_one_worker() {
        let presence = Presence::local();
        let user = UserId::from(Uuid::new_v4());
        assert!(presence.queue_edge(user, false), "start a worker");
        assert!(!presence.queue_edge(user, true), "one is running");
        assert_eq!(presence.next_edge(user), Some(false));
        assert_eq!(presence.next_edge(user), Some(true));
        assert_eq!(presence.next_edge(user), None, "the worker ends");
        assert!(
            presence.queue_edge(user, true),
            "and the next edge starts another"
        );
    }
}
