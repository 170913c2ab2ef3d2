//! Who is signed in, and their tokens (the browser's auth session; not the server's socket
//! session). Owns the tokens, their renewal and "remember me"; must not call signed-in endpoints
//! (that is `api`, which builds on this).
//!
//! The access token lives only in memory; the refresh token too, unless "remember me" was
//! ticked, in which case it is also kept in `localStorage` so a reload can sign in again. The
//! access token is renewed before it expires (each renewal rotates the refresh token);
//! concurrent renewals share one request, because presenting a rotated refresh token twice
//! would be refused.

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use chat_protocol::{AuthResponse, User};
use futures::FutureExt;
use futures::future::{LocalBoxFuture, Shared};
use gloo_timers::callback::Timeout;
use leptos::prelude::*;

use super::auth_api;
use super::error::ApiError;

const STORAGE_KEY: &str = "chat.refresh_token";
/// Renew when less than this is left of the access token's life.
const RENEW_MARGIN_MS: f64 = 60_000.0;
/// Retry a renewal that failed for lack of network after this long.
const RENEW_RETRY_MS: u32 = 5_000;

fn now_ms() -> f64 {
    js_sys::Date::now()
}

fn storage() -> Option<web_sys::Storage> {
    window().local_storage().ok().flatten()
}

/// The refresh token kept by "remember me", if any.
fn remembered_refresh_token() -> Option<String> {
    storage()?
        .get_item(STORAGE_KEY)
        .ok()
        .flatten()
        .filter(|t| !t.is_empty())
}

fn store_refresh_token(token: Option<&str>) {
    if let Some(s) = storage() {
        let _ = match token {
            Some(t) => s.set_item(STORAGE_KEY, t),
            None => s.remove_item(STORAGE_KEY),
        };
    }
}

/// When to renew a token that lives `ttl_ms`: a minute before it expires, but never in the first
/// 80% of its life (short-lived tokens in tests).
fn renew_after_ms(ttl_ms: f64) -> f64 {
    (ttl_ms - RENEW_MARGIN_MS).max(ttl_ms * 0.8).max(1_000.0)
}

struct Tokens {
    access: String,
    refresh: String,
    expires_at_ms: f64,
}

type Renewal = Shared<LocalBoxFuture<'static, Result<(), ApiError>>>;

struct Inner {
    tokens: Option<Tokens>,
    remember: bool,
    renewal: Option<Renewal>,
    timer: Option<Timeout>,
}

/// Cheap to clone; all clones share the same state.
#[derive(Clone)]
pub(crate) struct AuthSession {
    inner: Rc<RefCell<Inner>>,
    /// The signed-in user, for the UI; `None` when signed out.
    pub(crate) user: RwSignal<Option<User>>,
    /// Why the session ended on its own (e.g. the refresh token was revoked), for the sign-in page.
    pub(crate) ended: RwSignal<Option<String>>,
}

impl AuthSession {
    pub(crate) fn new() -> Self {
        Self {
            inner: Rc::new(RefCell::new(Inner {
                tokens: None,
                remember: false,
                renewal: None,
                timer: None,
            })),
            user: RwSignal::new(None),
            ended: RwSignal::new(None),
        }
    }

    pub(crate) fn access_token(&self) -> Option<String> {
        self.inner
            .borrow()
            .tokens
            .as_ref()
            .map(|t| t.access.clone())
    }

    /// Takes over a fresh `AuthResponse` (sign-in, sign-up, or renewal).
    pub(crate) fn accept(&self, auth: AuthResponse, remember: bool) {
        let ttl_ms = (auth.expires_in.max(1) as f64) * 1000.0;
        {
            let mut inner = self.inner.borrow_mut();
            inner.remember = remember;
            inner.tokens = Some(Tokens {
                access: auth.access_token,
                refresh: auth.refresh_token.clone(),
                expires_at_ms: now_ms() + ttl_ms,
            });
        }
        store_refresh_token(remember.then_some(auth.refresh_token.as_str()));
        self.schedule_renewal(renew_after_ms(ttl_ms));
        self.ended.set(None);
        if self.user.get_untracked().as_ref() != Some(&auth.user) {
            self.user.set(Some(auth.user));
        }
    }

    fn schedule_renewal(&self, after_ms: f64) {
        let weak: Weak<RefCell<Inner>> = Rc::downgrade(&self.inner);
        let (user, ended) = (self.user, self.ended);
        let timer = Timeout::new(after_ms.clamp(0.0, f64::from(i32::MAX)) as u32, move || {
            if let Some(inner) = weak.upgrade() {
                let session = AuthSession { inner, user, ended };
                leptos::task::spawn_local(async move {
                    // Failures are handled inside: a network error reschedules, a refusal
                    // ends the session.
                    let _ = session.refresh().await;
                });
            }
        });
        self.inner.borrow_mut().timer = Some(timer);
    }

