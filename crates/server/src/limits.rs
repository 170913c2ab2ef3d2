//! Limits kept in memory, per process: token buckets (per user, per address, per socket), the
//! per-username login lockout, and the typing throttle. Pure bookkeeping with time passed in
//! or read once: no I/O, no knowledge of who calls. Every map here stays bounded and costs
//! O(1) per call (amortised), however many distinct keys an attacker invents.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chat_protocol::{ChatId, UserId};

/// A rate: `per_second` tokens per second, bursts up to 5× that. Zero is off.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Rate {
    per_second: f64,
    burst: f64,
}

impl Rate {
    pub(crate) fn per_second(n: u32) -> Self {
        Self {
            per_second: f64::from(n),
            burst: f64::from(n) * 5.0,
        }
    }

    fn is_off(self) -> bool {
        self.per_second <= 0.0
    }

    /// How long an untouched bucket takes to fill up again (after that it holds no state).
    fn refill_time(self) -> Duration {
        Duration::from_secs_f64(self.burst / self.per_second)
    }
}

/// One token bucket.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Bucket {
    tokens: f64,
    last: Instant,
}

impl Bucket {
    fn full(rate: Rate, now: Instant) -> Self {
        Self {
            tokens: rate.burst,
            last: now,
        }
    }

    /// Takes one token at `rate`; false when the bucket is empty.
    fn take(&mut self, rate: Rate, now: Instant) -> bool {
        let refill = now.duration_since(self.last).as_secs_f64() * rate.per_second;
        self.tokens = (self.tokens + refill).min(rate.burst);
        self.last = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// A budget owned by one holder (a socket): no map, no lock.
pub(crate) struct Budget {
    rate: Rate,
    bucket: Bucket,
}

impl Budget {
    pub(crate) fn new(rate: Rate) -> Self {
        Self {
            rate,
            bucket: Bucket::full(rate, Instant::now()),
        }
    }

    pub(crate) fn allow(&mut self) -> bool {
        self.rate.is_off() || self.bucket.take(self.rate, Instant::now())
    }
}

/// A map swept of stale entries whenever it has doubled since the last sweep, so each call
/// costs O(1) amortised and the map never holds more than twice its live entries.
struct Sweeping<K, V> {
    map: HashMap<K, V>,
    sweep_at: usize,
}

impl<K: Hash + Eq, V> Sweeping<K, V> {
    const FIRST_SWEEP: usize = 1024;

    fn new() -> Self {
        Self {
            map: HashMap::new(),
            sweep_at: Self::FIRST_SWEEP,
        }
    }

    fn sweep_if_grown(&mut self, live: impl FnMut(&V) -> bool) {
        if self.map.len() >= self.sweep_at {
            let mut live = live;
            self.map.retain(|_, v| live(v));
            self.sweep_at = (self.map.len() * 2).max(Self::FIRST_SWEEP);
        }
    }
}

/// Token bucket per key (a user, an address).
pub(crate) struct RateLimiter<K> {
    rate: Rate,
    buckets: Mutex<Sweeping<K, Bucket>>,
}

impl<K: Hash + Eq> RateLimiter<K> {
    pub(crate) fn new(per_second: u32) -> Self {
        Self {
            rate: Rate::per_second(per_second),
            buckets: Mutex::new(Sweeping::new()),
        }
    }

    /// Takes one token; `false` when `key` is over the limit.
    pub(crate) fn allow(&self, key: K) -> bool {
        self.allow_at(key, Instant::now())
    }

    fn allow_at(&self, key: K, now: Instant) -> bool {
        if self.rate.is_off() {
            return true;
        }
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        let full_after = self.rate.refill_time();
        // A bucket untouched long enough is full again: forgetting it changes nothing.
        buckets.sweep_if_grown(|b| now.duration_since(b.last) < full_after);
        let rate = self.rate;
        buckets
            .map
            .entry(key)
            .or_insert_with(|| Bucket::full(rate, now))
            .take(rate, now)
    }
}

/// After `MAX_FAILURES` failed logins for one username within `WINDOW`, logins for it are
/// refused until the window ends, whatever address they come from.
pub(crate) struct LoginLockout {
    failures: Mutex<Sweeping<String, (u32, Instant)>>,
}

impl LoginLockout {
    const MAX_FAILURES: u32 = 10;
    const WINDOW: Duration = Duration::from_secs(15 * 60);

    pub(crate) fn new() -> Self {
        Self {
            failures: Mutex::new(Sweeping::new()),
        }
    }

    fn key(username: &str) -> String {
        username.to_lowercase()
    }

    pub(crate) fn is_locked(&self, username: &str) -> bool {
        self.is_locked_at(username, Instant::now())
    }

    fn is_locked_at(&self, username: &str, now: Instant) -> bool {
        let failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        failures
            .map
            .get(&Self::key(username))
            .is_some_and(|(count, since)| {
                *count >= Self::MAX_FAILURES && now.duration_since(*since) < Self::WINDOW
            })
    }

    pub(crate) fn failed(&self, username: &str) {
        self.failed_at(username, Instant::now());
    }

    fn failed_at(&self, username: &str, now: Instant) {
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        failures.sweep_if_grown(|(_, since)| now.duration_since(*since) < Self::WINDOW);
        let entry = failures.map.entry(Self::key(username)).or_insert((0, now));
        if now.duration_since(entry.1) >= Self::WINDOW {
            *entry = (0, now);
        }
        entry.0 += 1;
    }

    /// A correct password before the lockout: the count starts over.
    pub(crate) fn succeeded(&self, username: &str) {
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        failures.map.remove(&Self::key(username));
    }
}

/// At most one `typing` event per user and chat per interval; the rest are dropped quietly.
pub(crate) struct TypingThrottle {
    interval: Duration,
    last: Mutex<Sweeping<(UserId, ChatId), Instant>>,
}

impl TypingThrottle {
    pub(crate) fn new(interval: Duration) -> Self {
        Self {
            interval,
            last: Mutex::new(Sweeping::new()),
        }
    }

    /// Whether `user` announced typing in `chat` within the interval (reads only: nothing is
    /// recorded for chats the user may not even belong to).
    pub(crate) fn recently(&self, user: UserId, chat: ChatId) -> bool {
        let last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        last.map
            .get(&(user, chat))
            .is_some_and(|at| at.elapsed() < self.interval)
    }

    /// Records an announcement; false if another one got in first within the interval.
    pub(crate) fn record(&self, user: UserId, chat: ChatId) -> bool {
        let now = Instant::now();
        let interval = self.interval;
        let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        last.sweep_if_grown(|at| now.duration_since(*at) < interval);
        match last.map.get(&(user, chat)) {
            Some(at) if now.duration_since(*at) < interval => false,
            _ => {
                last.map.insert((user, chat), now);
                true
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;

    fn someone() -> UserId {
        UserId::from(Uuid::new_v4())
    }

    #[test]
    fn bucket_allows_burst_then_refills() {
        let limiter = RateLimiter::new(2);
        let user = someone();
        let start = Instant::now();
        for _ in 0..10 {
            assert!(limiter.allow_at(user, start));
        }
        assert!(!limiter.allow_at(user, start), "burst of 5x rate exhausted");
        assert!(limiter.allow_at(user, start + Duration::from_millis(600)));
        assert!(!limiter.allow_at(user, start + Duration::from_millis(600)));
        assert!(limiter.allow_at(someone(), start), "buckets are per user");
    }

    #[test]
    fn zero_rate_is_unlimited() {
        let limiter = RateLimiter::new(0);
        let user = someone();
        assert!((0..10_000).all(|_| limiter.allow(user)));
        let mut budget = Budget::new(Rate::per_second(0));
        assert!((0..10_000).all(|_| budget.allow()));
    }

    #[test]
    fn a_socket_budget_is_a_bucket_of_its_own() {
        let mut budget = Budget::new(Rate::per_second(2));
        assert_eq!((0..20).filter(|_| budget.allow()).count(), 10);
    }

    #[test]
    fn many_distinct_keys_stay_bounded() {
        let limiter = RateLimiter::new(1000);
        let start = Instant::now();
        for i in 0..50_000u32 {
            // Each key is seen once; a millisecond later the previous ones are full again.
            let now = start + Duration::from_millis(u64::from(i) * 10);
            assert!(limiter.allow_at(i, now));
        }
        let buckets = limiter.buckets.lock().unwrap();
        assert!(
            buckets.map.len() < 2 * Sweeping::<u32, Bucket>::FIRST_SWEEP,
            "{}",
            buckets.map.len()
        );
    }

    #[test]
    fn ten_failures_lock_a_username_for_the_window() {
        let lockout = LoginLockout::new();
        let start = Instant::now();
        for _ in 0..9 {
            lockout.failed_at("Alice", start);
        }
        assert!(!lockout.is_locked_at("alice", start));
        lockout.failed_at("ALICE", start);
        assert!(lockout.is_locked_at("alice", start), "case does not matter");
        assert!(!lockout.is_locked_at("bob", start));
        assert!(lockout.is_locked_at(
            "alice",
            start + LoginLockout::WINDOW - Duration::from_secs(1)
        ));
        assert!(!lockout.is_locked_at("alice", start + LoginLockout::WINDOW));
        lockout.failed_at("alice", start + LoginLockout::WINDOW);
        assert!(
            !lockout.is_locked_at("alice", start + LoginLockout::WINDOW),
            "a new window"
        );
        lockout.succeeded("alice");
        assert!(lockout.failures.lock().unwrap().map.is_empty());
    }

    #[test]
    fn typing_is_throttled_per_user_and_chat() {
        let throttle = TypingThrottle::new(Duration::from_secs(60));
        let user = someone();
        let chat = ChatId::from(Uuid::new_v4());
        assert!(!throttle.recently(user, chat), "looking records nothing");
        assert!(!throttle.recently(user, chat));
        assert!(throttle.record(user, chat));
        assert!(throttle.recently(user, chat));
        assert!(!throttle.record(user, chat));
        assert!(throttle.record(user, ChatId::from(Uuid::new_v4())));
        assert!(throttle.record(someone(), chat));
    }
}
