//! The shared context every request and socket gets: the pool, token keys, sign-in policy,
//! limits, the real-time facade and the counters. Fields are private; the edges use the
//! accessors. It holds things, it does not decide anything.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chat_protocol::UserId;
use ipnet::IpNet;

use crate::auth::JwtKeys;
use crate::auth::jwt::Caller;
use crate::config::Config;
use crate::db::{self, AnyConnection, Pool};
use crate::error::{AppError, AppResult};
use crate::limits::{LoginLockout, RateLimiter};
use crate::metrics::Metrics;
use crate::realtime::Realtime;
use crate::store;
use crate::uploads::Uploads;

/// How refresh tokens live: their lifetime, and the grace period in which presenting a just
/// rotated one again is refused without revoking the session (two tabs refreshing at once).
pub(crate) struct RefreshPolicy {
    pub ttl_secs: i64,
    pub reuse_grace_secs: i64,
}

/// The REST edge's abuse limits, all in memory and per instance.
pub(crate) struct Guards {
    sign_ins: RateLimiter<IpAddr>,
    refreshes: RateLimiter<IpAddr>,
    writes: RateLimiter<UserId>,
    searches: RateLimiter<UserId>,
    lockout: LoginLockout,
    trusted_proxies: Vec<IpNet>,
    max_group_members: usize,
}

impl Guards {
    pub(crate) fn from_config(config: &Config) -> Self {
        Self {
            sign_ins: RateLimiter::new(config.auth_rate_limit),
            refreshes: RateLimiter::new(config.refresh_rate_limit),
            writes: RateLimiter::new(config.rest_write_rate_limit),
            searches: RateLimiter::new(config.search_rate_limit),
            lockout: LoginLockout::new(),
            trusted_proxies: config.trusted_proxies.clone(),
            max_group_members: config.max_group_members.max(2),
        }
    }

    /// Takes one sign-up or login attempt from `address`'s bucket.
    pub(crate) fn allow_sign_in(&self, address: IpAddr) -> bool {
        self.sign_ins.allow(address)
    }

    /// Takes one refresh from `address`'s (separate, generous) bucket.
    pub(crate) fn allow_refresh(&self, address: IpAddr) -> bool {
        self.refreshes.allow(address)
    }

    /// 429 when `user` writes faster than the REST write limit.
    pub(crate) fn check_write(&self, user: UserId) -> AppResult<()> {
        if self.writes.allow(user) {
            Ok(())
        } else {
            Err(AppError::RateLimited)
        }
    }

    /// Takes one search from `user`'s bucket: a search may read much more than it returns.
    pub(crate) fn check_search(&self, user: UserId) -> AppResult<()> {
        if self.searches.allow(user) {
            Ok(())
        } else {
            Err(AppError::RateLimited)
        }
    }

    pub(crate) fn lockout(&self) -> &LoginLockout {
        &self.lockout
    }

    pub(crate) fn trusted_proxies(&self) -> &[IpNet] {
        &self.trusted_proxies
    }

    pub(crate) fn max_group_members(&self) -> usize {
        self.max_group_members
    }
}

/// The server's own retention period, and a way to ask the sweep (`services::retention`) to run
/// now: a group's period just changed.
pub(crate) struct Retention {
    server_days: Option<u32>,
    wake: tokio::sync::Notify,
}

impl Retention {
    pub(crate) fn new(server_days: Option<u32>) -> Self {
        Self {
            server_days,
            wake: tokio::sync::Notify::new(),
        }
    }

    pub(crate) fn server_days(&self) -> Option<u32> {
        self.server_days
    }

    /// Sweeps as soon as the current sweep (if any) ends.
    pub(crate) fn wake(&self) {
        self.wake.notify_one();
    }

    /// Resolves when someone asked for a sweep.
    pub(crate) async fn woken(&self) {
        self.wake.notified().await;
    }
}

/// What the server keeps and sends beyond chat itself: messages for their retention period,
/// uploaded files, and Web Push to browsers.
pub(crate) struct Facilities {
    pub retention: Retention,
    pub uploads: Uploads,
    pub push: PushService,
}

/// Web Push: the server's VAPID identity (its public key goes to browsers) and the client that
/// sends pushes.
pub(crate) struct PushService {
    pub vapid: Arc<crate::push::Vapid>,
    pub client: crate::push::PushClient,
    /// Subscriptions may point at http and private addresses (tests only).
    pub allow_private: bool,
}

/// Whether the server can serve, as last checked; `/readyz` answers from it for a second.
type Readiness = Option<(Instant, Result<(), &'static str>)>;

pub(crate) struct AppState {
    pool: Pool,
    jwt: JwtKeys,
    refresh: RefreshPolicy,
    guards: Guards,
    realtime: Realtime,
    metrics: Arc<Metrics>,
    retention: Retention,
    uploads: Uploads,
    push: PushService,
    readiness: tokio::sync::Mutex<Readiness>,
}

impl AppState {
    pub(crate) fn new(
        pool: Pool,
        jwt: JwtKeys,
        refresh: RefreshPolicy,
        guards: Guards,
        realtime: Realtime,
        metrics: Arc<Metrics>,
        facilities: Facilities,
    ) -> Self {
        let Facilities {
            retention,
            uploads,
            push,
        } = facilities;
        Self {
            pool,
            jwt,
            refresh,
            guards,
            realtime,
            metrics,
            retention,
            uploads,
            push,
            readiness: tokio::sync::Mutex::new(None),
        }
    }

    pub(crate) fn guards(&self) -> &Guards {
        &self.guards
    }

    /// Whether the database and the fan-out answer, checked at most once a second: a flood of
    /// `/readyz` must not compete with real queries for the pool.
    pub(crate) async fn readiness(&self) -> Result<(), &'static str> {
        let mut cached = self.readiness.lock().await;
        if let Some((at, ready)) = *cached
            && at.elapsed() < Duration::from_secs(1)
        {
            return ready;
        }
        let pool = self.pool.clone();
        let database = actix_web::web::block(move || db::ping(&pool))
            .await
            .unwrap_or(false);
        let ready = if !database {
            Err("database")
        } else if !self.realtime.ping().await {
            Err("redis")
        } else {
            Ok(())
        };
        *cached = Some((Instant::now(), ready));
        ready
    }

    /// Runs `f` with a pooled connection on the blocking pool.
    pub(crate) async fn db<T, F>(&self, f: F) -> AppResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut AnyConnection) -> AppResult<T> + Send + 'static,
    {
        let asked = Instant::now();
        let waited = self.metrics.db_wait.clone();
        store::with_db(&self.pool, move |c| {
            // Queued for a blocking thread and a connection: what a busy pool costs a request.
            waited.observe(asked.elapsed().as_secs_f64());
            f(c)
        })
        .await
    }

    pub(crate) fn jwt(&self) -> &JwtKeys {
        &self.jwt
    }

    pub(crate) fn refresh_policy(&self) -> &RefreshPolicy {
        &self.refresh
    }

    pub(crate) fn realtime(&self) -> &Realtime {
        &self.realtime
    }

    pub(crate) fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    pub(crate) fn retention(&self) -> &Retention {
        &self.retention
    }

    pub(crate) fn uploads(&self) -> &Uploads {
        &self.uploads
    }

    pub(crate) fn push(&self) -> &PushService {
        &self.push
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
