//! Keeping the data in step with the server: socket events through the reducer, the effects it
//! asks for, the chat and contact lists, opening a chat, catching up by version after missed
//! events or a reconnect, older pages, and read markers. Person-initiated changes are `actions`.

use chat_protocol::limits::{PAGE_DEFAULT, PAGE_MAX};
use chat_protocol::{ChatId, ClientCommand, HistoryQuery, ServerEvent};
use leptos::prelude::*;

use super::reduce::Effect;
use super::{ChatState, route};
use crate::model::timeline::Timeline;
use crate::model::{chat_list, rows};
use crate::net::{Api, ApiError, SocketEvent};
use crate::text::error_text::{Attempt, explain};

impl ChatState {
    pub(super) fn on_socket_event(&self, event: SocketEvent) {
        match event {
            SocketEvent::Status(status) => {
                // The clock ticks once a second; a countdown measured against a tick up to a
                // second old would say "4 s" for a 3 s wait.
                self.now_ms.set(super::now_ms());
                self.status.set(status);
            }
            SocketEvent::Lost => self.change_data(|d| d.connection_lost()),
            SocketEvent::Server(event) => {
                if let ServerEvent::NewMessage { message } = event.as_ref() {
                    self.alert_new_message(message);
                }
                let Some(now) = self.moment() else { return };
                let effects = self.change_data(|d| d.apply(*event, &now));
                self.run(effects);
            }
        }
    }

    /// Carries out what the reducer asked for, in order.
    pub(super) fn run(&self, effects: Vec<Effect>) {
        for effect in effects {
            match effect {
                Effect::Send(command) => {
                    if let Some(socket) = self.socket() {
                        socket.send(command);
                    }
                }
                Effect::ForgetSentReadMarkers => self.marked.update_value(|m| m.clear()),
                Effect::RefreshChats => self.refresh_chats(),
                Effect::RefreshContacts => {
                    self.refresh_contacts();
                    self.refresh_blocks();
                }
                Effect::CatchUp(chat) => self.catch_up(chat),
                Effect::MarkRead(chat) => self.mark_read(chat),
                Effect::Notify(text) => self.notify(text),
                Effect::CloseOpenChat => self.close_chat(),
            }
        }
    }

    /// Shows `error` unless it only means the session ended (the sign-in page says so).
    pub(super) fn notify_error(&self, error: &ApiError) {
        if !matches!(error, ApiError::SignedOut) {
            self.notify(explain(error, Attempt::Other));
        }
    }

    pub(super) fn refresh_lists(&self) {
        self.refresh_chats();
        self.refresh_contacts();
        self.refresh_blocks();
    }

    fn refresh_chats(&self) {
        let Some(api) = self.api() else { return };
        let state = *self;
        leptos::task::spawn_local(async move {
            match api.chats().await {
                Ok(fresh) => {
                    let Some(now) = state.moment() else { return };
                    let effects = state.change_data(|d| d.chats_fetched(fresh, &now));
                    state.run(effects);
                }
                // Offline: the status line says so already.
                Err(ApiError::Network(_)) => {}
                Err(e) => state.notify_error(&e),
            }
        });
    }

    /// Fetches the contact list (with presence, for those who share it).
    pub(crate) fn refresh_contacts(&self) {
        let Some(api) = self.api() else { return };
        let state = *self;
        leptos::task::spawn_local(async move {
            if let Ok(list) = api.contacts().await {
                state.change_data(|d| d.contacts_fetched(list));
            }
        });
    }

    /// Brings `chat` up to date after a reconnect, a `resync` or missed live events: every
    /// message changed after the version its timeline has seen (new, edited or deleted), page by
    /// page, or its latest page if it has seen nothing yet. Live events during a pass that skip
    /// versions ask for another pass.
    fn catch_up(&self, chat: ChatId) {
        let Some(api) = self.api() else { return };
        let already_running = self.catch_ups.try_update_value(|c| {
            if c.running.contains(&chat) {
                c.again.insert(chat);
                true
            } else {
                c.running.insert(chat);
                false
            }
        });
        if already_running != Some(false) {
            return;
        }
        let state = *self;
        leptos::task::spawn_local(async move {
            loop {
                if state.catch_up_page(&api, chat).await {
                    continue;
                }
                let again = state
                    .catch_ups
                    .try_update_value(|c| {
                        if c.again.remove(&chat) {
                            true
                        } else {
                            c.running.remove(&chat);
                            false
                        }
                    })
                    .unwrap_or(false);
                if !again {
                    break;
                }
            }
            if state.is_viewing(chat) {
                state.mark_read(chat);
            }
        });
    }

