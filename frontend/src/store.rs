//! The app's reactive state (signals the UI reads) and everything that changes it: socket events,
//! the person's actions, and catching up after a reconnect. All state is keyed by chat id, so an
//! event for one chat can only ever change that chat.

use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use chat_protocol::limits::check_content;
use chat_protocol::{
    Chat, ClientCommand, Contact, CreateChatRequest, HistoryQuery, ServerEvent, User,
};
use leptos::prelude::*;
use uuid::Uuid;

use crate::api::Api;
use crate::chat_list;
use crate::errors::{Action, ApiError};
use crate::outbox::Outbox;
use crate::reconnect::ConnStatus;
use crate::route;
use crate::session::Session;
use crate::socket::{Socket, SocketEvent};
use crate::timeline::{Live, Timeline};
use crate::typing::{TypingBoard, TypingThrottle};

/// Messages per older page, and per catch-up request.
const PAGE: u32 = 15;
const CATCH_UP_PAGE: u32 = 100;

#[derive(Clone)]
struct Services {
    api: Api,
    socket: Socket,
}

/// Copy-able handle to all state; provided as context at the root.
#[derive(Clone, Copy)]
pub struct Store {
    session: StoredValue<Session, LocalStorage>,
    services: StoredValue<Option<Services>, LocalStorage>,
    throttle: StoredValue<TypingThrottle, LocalStorage>,
    /// Last `mark_read` seq sent per chat.
    marked: StoredValue<HashMap<Uuid, i64>, LocalStorage>,
    /// Chats with a catch-up running, and those that need another pass when it ends.
    catching_up: StoredValue<(HashSet<Uuid>, HashSet<Uuid>), LocalStorage>,
    pub user: RwSignal<Option<User>>,
    pub ended: RwSignal<Option<String>>,
    pub chats: RwSignal<Vec<Chat>>,
    pub chats_loaded: RwSignal<bool>,
    pub timelines: RwSignal<HashMap<Uuid, Timeline>>,
    pub loading_older: RwSignal<HashSet<Uuid>>,
    pub outbox: RwSignal<Outbox>,
    pub contacts: RwSignal<Vec<Contact>>,
    pub presence: RwSignal<HashMap<Uuid, bool>>,
    pub typing: RwSignal<TypingBoard>,
    /// Other members' read positions: chat → user → seq.
    pub reads: RwSignal<HashMap<Uuid, HashMap<Uuid, i64>>>,
    pub status: RwSignal<ConnStatus>,
    /// The clock, ticking once a second (countdowns, typing expiry).
    pub now_ms: RwSignal<f64>,
    /// The open chat.
    pub current: RwSignal<Option<Uuid>>,
    /// The open conversation is scrolled to its newest message.
    pub at_bottom: RwSignal<bool>,
    /// A passing message for the person (an action failed).
    pub notice: RwSignal<Option<String>>,
}

fn now_ms() -> f64 {
    js_sys::Date::now()
}

fn page_visible() -> bool {
    !document().hidden()
}

impl Store {
    pub fn new() -> Self {
        let session = Session::new();
        let (user, ended) = (session.user, session.ended);
        Self {
            session: StoredValue::new_local(session),
            services: StoredValue::new_local(None),
            throttle: StoredValue::new_local(TypingThrottle::default()),
            marked: StoredValue::new_local(HashMap::new()),
            catching_up: StoredValue::new_local((HashSet::new(), HashSet::new())),
            user,
            ended,
            chats: RwSignal::new(Vec::new()),
            chats_loaded: RwSignal::new(false),
            timelines: RwSignal::new(HashMap::new()),
            loading_older: RwSignal::new(HashSet::new()),
            outbox: RwSignal::new(Outbox::default()),
            contacts: RwSignal::new(Vec::new()),
            presence: RwSignal::new(HashMap::new()),
            typing: RwSignal::new(TypingBoard::default()),
            reads: RwSignal::new(HashMap::new()),
            status: RwSignal::new(ConnStatus::Stopped),
            now_ms: RwSignal::new(now_ms()),
            current: RwSignal::new(None),
            at_bottom: RwSignal::new(true),
            notice: RwSignal::new(None),
        }
    }

    pub fn session(&self) -> Session {
        self.session.get_value()
    }

    fn api(&self) -> Option<Api> {
        self.services
            .with_value(|s| s.as_ref().map(|s| s.api.clone()))
    }

