//! The reducer: how the app's data changes when something happens (a server event, the socket
//! closing, a list or page fetched). Pure: data and input in, new data and the follow-up work
//! ([`Effect`]s) out. It never touches signals, the socket or the network; `state` does that.

use std::collections::{HashMap, HashSet};

use chat_protocol::{Chat, ChatId, ClientCommand, Contact, ErrorCode, ServerEvent, User, UserId};

use crate::model::chat_list;
use crate::model::outbox::Outbox;
use crate::model::timeline::{LiveInsert, Timeline};
use crate::model::typing::TypingBoard;
use crate::text::error_text::{SLOW_DOWN, sentence};

mod pages;
mod people;
#[cfg(test)]
mod tests;

/// Everything the reducer may change. `state` keeps each field in its own signal.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct ChatData {
    pub(crate) chats: Vec<Chat>,
    /// The chat list has been fetched (or a chat arrived), so "no chats yet" is true.
    pub(crate) chats_loaded: bool,
    pub(crate) timelines: HashMap<ChatId, Timeline>,
    pub(crate) outbox: Outbox,
    pub(crate) contacts: Vec<Contact>,
    /// Whether each user who shares presence with me is online; people missing here share
    /// nothing (no dot at all, unlike an offline dot).
    pub(crate) presence: HashMap<UserId, bool>,
    pub(crate) typing: TypingBoard,
    /// Other members' read positions: chat → user → seq.
    pub(crate) reads: HashMap<ChatId, HashMap<UserId, i64>>,
    /// The people I blocked, by name.
    pub(crate) blocked: Vec<User>,
    /// Direct chats the server refused a message or typing in (a block, either way).
    pub(crate) closed: HashSet<ChatId>,
    /// Which fields the last inputs changed (so `state` notifies only their readers).
    pub(crate) changed: Changed,
}

/// One flag per field of [`ChatData`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Changed {
    pub(crate) chats: bool,
    pub(crate) chats_loaded: bool,
    pub(crate) timelines: bool,
    pub(crate) outbox: bool,
    pub(crate) contacts: bool,
    pub(crate) presence: bool,
    pub(crate) typing: bool,
    pub(crate) reads: bool,
    pub(crate) blocked: bool,
    pub(crate) closed: bool,
}

/// What the reducer needs to know about the moment besides the data.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Moment {
    /// The signed-in user.
    pub(crate) me: UserId,
    /// The open chat.
    pub(crate) open: Option<ChatId>,
    /// The open chat while the person looks at its newest messages (scrolled to the bottom,
    /// page visible), so new messages there are read at once.
    pub(crate) viewing: Option<ChatId>,
    /// The clock, in ms since the epoch.
    pub(crate) now_ms: f64,
}

/// Work the reducer asks for; `state` carries it out in order.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Effect {
    /// Send a command on the socket (the outbox, again, on a fresh connection).
    Send(ClientCommand),
    /// A fresh connection: read markers sent on the old one count for nothing.
    ForgetSentReadMarkers,
    RefreshChats,
    RefreshContacts,
    /// Fetch every change to this chat after the version its timeline has seen (or its latest
    /// page if it has seen none): after a reconnect, a `resync` or missed live events.
    CatchUp(ChatId),
    /// Tell the server the person has read this chat up to its newest loaded message.
    MarkRead(ChatId),
    /// A passing message for the person.
    Notify(String),
    /// The open chat is gone (left, removed, or never mine): close it.
    CloseOpenChat,
}

/// A catch-up of `chat` if live events were `missed`.
fn catch_up_if(missed: bool, chat: ChatId) -> Vec<Effect> {
    if missed {
        vec![Effect::CatchUp(chat)]
    } else {
        Vec::new()
    }
}

/// Commands whose failure is not worth interrupting anyone for.
const QUIET_COMMANDS: [&str; 3] = ["typing", "mark_read", "ping"];

impl ChatData {
    /// Takes the changed flags, resetting them.
    pub(crate) fn take_changed(&mut self) -> Changed {
        std::mem::take(&mut self.changed)
    }