    /// One page of a catch-up; true when more remain.
    async fn catch_up_page(&self, api: &Api, chat: ChatId) -> bool {
        let after = self
            .timelines
            .with_untracked(|t| t.get(&chat).map(Timeline::resume_after));
        let Some(after) = after else { return false };
        let query = HistoryQuery {
            after_version: after,
            limit: after.map(|_| PAGE_MAX),
            ..HistoryQuery::default()
        };
        match api.messages(chat, &query).await {
            Ok(page) if after.is_some() => {
                let Some(now) = self.moment() else {
                    return false;
                };
                let more = self.change_data(|d| d.changes_page(chat, page, &now));
                // A page that moved nothing on cannot lead anywhere new.
                more && self
                    .timelines
                    .with_untracked(|t| t.get(&chat).and_then(Timeline::resume_after) != after)
            }
            Ok(page) => {
                self.change_data(|d| d.latest_page(chat, page));
                false
            }
            Err(ApiError::Http { status: 404, .. }) => {
                self.forget_chat(chat);
                false
            }
            Err(_) => false,
        }
    }

    /// Opens a chat: shows it, loads its newest page the first time (reaching back to the first
    /// unread message when there are unread ones), and notes where the unread part starts so
    /// the view can open there. Reading is the view's call: only what is on screen while the
    /// page is attended counts as read.
    pub(crate) fn open_chat(&self, chat: ChatId) {
        let unread = self.chats.with_untracked(|c| {
            c.iter()
                .find(|c| c.id == chat)
                .map_or(0, |c| c.unread_count)
        });
        if self.open.get_untracked() != Some(chat) {
            // With unread messages the view opens at the first of them, else where it was
            // left, else at the bottom.
            self.at_bottom
                .set(unread == 0 && self.position(chat).is_none());
            self.first_unread.set(None);
            self.open.set(Some(chat));
        }
        route::push(&route::chat_path(chat));
        let loaded = self
            .timelines
            .with_untracked(|t| t.get(&chat).is_some_and(|t| t.loaded));
        if loaded {
            self.note_first_unread(chat, unread);
            return;
        }
        let Some(api) = self.api() else { return };
        self.change_data(|d| d.timeline_requested(chat));
        let state = *self;
        // Enough to reach the first unread message (up to a page's maximum), and a little of
        // what came before it for context.
        let wanted = u32::try_from(unread.saturating_add(5)).unwrap_or(PAGE_MAX);
        let query = HistoryQuery {
            limit: Some(wanted.clamp(PAGE_DEFAULT, PAGE_MAX)),
            ..HistoryQuery::default()
        };
        leptos::task::spawn_local(async move {
            match api.messages(chat, &query).await {
                Ok(page) => {
                    state.change_data(|d| d.latest_page(chat, page));
                    state.note_first_unread(chat, unread);
                }
                Err(ApiError::Http { status: 404, .. }) => {
                    state.forget_chat(chat);
                    state.notify("That chat does not exist, or you are not a member.");
                }
                Err(e) => {
                    state.change_data(|d| d.timeline_failed(chat));
                    state.notify_error(&e);
                }
            }
        });
    }

    /// Where the `unread` newest messages of `chat` start, for the "New messages" line.
    fn note_first_unread(&self, chat: ChatId, unread: i64) {
        let Some(me) = self.me_untracked() else {
            return;
        };
        let first = self.timelines.with_untracked(|t| {
            t.get(&chat)
                .and_then(|t| rows::first_unread(t.messages(), me, unread))
        });
        if self.open.get_untracked() == Some(chat) {
            self.first_unread.set(first.map(|seq| (chat, seq)));
        }
    }

    pub(crate) fn close_chat(&self) {
        self.open.set(None);
        route::push("/");
    }

    /// The browser's back/forward buttons.
    pub(crate) fn follow_address(&self) {
        match route::chat_from_path(&route::current_path()) {
            Some(chat) => self.open_chat(chat),
            None => self.open.set(None),
        }
    }

    pub(super) fn forget_chat(&self, chat: ChatId) {
        let Some(now) = self.moment() else { return };
        let effects = self.change_data(|d| d.forget_chat(chat, &now));
        self.run(effects);
    }