    fn socket(&self) -> Option<Socket> {
        self.services
            .with_value(|s| s.as_ref().map(|s| s.socket.clone()))
    }

    pub fn me(&self) -> Option<Uuid> {
        self.user.with(|u| u.as_ref().map(|u| u.id))
    }

    fn me_untracked(&self) -> Option<Uuid> {
        self.user.with_untracked(|u| u.as_ref().map(|u| u.id))
    }

    pub fn is_online(&self) -> bool {
        self.socket().is_some_and(|s| s.is_ready())
    }

    fn say(&self, text: impl Into<String>) {
        self.notice.set(Some(text.into()));
    }

    fn say_error(&self, e: &ApiError) {
        if !matches!(e, ApiError::SignedOut) {
            self.say(e.user_message(Action::Other));
        }
    }

    // ---- lifecycle -------------------------------------------------------------------------

    /// The session is signed in: open the socket and load the lists.
    pub fn start(&self) {
        if self.services.with_value(Option::is_some) {
            return;
        }
        let api = Api::new(self.session());
        let store = *self;
        let socket = Socket::start(api.clone(), Rc::new(move |ev| store.handle(ev)));
        self.services.set_value(Some(Services { api, socket }));
        if let Some(chat) = route::chat_from_path(&route::current_path()) {
            self.open_chat(chat);
        }
        self.refresh_lists();
    }

    /// Stops the socket and forgets all per-user state (after sign-out or session end).
    pub fn stop(&self) {
        if let Some(socket) = self.socket() {
            socket.stop();
        }
        self.services.set_value(None);
        self.throttle.set_value(TypingThrottle::default());
        self.marked.set_value(HashMap::new());
        self.catching_up.set_value((HashSet::new(), HashSet::new()));
        self.chats.set(Vec::new());
        self.chats_loaded.set(false);
        self.timelines.set(HashMap::new());
        self.loading_older.set(HashSet::new());
        self.outbox.set(Outbox::default());
        self.contacts.set(Vec::new());
        self.presence.set(HashMap::new());
        self.typing.set(TypingBoard::default());
        self.reads.set(HashMap::new());
        self.status.set(ConnStatus::Stopped);
        self.current.set(None);
        self.notice.set(None);
        route::push("/");
    }

    pub fn sign_out(&self) {
        let store = *self;
        let session = self.session();
        self.stop();
        leptos::task::spawn_local(async move {
            session.sign_out().await;
            store.ended.set(None);
        });
    }

    pub fn retry_now(&self) {
        if let Some(socket) = self.socket() {
            socket.retry_now();
        }
    }

    /// Once a second: the clock, typing expiry, unconfirmed sends.
    pub fn tick(&self) {
        let now = now_ms();
        self.now_ms.set(now);
        if self.typing.with_untracked(|t| !t.is_empty()) {
            let mut board = self.typing.get_untracked();
            if board.prune(now) {
                self.typing.set(board);
            }
        }
        if self.outbox.with_untracked(|o| !o.is_empty()) {
            let mut outbox = self.outbox.get_untracked();
            if outbox.expire(now) {
                self.outbox.set(outbox);
            }
        }
    }

    // ---- socket events ---------------------------------------------------------------------

    fn handle(&self, event: SocketEvent) {
        match event {
            SocketEvent::Status(status) => self.status.set(status),
            SocketEvent::Lost => self.outbox.update(Outbox::connection_lost),
            SocketEvent::Server(event) => self.apply(*event),
        }
    }

    fn is_viewing(&self, chat: Uuid) -> bool {
        self.current.get_untracked() == Some(chat)
            && self.at_bottom.get_untracked()
            && page_visible()
    }

