//! The shared context every request and socket gets: the pool, token keys, sign-in policy,
//! limits, the real-time facade and the counters. Fields are private; the edges use the
//! accessors. It holds things, it does not decide anything.

use std::net::IpAddr;
use std::sync::Arc;

use crate::auth::JwtKeys;
use crate::auth::jwt::Caller;
use crate::db::{AnyConnection, Pool};
use crate::error::{AppError, AppResult};
use crate::limits::RateLimiter;
use crate::metrics::Metrics;
use crate::realtime::Realtime;
use crate::store;

/// How refresh tokens live: their lifetime, and the grace period in which presenting a just
/// rotated one again is refused without revoking the session (two tabs refreshing at once).
pub(crate) struct RefreshPolicy {
    pub ttl_secs: i64,
    pub reuse_grace_secs: i64,
}

pub(crate) struct AppState {
    pool: Pool,
    jwt: JwtKeys,
    refresh: RefreshPolicy,
    auth_limiter: RateLimiter<IpAddr>,
    realtime: Realtime,
    metrics: Arc<Metrics>,
}

impl AppState {
    pub(crate) fn new(
        pool: Pool,
        jwt: JwtKeys,
        refresh: RefreshPolicy,
        auth_rate_limit: u32,
        realtime: Realtime,
        metrics: Arc<Metrics>,
    ) -> Self {
        Self {
            pool,
            jwt,
            refresh,
            auth_limiter: RateLimiter::new(auth_rate_limit),
            realtime,
            metrics,
        }
    }

    /// Runs `f` with a pooled connection on the blocking pool.
    pub(crate) async fn db<T, F>(&self, f: F) -> AppResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut AnyConnection) -> AppResult<T> + Send + 'static,
    {
        store::with_db(&self.pool, f).await
    }

    pub(crate) fn pool(&self) -> &Pool {
        &self.pool
    }

    pub(crate) fn jwt(&self) -> &JwtKeys {
        &self.jwt
    }

    pub(crate) fn refresh_policy(&self) -> &RefreshPolicy {
        &self.refresh
    }

    /// Takes one sign-in attempt from `address`'s bucket; false when it is over the limit.
    pub(crate) fn allow_sign_in(&self, address: IpAddr) -> bool {
        self.auth_limiter.allow(address)
    }

    pub(crate) fn realtime(&self) -> &Realtime {
        &self.realtime
    }

    pub(crate) fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// Who an access token proves; 401 without one, with a bad or expired one, or with one of
    /// a session that ended (a map lookup: no query per request).
    pub(crate) fn authenticate(&self, token: Option<&str>) -> AppResult<Caller> {
        let token = token.ok_or(AppError::Unauthorized("missing access token"))?;
        let caller = self.jwt.verify(token)?;
        if self.realtime.is_session_ended(caller.session) {
            return Err(AppError::Unauthorized("session ended; sign in again"));
        }
        Ok(caller)
    }
}