    /// Opens `chat` at message `seq`: loads the history back to it if it is older than what is
    /// loaded (whole pages, so the timeline stays without holes), then asks the view to bring
    /// it into view and highlight it.
    pub(crate) fn show_message(&self, chat: ChatId, seq: i64) {
        self.open_chat(chat);
        let state = *self;
        leptos::task::spawn_local(async move {
            // The first page may still be on its way.
            for _ in 0..100 {
                let loaded = state
                    .timelines
                    .with_untracked(|t| t.get(&chat).is_some_and(|t| t.loaded));
                if loaded {
                    break;
                }
                gloo_timers::future::TimeoutFuture::new(50).await;
            }
            loop {
                let (present, more) = state.timelines.with_untracked(|t| {
                    t.get(&chat)
                        .map_or((false, false), |t| (t.has_seq(seq), t.has_more_before))
                });
                if present || !more {
                    break;
                }
                if !state.load_older_by(chat, PAGE_MAX).await {
                    break;
                }
            }
            if state.open.get_untracked() == Some(chat) {
                state.jump.set(Some((chat, seq)));
            }
        });
    }

    /// Scrolled to the top: the page before the oldest loaded message. Resolves when merged;
    /// true if it added messages.
    pub(crate) async fn load_older(&self, chat: ChatId) -> bool {
        self.load_older_by(chat, PAGE_DEFAULT).await
    }

    /// The `limit` messages before the oldest loaded one; true if it added messages.
    async fn load_older_by(&self, chat: ChatId, limit: u32) -> bool {
        let before = self.timelines.with_untracked(|t| {
            t.get(&chat)
                .filter(|t| t.loaded && t.has_more_before)
                .and_then(Timeline::oldest_seq)
        });
        let Some(before) = before else { return false };
        if self.loading_older.with_untracked(|l| l.contains(&chat)) {
            return false;
        }
        let Some(api) = self.api() else { return false };
        self.loading_older.update(|l| {
            l.insert(chat);
        });
        let query = HistoryQuery {
            before_seq: Some(before),
            after_seq: None,
            after_version: None,
            limit: Some(limit),
        };
        let result = api.messages(chat, &query).await;
        self.loading_older.update(|l| {
            l.remove(&chat);
        });
        match result {
            Ok(page) => self.change_data(|d| d.older_page(chat, page)) > 0,
            Err(e) => {
                self.notify_error(&e);
                false
            }
        }
    }

    /// Tells the server the person has seen `chat` up to its newest loaded message.
    pub(crate) fn mark_read(&self, chat: ChatId) {
        let newest = self
            .timelines
            .with_untracked(|t| t.get(&chat).and_then(Timeline::newest_seq));
        if let Some(seq) = newest {
            self.mark_read_upto(chat, seq);
        }
    }

    /// Tells the server the person has seen `chat` up to `seq` (what was on screen), and
    /// counts what is left unread after it.
    pub(crate) fn mark_read_upto(&self, chat: ChatId, seq: i64) {
        let already = self
            .marked
            .with_value(|m| m.get(&chat).is_some_and(|s| *s >= seq));
        // Sent on this connection already (a new connection forgets what was sent): only the
        // count may need catching up, e.g. after the list was fetched again.
        if !already {
            let Some(socket) = self.socket() else { return };
            if !socket.send(ClientCommand::MarkRead { chat_id: chat, seq }) {
                return;
            }
            self.marked.update_value(|m| {
                m.insert(chat, seq);
            });
        }
        let unread = self.chats.with_untracked(|c| {
            c.iter()
                .find(|c| c.id == chat)
                .map_or(0, |c| c.unread_count)
        });
        if unread == 0 {
            return;
        }
        let me = self.me_untracked();
        let left = self.timelines.with_untracked(|t| {
            t.get(&chat)
                .zip(me)
                .map(|(t, me)| rows::unread_after(t.messages(), me, seq))
        });
        let last_seq = self
            .chats
            .with_untracked(|c| c.iter().find(|c| c.id == chat).map_or(0, |c| c.last_seq));
        if seq >= last_seq || left.is_some_and(|left| left < unread) {
            self.chats.update(|c| {
                chat_list::on_my_read(c, chat, seq);
                if let Some(left) = left {
                    chat_list::at_most_unread(c, chat, left);
                }
            });
        }
    }
}