    fn apply(&self, event: ServerEvent) {
        let Some(me) = self.me_untracked() else {
            return;
        };
        match event {
            ServerEvent::Ready { .. } => self.on_ready(),
            ServerEvent::NewMessage { message } => {
                let chat = message.chat_id;
                self.outbox.update(|o| {
                    o.confirm(&message);
                });
                if self.typing.with_untracked(|t| !t.is_empty()) {
                    self.typing.update(|t| t.stopped(chat, message.sender.id));
                }
                let viewing = self.is_viewing(chat);
                let mut known = false;
                self.chats.update(|chats| {
                    known = chat_list::on_new_message(chats, &message, me, viewing);
                });
                let mut live = Live::NotLoaded;
                self.timelines.update(|t| {
                    if let Some(timeline) = t.get_mut(&chat) {
                        live = timeline.insert_live(message);
                    }
                });
                if let Live::Gap { .. } = live {
                    self.catch_up(chat);
                }
                if !known {
                    self.refresh_chats();
                }
                if viewing {
                    self.mark_read(chat);
                }
            }
            ServerEvent::MessageUpdated { message } => {
                self.chats
                    .update(|c| chat_list::on_message_updated(c, &message));
                self.timelines.update(|t| {
                    if let Some(timeline) = t.get_mut(&message.chat_id) {
                        timeline.apply_update(message);
                    }
                });
            }
            ServerEvent::MessageDeleted {
                chat_id,
                message_id,
                seq,
            } => {
                self.chats
                    .update(|c| chat_list::on_message_deleted(c, chat_id, message_id));
                self.timelines.update(|t| {
                    if let Some(timeline) = t.get_mut(&chat_id) {
                        timeline.apply_delete(message_id, seq);
                    }
                });
            }
            ServerEvent::Typing { chat_id, user } => {
                if user.id != me {
                    self.typing.update(|t| t.saw(chat_id, user, now_ms()));
                }
            }
            ServerEvent::Presence { user_id, online } => {
                self.presence.update(|p| {
                    p.insert(user_id, online);
                });
                self.contacts.update(|list| {
                    for c in list.iter_mut().filter(|c| c.user.id == user_id) {
                        c.online = online;
                    }
                });
            }
            ServerEvent::Read {
                chat_id,
                user_id,
                seq,
            } => {
                if user_id == me {
                    self.chats
                        .update(|c| chat_list::on_my_read(c, chat_id, seq));
                } else {
                    self.reads.update(|r| {
                        let pos = r.entry(chat_id).or_default().entry(user_id).or_insert(0);
                        *pos = (*pos).max(seq);
                    });
                }
            }
            ServerEvent::ChatUpdated { chat } => self.upsert_chat(chat),
            ServerEvent::Resync => self.on_ready(),
            ServerEvent::Messages {
                chat_id, messages, ..
            } => {
                self.timelines.update(|t| {
                    if let Some(timeline) = t.get_mut(&chat_id) {
                        timeline.merge(messages);
                    }
                });
            }
            ServerEvent::Error {
                code: _,
                message,
                client_id,
                command,
                ..
            } => {
                let text = crate::errors::sentence(&message);
                match client_id {
                    Some(id) if self.outbox.with_untracked(|o| o.get(id).is_some()) => {
                        self.outbox.update(|o| {
                            o.fail(id, text);
                        });
                    }
                    // Typing and read markers failing is not worth interrupting anyone.
                    _ if matches!(command.as_deref(), Some("typing" | "mark_read")) => {}
                    _ => self.say(text),
                }
            }
        }
    }

    /// A (re)connection is ready: resend what is unconfirmed, then catch up on everything.
    fn on_ready(&self) {
        if let Some(socket) = self.socket() {
            let mut resend = Vec::new();
            self.outbox.update(|o| resend = o.resend_all(now_ms()));
            for command in resend {
                socket.send(command);
            }
        }
        self.marked.set_value(HashMap::new());
        self.refresh_lists();
        let loaded: Vec<Uuid> = self.timelines.with_untracked(|t| {
            t.iter()
                .filter(|(_, t)| t.loaded)
                .map(|(id, _)| *id)
                .collect()
        });
        for chat in loaded {
            self.catch_up(chat);
        }
        if let Some(chat) = self.current.get_untracked()
            && self.is_viewing(chat)
        {
            self.mark_read(chat);
        }
    }

    // ---- loading ---------------------------------------------------------------------------

    pub fn refresh_lists(&self) {
        self.refresh_chats();
        self.refresh_contacts();
    }

    pub fn refresh_chats(&self) {
        let Some(api) = self.api() else { return };
        let store = *self;
        leptos::task::spawn_local(async move {
            match api.chats().await {
                Ok(fresh) => {
                    let me = store.me_untracked();
                    store.absorb_reads_and_presence(&fresh);
                    store.chats.update(|c| chat_list::replace(c, fresh));
                    store.chats_loaded.set(true);
                    // A chat open in the address bar that is not ours (any more) closes.
                    if let Some(current) = store.current.get_untracked()
                        && me.is_some()
                        && !store
                            .chats
                            .with_untracked(|c| c.iter().any(|c| c.id == current))
                    {
                        store.close_chat();
                    }
                }
                Err(e) => {
                    if !matches!(e, ApiError::Network(_)) {
                        store.say_error(&e);
                    }
                }
            }
        });
    }

