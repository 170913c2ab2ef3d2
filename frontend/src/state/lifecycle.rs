//! Signing in and out, starting and stopping the connection, and the one-second clock. Owns no
//! data of its own; what the socket reports is handed to `sync`.

use std::rc::Rc;

use chat_protocol::RegisterRequest;
use leptos::prelude::*;

use super::{ChatState, Services, now_ms, route};
use crate::net::{self, Api, ConnStatus, Socket};
use crate::text::error_text::{Attempt, explain};

/// Where an invite link opened while signed out waits for the sign-in (this tab only).
const PENDING_INVITE: &str = "chat.pending_invite";

fn session_storage() -> Option<web_sys::Storage> {
    window().session_storage().ok().flatten()
}

/// An invite link in the address bar is remembered until someone is signed in to accept it.
pub(crate) fn remember_invite_in_address() {
    if let Some(token) = route::invite_from_path(&route::current_path())
        && let Some(storage) = session_storage()
    {
        let _ = storage.set_item(PENDING_INVITE, &token);
    }
}

/// Whether an invite link waits for the sign-in.
pub(crate) fn has_pending_invite() -> bool {
    session_storage()
        .and_then(|s| s.get_item(PENDING_INVITE).ok().flatten())
        .is_some()
}

fn take_pending_invite() -> Option<String> {
    let storage = session_storage()?;
    let token = storage.get_item(PENDING_INVITE).ok().flatten()?;
    let _ = storage.remove_item(PENDING_INVITE);
    Some(token)
}

impl ChatState {
    /// After a reload: signs in again from a remembered session, if there is one.
    pub(crate) async fn restore(&self) {
        match self.session().restore().await {
            Ok(true) => self.start(),
            Ok(false) => {}
            Err(e) => self.ended.set(Some(explain(&e, Attempt::SignIn))),
        }
    }

    /// Signs in (or creates the account first, for `Attempt::SignUp`) and starts the app.
    pub(crate) async fn sign_in(
        &self,
        request: RegisterRequest,
        attempt: Attempt,
        remember: bool,
    ) -> Result<(), String> {
        let result = match attempt {
            Attempt::SignUp => net::register(&request).await,
            Attempt::SignIn | Attempt::Other => net::login(&request).await,
        };
        let auth = result.map_err(|e| explain(&e, attempt))?;
        self.session().accept(auth, remember);
        self.start();
        Ok(())
    }

    /// The session is signed in: open the socket and load the lists.
    pub(crate) fn start(&self) {
        if self.services.with_value(Option::is_some) {
            return;
        }
        let api = Api::new(self.session());
        let state = *self;
        let socket = Socket::start(api.clone(), Rc::new(move |ev| state.on_socket_event(ev)));
        self.services.set_value(Some(Services { api, socket }));
        if let Some(chat) = route::chat_from_path(&route::current_path()) {
            self.open_chat(chat);
        }
        self.refresh_lists();
        if self.alerts_on.get_untracked() {
            let state = *self;
            leptos::task::spawn_local(async move { state.subscribe_push().await });
        }
        if let Some(token) = take_pending_invite() {
            let state = *self;
            leptos::task::spawn_local(async move {
                if let Err(e) = state.accept_invite(&token).await {
                    route::push("/");
                    // Coming online clears the notice (it was about being offline): say it
                    // once the connection is up, so it stays.
                    for _ in 0..100 {
                        if state.status.try_get_untracked() != Some(ConnStatus::Connecting)
                            && state.status.try_get_untracked() != Some(ConnStatus::Stopped)
                        {
                            break;
                        }
                        gloo_timers::future::TimeoutFuture::new(100).await;
                    }
                    // …and after the view has reacted to it.
                    gloo_timers::future::TimeoutFuture::new(100).await;
                    state.notify(e);
                }
            });
        }
    }

    /// Stops the socket and forgets all per-user state (after sign-out or session end).
    pub(crate) fn stop(&self) {
        if let Some(socket) = self.socket() {
            socket.stop();
        }
        self.services.set_value(None);
        self.clear_data();
        route::push("/");
    }

    pub(crate) fn sign_out(&self) {
        let state = *self;
        let session = self.session();
        self.stop();
        leptos::task::spawn_local(async move {
            session.sign_out().await;
            state.ended.set(None);
        });
    }

    /// Skips the rest of the reconnect wait.
    pub(crate) fn retry_now(&self) {
        if let Some(socket) = self.socket() {
            socket.retry_now();
        }
    }

    /// Once a second: the clock, typing expiry, unconfirmed sends.
    pub(crate) fn tick(&self) {
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
}
