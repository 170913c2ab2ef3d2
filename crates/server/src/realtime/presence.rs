//! Who is online: a user is online while at least one of their sockets is open. The first open
//! and the last close are what `presence` events announce.

use std::collections::HashMap;
use std::sync::Mutex;

use uuid::Uuid;

pub enum Presence {
    Local(LocalPresence),
}

#[derive(Default)]
pub struct LocalPresence {
    sockets: Mutex<HashMap<Uuid, usize>>,
}

impl LocalPresence {
    fn change(&self, user: Uuid, opened: bool) -> bool {
        let mut sockets = self.sockets.lock().unwrap_or_else(|p| p.into_inner());
        if opened {
            let count = sockets.entry(user).or_insert(0);
            *count += 1;
            *count == 1
        } else {
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
    }

    fn is_online(&self, user: Uuid) -> bool {
        self.sockets
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .contains_key(&user)
    }
}

impl Presence {
    pub fn local() -> Self {
        Self::Local(LocalPresence::default())
    }

    /// A socket of `user` opened; true when the user just came online.
    pub async fn opened(&self, user: Uuid) -> bool {
        match self {
            Self::Local(local) => local.change(user, true),
        }
    }

    /// A socket of `user` closed; true when the user just went offline.
    pub async fn closed(&self, user: Uuid) -> bool {
        match self {
            Self::Local(local) => local.change(user, false),
        }
    }

    pub async fn online(&self, users: &[Uuid]) -> Vec<bool> {
        match self {
            Self::Local(local) => users.iter().map(|u| local.is_online(*u)).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn first_open_and_last_close() {
        let presence = Presence::local();
        let user = Uuid::new_v4();
        assert!(presence.opened(user).await);
        assert!(!presence.opened(user).await);
        assert_eq!(presence.online(&[user]).await, vec![true]);
        assert!(!presence.closed(user).await);
        assert!(presence.closed(user).await);
        assert_eq!(presence.online(&[user]).await, vec![false]);
        assert!(!presence.closed(user).await, "extra close is harmless");
    }
}