    pub fn refresh_contacts(&self) {
        let Some(api) = self.api() else { return };
        let store = *self;
        leptos::task::spawn_local(async move {
            if let Ok(list) = api.contacts().await {
                store.presence.update(|p| {
                    for c in &list {
                        p.insert(c.user.id, c.online);
                    }
                });
                store.contacts.set(list);
            }
        });
    }

    /// Loads the newest messages of `chat` after a hole or a reconnect, page by page.
    fn catch_up(&self, chat: Uuid) {
        let Some(api) = self.api() else { return };
        let busy = self.catching_up.try_update_value(|(running, again)| {
            if running.contains(&chat) {
                again.insert(chat);
                true
            } else {
                running.insert(chat);
                false
            }
        });
        if busy != Some(false) {
            return;
        }
        let store = *self;
        leptos::task::spawn_local(async move {
            loop {
                let after = store
                    .timelines
                    .with_untracked(|t| t.get(&chat).map(Timeline::contiguous_end));
                let query = match after {
                    None => break,
                    Some(None) => HistoryQuery::default(),
                    Some(Some(seq)) => HistoryQuery {
                        before_seq: None,
                        after_seq: Some(seq),
                        limit: Some(CATCH_UP_PAGE),
                    },
                };
                let more = match api.messages(chat, &query).await {
                    Ok(page) => {
                        let mut more = false;
                        store.timelines.update(|t| {
                            if let Some(timeline) = t.get_mut(&chat) {
                                more = if query.after_seq.is_some() {
                                    timeline.apply_newer(page)
                                } else {
                                    timeline.apply_latest(page);
                                    false
                                };
                            }
                        });
                        more
                    }
                    Err(ApiError::Http { status: 404, .. }) => {
                        store.forget_chat(chat);
                        false
                    }
                    Err(_) => false,
                };
                if more {
                    continue;
                }
                let again = store
                    .catching_up
                    .try_update_value(|(running, again)| {
                        if again.remove(&chat) {
                            true
                        } else {
                            running.remove(&chat);
                            false
                        }
                    })
                    .unwrap_or(false);
                if !again {
                    break;
                }
            }
            if store.is_viewing(chat) {
                store.mark_read(chat);
            }
        });
    }

    /// Opens a chat: shows it, loads its newest page the first time.
    pub fn open_chat(&self, chat: Uuid) {
        if self.current.get_untracked() != Some(chat) {
            self.at_bottom.set(true);
            self.current.set(Some(chat));
        }
        route::push(&route::chat_path(chat));
        let loaded = self
            .timelines
            .with_untracked(|t| t.get(&chat).is_some_and(|t| t.loaded));
        if loaded {
            self.mark_read(chat);
            return;
        }
        let Some(api) = self.api() else { return };
        self.timelines.update(|t| {
            t.entry(chat).or_default();
        });
        let store = *self;
        leptos::task::spawn_local(async move {
            match api.messages(chat, &HistoryQuery::default()).await {
                Ok(page) => {
                    store.timelines.update(|t| {
                        t.entry(chat).or_default().apply_latest(page);
                    });
                    if store.is_viewing(chat) {
                        store.mark_read(chat);
                    }
                }
                Err(ApiError::Http { status: 404, .. }) => {
                    store.forget_chat(chat);
                    store.say("That chat does not exist, or you are not a member.");
                }
                Err(e) => {
                    store.timelines.update(|t| {
                        t.remove(&chat);
                    });
                    store.say_error(&e);
                }
            }
        });
    }

    pub fn close_chat(&self) {
        self.current.set(None);
        route::push("/");
    }

    /// The browser's back/forward buttons.
    pub fn follow_address(&self) {
        match route::chat_from_path(&route::current_path()) {
            Some(chat) => self.open_chat(chat),
            None => self.current.set(None),
        }
    }

    fn forget_chat(&self, chat: Uuid) {
        self.chats.update(|c| chat_list::remove(c, chat));
        self.timelines.update(|t| {
            t.remove(&chat);
        });
        if self.current.get_untracked() == Some(chat) {
            self.close_chat();
        }
    }

