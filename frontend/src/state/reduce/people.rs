//! The reducer's part for people: contacts (with presence when they share it), the people I
//! blocked, and direct chats the server closed (a block either way). Pure like the rest of the
//! reducer; the calls are `state`'s.

use chat_protocol::{ChatKind, Contact, User, UserId};
use uuid::Uuid;

use super::{ChatData, Moment};

impl ChatData {
    /// The contact list as fetched.
    pub(crate) fn contacts_fetched(&mut self, list: Vec<Contact>) {
        // `online: null`: that person shares no presence with me (any more).
        for c in &list {
            match c.online {
                Some(online) => self.presence.insert(c.user.id, online),
                None => self.presence.remove(&c.user.id),
            };
        }
        self.contacts = list;
        self.changed.presence = true;
        self.changed.contacts = true;
    }

    pub(crate) fn contact_added(&mut self, contact: Contact) {
        if let Some(online) = contact.online {
            self.presence.insert(contact.user.id, online);
        }
        self.contacts.retain(|c| c.user.id != contact.user.id);
        self.contacts.push(contact);
        self.contacts
            .sort_by_key(|c| c.user.username.to_lowercase());
        self.changed.presence = true;
        self.changed.contacts = true;
    }

    pub(crate) fn contact_removed(&mut self, user: UserId) {
        self.contacts.retain(|c| c.user.id != user);
        self.changed.contacts = true;
    }

    /// The block list as fetched.
    pub(crate) fn blocks_fetched(&mut self, mut list: Vec<User>) {
        list.sort_by_key(|u| u.username.to_lowercase());
        self.blocked = list;
        self.changed.blocked = true;
    }

    /// I blocked `user`: the server removed our contacts both ways and we share no presence.
    pub(crate) fn blocked_user(&mut self, user: User) {
        let id = user.id;
        self.blocked.retain(|u| u.id != id);
        self.blocked.push(user);
        self.blocked.sort_by_key(|u| u.username.to_lowercase());
        self.changed.blocked = true;
        let before = self.contacts.len();
        self.contacts.retain(|c| c.user.id != id);
        self.changed.contacts |= self.contacts.len() != before;
        self.changed.presence |= self.presence.remove(&id).is_some();
    }

    /// I unblocked `user`: our direct chat may be open again (unless they blocked me too, which
    /// the next refusal will tell).
    pub(crate) fn unblocked_user(&mut self, user: UserId, me: UserId) {
        self.blocked.retain(|u| u.id != user);
        self.changed.blocked = true;
        let reopened: Vec<_> = self
            .chats
            .iter()
            .filter(|c| c.kind == ChatKind::Direct && c.members.iter().any(|m| m.id == user))
            .filter(|c| c.members.iter().any(|m| m.id == me))
            .map(|c| c.id)
            .collect();
        for chat in reopened {
            self.changed.closed |= self.closed.remove(&chat);
        }
    }

    /// The server answered `forbidden` to a command: a message (known by its `client_id`) or
    /// typing (in the open chat) in a direct chat means a block closed that conversation.
    pub(super) fn note_refusal(
        &mut self,
        command: Option<&str>,
        client_id: Option<Uuid>,
        now: &Moment,
    ) {
        let chat = match (command, client_id) {
            (_, Some(id)) => self.outbox.get(id).map(|p| p.chat_id),
            (Some("typing"), None) => now.open,
            _ => None,
        };
        let Some(chat) = chat else { return };
        let Some(direct) = self
            .chats
            .iter()
            .find(|c| c.id == chat && c.kind == ChatKind::Direct)
        else {
            return;
        };
        // A block hides presence both ways, but no event says so: forget theirs now.
        let peers: Vec<UserId> = direct
            .members
            .iter()
            .filter(|m| m.id != now.me)
            .map(|m| m.id)
            .collect();
        for peer in peers {
            self.changed.presence |= self.presence.remove(&peer).is_some();
        }
        if self.closed.insert(chat) {
            self.changed.closed = true;
        }
    }
}
