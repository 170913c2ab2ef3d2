//! The app's reactive state: one signal per piece of data the UI reads, a handle provided as
//! context at the root, and the glue that runs the pure reducer (`reduce`) on those signals and
//! carries out its effects. Components read signals and call methods; the only signals they
//! set are the view's own: `at_bottom` (scrolling), `attended` (page visible and focused) and
//! `notice` (shown or dismissed).
//!
//! The methods are spread by concern: `lifecycle` (start, stop, sign in/out, the clock),
//! `sync` (socket events, lists, catch-up, paging, read markers), `actions` (what the person
//! does), `account` (password, export, deletion), `groups` (renaming, admins, retention), `alerts` (browser notifications), `drafts` (unsent text and reading position per chat) and `trust` (blocks and
//! signed-in devices). All state is keyed by chat id, so an event for one chat can only change
//! that chat.

mod account;
mod actions;
mod alerts;
mod attaching;
mod drafts;
mod groups;
mod lifecycle;
pub(crate) mod locale;
mod reduce;
pub(crate) mod route;
mod sync;
mod trust;

use std::collections::{HashMap, HashSet};

use chat_protocol::{Chat, ChatId, Contact, User, UserId};
use leptos::prelude::*;

use crate::model::outbox::Outbox;
use crate::model::timeline::Timeline;
use crate::model::typing::{TypingBoard, TypingThrottle};
use crate::net::{Api, AuthSession, ConnStatus, Socket};
pub(crate) use attaching::Attaching;
pub(crate) use lifecycle::{has_pending_invite, remember_invite_in_address};
use reduce::{ChatData, Moment};

const NOT_SIGNED_IN: &str = "Not signed in.";

/// The connection to the server, while signed in.
#[derive(Clone)]
struct Services {
    api: Api,
    socket: Socket,
}

/// Chats with a catch-up running, and those that need another pass when it ends.
#[derive(Default)]
struct CatchUps {
    running: HashSet<ChatId>,
    again: HashSet<ChatId>,
}

/// Copy-able handle to all state; provided as context at the root.
#[derive(Clone, Copy)]
pub(crate) struct ChatState {
    session: StoredValue<AuthSession, LocalStorage>,
    services: StoredValue<Option<Services>, LocalStorage>,
    throttle: StoredValue<TypingThrottle, LocalStorage>,
    /// Last `mark_read` seq sent per chat.
    marked: StoredValue<HashMap<ChatId, i64>, LocalStorage>,
    catch_ups: StoredValue<CatchUps, LocalStorage>,
    /// Unsent text and reading position per chat.
    drafts: StoredValue<drafts::Drafts, LocalStorage>,
    /// The signed-in user (`None` when signed out).
    pub(crate) user: RwSignal<Option<User>>,
    /// Why the session ended on its own, for the sign-in page.
    pub(crate) ended: RwSignal<Option<String>>,
    pub(crate) chats: RwSignal<Vec<Chat>>,
    pub(crate) chats_loaded: RwSignal<bool>,
    pub(crate) timelines: RwSignal<HashMap<ChatId, Timeline>>,
    pub(crate) loading_older: RwSignal<HashSet<ChatId>>,
    pub(crate) outbox: RwSignal<Outbox>,
    pub(crate) contacts: RwSignal<Vec<Contact>>,
    presence: RwSignal<HashMap<UserId, bool>>,
    pub(crate) typing: RwSignal<TypingBoard>,
    /// Other members' read positions: chat → user → seq.
    pub(crate) reads: RwSignal<HashMap<ChatId, HashMap<UserId, i64>>>,
    /// The people I blocked, by name.
    pub(crate) blocked: RwSignal<Vec<User>>,
    /// Direct chats closed by a block (the server refused to carry a message or typing).
    pub(crate) closed: RwSignal<HashSet<ChatId>>,
    pub(crate) status: RwSignal<ConnStatus>,
    /// The clock, ticking once a second (countdowns, typing expiry).
    pub(crate) now_ms: RwSignal<f64>,
    /// The open chat.
    pub(crate) open: RwSignal<Option<ChatId>>,
    /// The open conversation is scrolled to its newest message.
    pub(crate) at_bottom: RwSignal<bool>,
    /// The page is visible and has the focus: only then does anything count as read.
    pub(crate) attended: RwSignal<bool>,
    /// The open chat's first unread message when it was opened (chat, seq): where the
    /// "New messages" line goes and where the chat opens.
    pub(crate) first_unread: RwSignal<Option<(ChatId, i64)>>,
    /// A passing message for the person (an action failed).
    pub(crate) notice: RwSignal<Option<String>>,
    /// A message to bring into view and highlight (a reply's quote or a search result was
    /// clicked): (chat, seq). The view scrolls to it and clears it.
    pub(crate) jump: RwSignal<Option<(ChatId, i64)>>,
    /// The message highlighted for a moment after a jump.
    pub(crate) flash: RwSignal<Option<(ChatId, i64)>>,
    /// Browser notifications are on (this browser; the person turned them on and it allows them).
    pub(crate) alerts_on: RwSignal<bool>,
    /// Whether this browser also gets Web Push while the app is closed: `Ok` once subscribed,
    /// or why it cannot; `None` until notifications are on and it was tried.
    pub(crate) push_state: RwSignal<Option<Result<(), String>>>,
}

fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// Whether the person can be looking at the page: it is visible (not a background tab or a
/// minimised window) and has the focus (not another window in front of it).
pub(crate) fn page_attended() -> bool {
    let doc = document();
    !doc.hidden() && doc.has_focus().unwrap_or(false)
}

/// Takes a signal's value out without notifying (the reducer is about to change it).
fn take<T: Default + Send + Sync + 'static>(signal: RwSignal<T>) -> T {
    signal
        .try_update_untracked(std::mem::take)
        .unwrap_or_default()
}

/// Puts a value back, notifying readers only if the reducer changed it.
fn put<T: Send + Sync + 'static>(signal: RwSignal<T>, value: T, changed: bool) {
    if changed {
        signal.set(value);
    } else {
        signal.update_untracked(|v| *v = value);
    }
}

impl ChatState {
    pub(crate) fn new() -> Self {
        let session = AuthSession::new();
        let (user, ended) = (session.user, session.ended);
        Self {
            session: StoredValue::new_local(session),
            services: StoredValue::new_local(None),
            throttle: StoredValue::new_local(TypingThrottle::default()),
            marked: StoredValue::new_local(HashMap::new()),
            catch_ups: StoredValue::new_local(CatchUps::default()),
            drafts: StoredValue::new_local(drafts::Drafts::default()),
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
            blocked: RwSignal::new(Vec::new()),
            closed: RwSignal::new(HashSet::new()),
            status: RwSignal::new(ConnStatus::Stopped),
            now_ms: RwSignal::new(now_ms()),
            open: RwSignal::new(None),
            at_bottom: RwSignal::new(true),
            attended: RwSignal::new(page_attended()),
            first_unread: RwSignal::new(None),
            notice: RwSignal::new(None),
            jump: RwSignal::new(None),
            flash: RwSignal::new(None),
            alerts_on: RwSignal::new(alerts::stored_on()),
            push_state: RwSignal::new(None),
        }
    }