    /// An access token valid for at least a little while, renewing first if needed.
    pub(crate) async fn fresh_access_token(&self) -> Result<String, ApiError> {
        let due = {
            let inner = self.inner.borrow();
            let tokens = inner.tokens.as_ref().ok_or(ApiError::SignedOut)?;
            tokens.expires_at_ms - now_ms() < 30_000.0
        };
        if due {
            self.refresh().await?;
        }
        self.access_token().ok_or(ApiError::SignedOut)
    }

    /// Renews the tokens; concurrent callers share one request.
    pub(crate) async fn refresh(&self) -> Result<(), ApiError> {
        let renewal = {
            let mut inner = self.inner.borrow_mut();
            match &inner.renewal {
                Some(r) => r.clone(),
                None => {
                    let r = self.clone().renew().boxed_local().shared();
                    inner.renewal = Some(r.clone());
                    r
                }
            }
        };
        let result = renewal.await;
        self.inner.borrow_mut().renewal = None;
        result
    }

    async fn renew(self) -> Result<(), ApiError> {
        let (current, remember) = {
            let inner = self.inner.borrow();
            let tokens = inner.tokens.as_ref().ok_or(ApiError::SignedOut)?;
            (tokens.refresh.clone(), inner.remember)
        };
        // Another tab of the same remembered session may have rotated the token already.
        let token = if remember {
            remembered_refresh_token().unwrap_or(current)
        } else {
            current
        };
        let mut result = auth_api::refresh(&token).await;
        // Two tabs renewing at once: the other one may have just stored a newer token.
        if result.as_ref().is_err_and(ApiError::is_unauthorized)
            && remember
            && let Some(latest) = remembered_refresh_token().filter(|t| *t != token)
        {
            result = auth_api::refresh(&latest).await;
        }
        match result {
            Ok(auth) => {
                self.accept(auth, remember);
                Ok(())
            }
            Err(e) if e.is_unauthorized() => {
                self.end("You were signed out. Sign in again to continue.");
                Err(ApiError::SignedOut)
            }
            Err(e) => {
                self.schedule_renewal(f64::from(RENEW_RETRY_MS));
                Err(e)
            }
        }
    }

    /// Signs in again from a remembered refresh token (after a reload). False if there is none
    /// or it no longer works.
    pub(crate) async fn restore(&self) -> Result<bool, ApiError> {
        let Some(token) = remembered_refresh_token() else {
            return Ok(false);
        };
        match auth_api::refresh(&token).await {
            Ok(auth) => {
                self.accept(auth, true);
                Ok(true)
            }
            Err(e) if e.is_unauthorized() => {
                store_refresh_token(None);
                Ok(false)
            }
            Err(e) => Err(e),
        }
    }

    /// The server closed the socket because this session was revoked, and renewing confirmed
    /// it: say so calmly on the sign-in page.
    pub(crate) fn ended_elsewhere(&self) {
        self.end("You were signed out on another device.");
    }

    /// The account was deleted from this device (the server ended its sessions already).
    pub(crate) fn account_deleted(&self) {
        self.end("Your account was deleted.");
    }

    /// Forgets everything locally and tells the UI why.
    fn end(&self, reason: &str) {
        self.clear();
        self.ended.set(Some(reason.to_owned()));
    }

    fn clear(&self) {
        {
            let mut inner = self.inner.borrow_mut();
            inner.tokens = None;
            inner.timer = None;
        }
        store_refresh_token(None);
        self.user.set(None);
    }

    fn token_pair(&self) -> Option<(String, String)> {
        self.inner
            .borrow()
            .tokens
            .as_ref()
            .map(|t| (t.access.clone(), t.refresh.clone()))
    }

    /// Signs out: revokes the refresh token on the server, then forgets the tokens.
    pub(crate) async fn sign_out(&self) {
        if let Some((access, refresh)) = self.token_pair() {
            let revoked = auth_api::logout(&access, &refresh).await;
            if revoked.as_ref().is_err_and(ApiError::is_unauthorized) {
                // The access token had just expired: renew (which rotates) and revoke the new one.
                let renewed = self.refresh().await.is_ok();
                if let Some((access, refresh)) = self.token_pair().filter(|_| renewed) {
                    let _ = auth_api::logout(&access, &refresh).await;
                }
            }
        }
        self.clear();
    }
}

impl Default for AuthSession {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::renew_after_ms;

    #[test]
    fn renewal_happens_before_expiry() {
        assert_eq!(renew_after_ms(900_000.0), 840_000.0);
        assert_eq!(renew_after_ms(20_000.0), 16_000.0);
        assert_eq!(renew_after_ms(100.0), 1_000.0);
    }
}