    /// A frame from the server.
    pub(crate) fn apply(&mut self, event: ServerEvent, now: &Moment) -> Vec<Effect> {
        match event {
            ServerEvent::Ready { .. } | ServerEvent::Resync => self.connection_ready(now),
            ServerEvent::NewMessage { message } => {
                let chat = message.chat_id;
                let mut effects = Vec::new();
                if message.sender.id != now.me {
                    // They could send, so the conversation is open again.
                    self.changed.closed |= self.closed.remove(&chat);
                }
                if self.outbox.confirm(&message) {
                    self.changed.outbox = true;
                }
                if !self.typing.is_empty() {
                    self.typing.stopped(chat, message.sender.id);
                    self.changed.typing = true;
                }
                let viewing = now.viewing == Some(chat);
                let known = chat_list::on_new_message(&mut self.chats, &message, now.me, viewing);
                self.changed.chats |= known;
                if let Some(timeline) = self.timelines.get_mut(&chat) {
                    let missed = timeline.saw_live_version(message.version);
                    let inserted = timeline.insert_live(message);
                    self.changed.timelines |= inserted != LiveInsert::Duplicate;
                    if missed || matches!(inserted, LiveInsert::Gap { .. }) {
                        effects.push(Effect::CatchUp(chat));
                    }
                }
                if !known {
                    effects.push(Effect::RefreshChats);
                }
                if viewing {
                    effects.push(Effect::MarkRead(chat));
                }
                effects
            }
            ServerEvent::MessageUpdated { message } => {
                chat_list::on_message_updated(&mut self.chats, &message);
                self.changed.chats = true;
                let chat = message.chat_id;
                let Some(timeline) = self.timelines.get_mut(&chat) else {
                    return Vec::new();
                };
                let missed = timeline.saw_live_version(message.version);
                self.changed.timelines |= timeline.apply_update(message);
                catch_up_if(missed, chat)
            }
            ServerEvent::MessageDeleted {
                chat_id,
                message_id,
                seq,
                version,
            } => {
                chat_list::on_message_deleted(&mut self.chats, chat_id, message_id);
                self.changed.chats = true;
                let Some(timeline) = self.timelines.get_mut(&chat_id) else {
                    return Vec::new();
                };
                let missed = timeline.saw_live_version(version);
                self.changed.timelines |= timeline.apply_delete(message_id, seq, version);
                catch_up_if(missed, chat_id)
            }
            ServerEvent::Reaction {
                chat_id,
                message_id,
                emoji,
                user_id,
                on,
                version,
            } => {
                let Some(timeline) = self.timelines.get_mut(&chat_id) else {
                    return Vec::new();
                };
                // A reaction is a change like an edit: it takes the chat's next version.
                let missed = timeline.saw_live_version(version);
                self.changed.timelines |=
                    timeline.apply_reaction(message_id, &emoji, user_id, on, version);
                catch_up_if(missed, chat_id)
            }
            ServerEvent::Typing { chat_id, user } => {
                if user.id != now.me {
                    self.typing.saw(chat_id, user, now.now_ms);
                    self.changed.typing = true;
                }
                Vec::new()
            }
            ServerEvent::Presence { user_id, online } => {
                self.presence.insert(user_id, online);
                self.changed.presence = true;
                for c in self.contacts.iter_mut().filter(|c| c.user.id == user_id) {
                    c.online = Some(online);
                    self.changed.contacts = true;
                }
                Vec::new()
            }
            ServerEvent::Read {
                chat_id,
                user_id,
                seq,
            } => {
                if user_id == now.me {
                    chat_list::on_my_read(&mut self.chats, chat_id, seq);
                    self.changed.chats = true;
                } else {
                    let pos = self
                        .reads
                        .entry(chat_id)
                        .or_default()
                        .entry(user_id)
                        .or_insert(0);
                    *pos = (*pos).max(seq);
                    self.changed.reads = true;
                }
                Vec::new()
            }
            ServerEvent::ChatUpdated { chat } => self.upsert_chat(chat, now),
            // The socket's heartbeat consumes these; nothing in the data changes.
            ServerEvent::Pong => Vec::new(),
            ServerEvent::Messages {
                chat_id, messages, ..
            } => {
                if let Some(timeline) = self.timelines.get_mut(&chat_id) {
                    self.changed.timelines |= timeline.merge(messages) > 0;
                }
                Vec::new()
            }
            ServerEvent::Error {
                code,
                message,
                client_id,
                command,
                ..
            } => {
                if code == ErrorCode::Forbidden {
                    self.note_refusal(command.as_deref(), client_id, now);
                }
                let text = if code == ErrorCode::RateLimited {
                    SLOW_DOWN.to_owned()
                } else {
                    sentence(&message)
                };
                match client_id {
                    Some(id) if self.outbox.fail(id, text.clone()) => {
                        self.changed.outbox = true;
                        Vec::new()
                    }
                    _ if command
                        .as_deref()
                        .is_some_and(|c| QUIET_COMMANDS.contains(&c)) =>
                    {
                        Vec::new()
                    }
                    _ => vec![Effect::Notify(text)],
                }
            }
        }
    }