    fn session(&self) -> AuthSession {
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

    /// The signed-in user's id (tracked).
    pub(crate) fn me(&self) -> Option<UserId> {
        self.user.with(|u| u.as_ref().map(|u| u.id))
    }

    /// The signed-in user's id for views, or an id nobody has: views of the signed-in shell
    /// can render once more while signing out.
    pub(crate) fn me_or_nobody(&self) -> UserId {
        self.me().unwrap_or_else(|| UserId::from(uuid::Uuid::nil()))
    }

    fn me_untracked(&self) -> Option<UserId> {
        self.user.with_untracked(|u| u.as_ref().map(|u| u.id))
    }

    /// Whether `user` is online (tracked); `None` when they share no presence with me. While
    /// we are not connected nobody is shown online: what we knew is stale.
    pub(crate) fn presence_of(&self, user: UserId) -> Option<bool> {
        let connected = self.status.with(|s| *s == ConnStatus::Online);
        self.presence
            .with(|p| p.get(&user).map(|online| *online && connected))
    }

    /// Whether I blocked `user` (tracked).
    pub(crate) fn is_blocked(&self, user: UserId) -> bool {
        self.blocked.with(|b| b.iter().any(|u| u.id == user))
    }

    /// A chat of the list, if it is there (tracked).
    pub(crate) fn chat(&self, id: ChatId) -> Option<Chat> {
        self.chats.with(|c| c.iter().find(|c| c.id == id).cloned())
    }

    /// A chat of the list, if it is there (untracked: for event handlers).
    fn chat_untracked(&self, id: ChatId) -> Option<Chat> {
        self.chats
            .with_untracked(|c| c.iter().find(|c| c.id == id).cloned())
    }

    /// Shows a passing message to the person.
    pub(crate) fn notify(&self, text: impl Into<String>) {
        self.notice.set(Some(text.into()));
    }

    /// Whether the person is looking at the newest messages of `chat` right now.
    fn is_viewing(&self, chat: ChatId) -> bool {
        self.open.get_untracked() == Some(chat) && self.at_bottom.get_untracked() && page_attended()
    }

    /// The moment as the reducer sees it; `None` when signed out.
    fn moment(&self) -> Option<Moment> {
        let open = self.open.get_untracked();
        Some(Moment {
            me: self.me_untracked()?,
            open,
            viewing: open.filter(|chat| self.is_viewing(*chat)),
            now_ms: now_ms(),
        })
    }

    /// Runs `change` on the data (taken out of the signals), then puts it back, notifying the
    /// readers of what changed.
    fn change_data<R>(&self, change: impl FnOnce(&mut ChatData) -> R) -> R {
        let mut data = ChatData {
            chats: take(self.chats),
            chats_loaded: self.chats_loaded.get_untracked(),
            timelines: take(self.timelines),
            outbox: take(self.outbox),
            contacts: take(self.contacts),
            presence: take(self.presence),
            typing: take(self.typing),
            reads: take(self.reads),
            blocked: take(self.blocked),
            closed: take(self.closed),
            changed: Default::default(),
        };
        let result = change(&mut data);
        let changed = data.take_changed();
        put(self.chats, data.chats, changed.chats);
        put(self.chats_loaded, data.chats_loaded, changed.chats_loaded);
        put(self.timelines, data.timelines, changed.timelines);
        put(self.outbox, data.outbox, changed.outbox);
        put(self.contacts, data.contacts, changed.contacts);
        put(self.presence, data.presence, changed.presence);
        put(self.typing, data.typing, changed.typing);
        put(self.reads, data.reads, changed.reads);
        put(self.blocked, data.blocked, changed.blocked);
        put(self.closed, data.closed, changed.closed);
        result
    }

    /// Resets every piece of per-user data (after sign-out or when the session ended).
    fn clear_data(&self) {
        self.throttle.set_value(TypingThrottle::default());
        self.marked.set_value(HashMap::new());
        self.catch_ups.set_value(CatchUps::default());
        self.forget_drafts();
        self.chats.set(Vec::new());
        self.chats_loaded.set(false);
        self.timelines.set(HashMap::new());
        self.loading_older.set(HashSet::new());
        self.outbox.set(Outbox::default());
        self.contacts.set(Vec::new());
        self.presence.set(HashMap::new());
        self.typing.set(TypingBoard::default());
        self.reads.set(HashMap::new());
        self.blocked.set(Vec::new());
        self.closed.set(HashSet::new());
        self.status.set(ConnStatus::Stopped);
        self.open.set(None);
        self.first_unread.set(None);
        self.notice.set(None);
        self.jump.set(None);
        self.flash.set(None);
    }
}