    /// Read positions and members' presence as the server knows them now (events keep them
    /// current from here), so "seen" markers and online dots survive a reload.
    fn absorb_reads_and_presence(&self, chats: &[Chat]) {
        let me = self.me_untracked();
        self.reads.update(|r| {
            for chat in chats {
                let per_chat = r.entry(chat.id).or_default();
                for read in chat.read_positions.iter().filter(|p| Some(p.user_id) != me) {
                    let pos = per_chat.entry(read.user_id).or_insert(0);
                    *pos = (*pos).max(read.seq);
                }
            }
        });
        self.presence.update(|p| {
            for chat in chats {
                for member in &chat.members {
                    p.insert(member.id, chat.online_members.contains(&member.id));
                }
            }
        });
    }

    fn upsert_chat(&self, chat: Chat) {
        let Some(me) = self.me_untracked() else {
            return;
        };
        self.absorb_reads_and_presence(std::slice::from_ref(&chat));
        let id = chat.id;
        let mut member = true;
        self.chats
            .update(|c| member = chat_list::upsert(c, chat, me));
        self.chats_loaded.set(true);
        if !member {
            self.forget_chat(id);
        }
    }

    /// Scrolled to the top: the page before the oldest loaded message. Resolves when merged.
    pub async fn load_older(&self, chat: Uuid) -> bool {
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
            limit: Some(PAGE),
        };
        let result = api.messages(chat, &query).await;
        self.loading_older.update(|l| {
            l.remove(&chat);
        });
        match result {
            Ok(page) => {
                let mut added = 0;
                self.timelines.update(|t| {
                    if let Some(timeline) = t.get_mut(&chat) {
                        added = timeline.apply_older(page);
                    }
                });
                added > 0
            }
            Err(e) => {
                self.say_error(&e);
                false
            }
        }
    }

    // ---- sending ---------------------------------------------------------------------------

    /// Sends a message (shown as pending until the echo). Returns the reason if refused locally.
    pub fn send_message(&self, chat: Uuid, text: &str) -> Result<(), String> {
        check_content(text).map_err(|e| crate::errors::sentence(&e))?;
        let socket = self.socket().ok_or("Not signed in.")?;
        let online = socket.is_ready();
        let mut command = None;
        self.outbox.update(|o| {
            command = o.push(
                chat,
                text.to_owned(),
                Uuid::new_v4(),
                chrono::Utc::now(),
                online,
                now_ms(),
            );
        });
        if let Some(command) = command
            && !socket.send(command)
        {
            self.outbox.update(Outbox::connection_lost);
        }
        self.throttle.update_value(TypingThrottle::reset);
        self.at_bottom.set(true);
        Ok(())
    }

    pub fn retry_message(&self, client_id: Uuid) {
        let Some(socket) = self.socket() else { return };
        let mut command = None;
        self.outbox
            .update(|o| command = o.retry(client_id, socket.is_ready(), now_ms()));
        if let Some(command) = command
            && !socket.send(command)
        {
            self.outbox.update(Outbox::connection_lost);
        }
    }

    pub fn discard_message(&self, client_id: Uuid) {
        self.outbox.update(|o| {
            o.discard(client_id);
        });
    }

    fn command(&self, command: ClientCommand) -> bool {
        let sent = self.socket().is_some_and(|s| s.send(command));
        if !sent {
            self.say("You are offline. Try again once the connection is back.");
        }
        sent
    }

    pub fn edit_message(&self, message_id: i64, text: &str) -> Result<(), String> {
        check_content(text).map_err(|e| crate::errors::sentence(&e))?;
        if self.command(ClientCommand::EditMessage {
            message_id,
            content: text.to_owned(),
        }) {
            Ok(())
        } else {
            Err("You are offline.".into())
        }
    }

    pub fn delete_message(&self, message_id: i64) {
        self.command(ClientCommand::DeleteMessage { message_id });
    }

    /// A keystroke in the composer.
    pub fn typed(&self, chat: Uuid) {
        let due = self
            .throttle
            .try_update_value(|t| t.should_send(chat, now_ms()))
            .unwrap_or(false);
        if due && let Some(socket) = self.socket() {
            socket.send(ClientCommand::Typing { chat_id: chat });
        }
    }

    /// Tells the server the person has seen `chat` up to its newest loaded message.
    pub fn mark_read(&self, chat: Uuid) {
        let newest = self
            .timelines
            .with_untracked(|t| t.get(&chat).and_then(Timeline::newest_seq));
        let Some(seq) = newest else { return };
        let unread = self.chats.with_untracked(|c| {
            c.iter()
                .find(|c| c.id == chat)
                .is_some_and(|c| c.unread_count > 0)
        });
        let already = self
            .marked
            .with_value(|m| m.get(&chat).is_some_and(|s| *s >= seq));
        if already && !unread {
            return;
        }
        let Some(socket) = self.socket() else { return };
        if socket.send(ClientCommand::MarkRead { chat_id: chat, seq }) {
            self.marked.update_value(|m| {
                m.insert(chat, seq);
            });
            if unread {
                self.chats.update(|c| chat_list::on_my_read(c, chat, seq));
            }
        }
    }

    // ---- contacts and chats ----------------------------------------------------------------

    pub async fn search_people(&self, prefix: &str) -> Result<Vec<User>, String> {
        let api = self.api().ok_or("Not signed in.")?;
        api.search_users(prefix)
            .await
            .map_err(|e| e.user_message(Action::Other))
    }

    pub async fn add_contact(&self, username: &str) -> Result<(), String> {
        let api = self.api().ok_or("Not signed in.")?;
        let contact = api.add_contact(username).await.map_err(|e| match e {
            ApiError::Http { status: 409, .. } => format!("{username} is already a contact."),
            ApiError::Http { status: 404, .. } => format!("There is no user called {username}."),
            other => other.user_message(Action::Other),
        })?;
        self.presence.update(|p| {
            p.insert(contact.user.id, contact.online);
        });
        self.contacts.update(|list| {
            list.retain(|c| c.user.id != contact.user.id);
            list.push(contact);
            list.sort_by_key(|c| c.user.username.to_lowercase());
        });
        Ok(())
    }

    pub async fn remove_contact(&self, user: Uuid) -> Result<(), String> {
        let api = self.api().ok_or("Not signed in.")?;
        api.remove_contact(user)
            .await
            .map_err(|e| e.user_message(Action::Other))?;
        self.contacts
            .update(|list| list.retain(|c| c.user.id != user));
        Ok(())
    }

    async fn create_chat(&self, request: CreateChatRequest) -> Result<Uuid, String> {
        let api = self.api().ok_or("Not signed in.")?;
        let chat = api
            .create_chat(&request)
            .await
            .map_err(|e| e.user_message(Action::Other))?;
        let id = chat.id;
        self.upsert_chat(chat);
        self.open_chat(id);
        Ok(id)
    }

    /// Opens (creating if needed) the direct chat with `username`.
    pub async fn open_direct(&self, username: &str) -> Result<Uuid, String> {
        self.create_chat(CreateChatRequest {
            members: vec![username.to_owned()],
            name: None,
        })
        .await
    }

    pub async fn create_group(&self, name: &str, members: Vec<String>) -> Result<Uuid, String> {
        chat_protocol::limits::check_group_name(name).map_err(|e| crate::errors::sentence(&e))?;
        if members.is_empty() {
            return Err("Pick at least one member.".into());
        }
        self.create_chat(CreateChatRequest {
            members,
            name: Some(name.trim().to_owned()),
        })
        .await
    }

    pub async fn add_member(&self, chat: Uuid, username: &str) -> Result<(), String> {
        let api = self.api().ok_or("Not signed in.")?;
        let updated = api.add_member(chat, username).await.map_err(|e| match e {
            ApiError::Http { status: 409, .. } => format!("{username} is already a member."),
            ApiError::Http { status: 404, .. } => format!("There is no user called {username}."),
            other => other.user_message(Action::Other),
        })?;
        self.upsert_chat(updated);
        Ok(())
    }

    pub async fn leave_chat(&self, chat: Uuid) -> Result<(), String> {
        let api = self.api().ok_or("Not signed in.")?;
        let me = self.me_untracked().ok_or("Not signed in.")?;
        api.remove_member(chat, me)
            .await
            .map_err(|e| e.user_message(Action::Other))?;
        self.forget_chat(chat);
        Ok(())
    }
}

impl Default for Store {
    fn default() -> Self {
        Self::new()
    }
}