    /// A (re)connection is ready, or the server asks to resync: resend what is unconfirmed, then
    /// catch up on everything shown.
    fn connection_ready(&mut self, now: &Moment) -> Vec<Effect> {
        let resend = self.outbox.resend_all(now.now_ms);
        self.changed.outbox |= !resend.is_empty();
        let mut effects: Vec<Effect> = resend.into_iter().map(Effect::Send).collect();
        effects.extend([
            Effect::ForgetSentReadMarkers,
            Effect::RefreshChats,
            Effect::RefreshContacts,
        ]);
        let mut loaded: Vec<ChatId> = self
            .timelines
            .iter()
            .filter(|(_, t)| t.loaded)
            .map(|(id, _)| *id)
            .collect();
        loaded.sort();
        effects.extend(loaded.into_iter().map(Effect::CatchUp));
        if let Some(chat) = now.viewing {
            effects.push(Effect::MarkRead(chat));
        }
        effects
    }

    /// The socket closed: what was sent on it waits for the next connection.
    pub(crate) fn connection_lost(&mut self) {
        self.outbox.connection_lost();
        self.changed.outbox = true;
    }

    /// The chat list as fetched.
    pub(crate) fn chats_fetched(&mut self, fresh: Vec<Chat>, now: &Moment) -> Vec<Effect> {
        self.absorb_reads_and_presence(&fresh, now.me);
        chat_list::replace(&mut self.chats, fresh);
        self.changed.chats = true;
        self.chats_loaded = true;
        self.changed.chats_loaded = true;
        // A chat open in the address bar that is not ours (any more) closes.
        match now.open {
            Some(open) if !self.chats.iter().any(|c| c.id == open) => {
                vec![Effect::CloseOpenChat]
            }
            _ => Vec::new(),
        }
    }

    /// A chat as the server has it now (an event, a chat created, a member added).
    pub(crate) fn upsert_chat(&mut self, chat: Chat, now: &Moment) -> Vec<Effect> {
        self.absorb_reads_and_presence(std::slice::from_ref(&chat), now.me);
        let id = chat.id;
        let member = chat_list::upsert(&mut self.chats, chat, now.me);
        self.changed.chats = true;
        self.chats_loaded = true;
        self.changed.chats_loaded = true;
        if member {
            Vec::new()
        } else {
            self.forget_chat(id, now)
        }
    }

    /// The chat is not mine (any more): drop it and its messages.
    pub(crate) fn forget_chat(&mut self, chat: ChatId, now: &Moment) -> Vec<Effect> {
        chat_list::remove(&mut self.chats, chat);
        self.changed.chats = true;
        self.changed.timelines |= self.timelines.remove(&chat).is_some();
        if now.open == Some(chat) {
            vec![Effect::CloseOpenChat]
        } else {
            Vec::new()
        }
    }

    /// Read positions and members' presence as the server knows them now (events keep them
    /// current from here), so "seen" markers and online dots survive a reload.
    fn absorb_reads_and_presence(&mut self, chats: &[Chat], me: UserId) {
        for chat in chats {
            let per_chat = self.reads.entry(chat.id).or_default();
            for read in chat.read_positions.iter().filter(|p| p.user_id != me) {
                let pos = per_chat.entry(read.user_id).or_insert(0);
                *pos = (*pos).max(read.seq);
            }
            // `online_members` lists only people who share presence with me; others stay
            // unknown unless they already told me they share it (then they are offline).
            for member in chat.members.iter().filter(|m| m.id != me) {
                if chat.online_members.contains(&member.id) {
                    self.presence.insert(member.id, true);
                } else if let Some(online) = self.presence.get_mut(&member.id) {
                    *online = false;
                }
            }
        }
        self.changed.reads = true;
        self.changed.presence = true;
    }
}
