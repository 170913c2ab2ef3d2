//! Limits kept in memory, per process: token buckets (message sends per user, sign-ins per
//! address) and the typing throttle. Pure bookkeeping: no I/O, no knowledge of who calls.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chat_protocol::{ChatId, UserId};

/// Token bucket per key (a user, an address): `rate` per second, bursts up to 5 × `rate`.
/// `rate = 0` is off.
pub(crate) struct RateLimiter<K> {
    rate: f64,
    burst: f64,
    buckets: Mutex<HashMap<K, (f64, Instant)>>,
}

impl<K: std::hash::Hash + Eq> RateLimiter<K> {
    pub(crate) fn new(per_second: u32) -> Self {
        Self {
            rate: f64::from(per_second),
            burst: f64::from(per_second) * 5.0,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token; `false` when `key` (a user, an address) is over the limit.
    pub(crate) fn allow(&self, key: K) -> bool {
        self.allow_at(key, Instant::now())
    }

    fn allow_at(&self, key: K, now: Instant) -> bool {
        if self.rate <= 0.0 {
            return true;
        }
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if buckets.len() > 100_000 {
            // Full buckets carry no state worth keeping.
            let full_after = Duration::from_secs_f64(self.burst / self.rate);
            buckets.retain(|_, (_, at)| now.duration_since(*at) < full_after);
        }
        let (tokens, last) = buckets.entry(key).or_insert((self.burst, now));
        let refill = now.duration_since(*last).as_secs_f64() * self.rate;
        *tokens = (*tokens + refill).min(self.burst);
        *last = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// At most one `typing` event per user and chat per interval; the rest are dropped quietly.
pub(crate) struct TypingThrottle {
    interval: Duration,
    last: Mutex<HashMap<(UserId, ChatId), Instant>>,
}

impl TypingThrottle {
    pub(crate) fn new(interval: Duration) -> Self {
        Self {
            interval,
            last: Mutex::new(HashMap::new()),
        }
    }

    pub(crate) fn allow(&self, user: UserId, chat: ChatId) -> bool {
        let now = Instant::now();
        let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        if last.len() > 100_000 {
            let interval = self.interval;
            last.retain(|_, at| now.duration_since(*at) < interval);
        }
        match last.get(&(user, chat)) {
            Some(at) if now.duration_since(*at) < self.interval => false,
            _ => {
                last.insert((user, chat), now);
                true
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;

    #[test]
    fn bucket_allows_burst_then_refills() {
        let limiter = RateLimiter::new(2);
        let user = UserId::from(Uuid::new_v4());
        let start = Instant::now();
        for _ in 0..10 {
            assert!(limiter.allow_at(user, start));
        }
        assert!(!limiter.allow_at(user, start), "burst of 5x rate exhausted");
        assert!(limiter.allow_at(user, start + Duration::from_millis(600)));
        assert!(!limiter.allow_at(user, start + Duration::from_millis(600)));
        assert!(
            limiter.allow_at(UserId::from(Uuid::new_v4()), start),
            "buckets are per user"
        );
    }

    #[test]
    fn zero_rate_is_unlimited() {
        let limiter = RateLimiter::new(0);
        let user = UserId::from(Uuid::new_v4());
        assert!((0..10_000).all(|_| limiter.allow(user)));
    }

    #[test]
    fn typing_is_throttled_per_user_and_chat() {
        let throttle = TypingThrottle::new(Duration::from_secs(60));
        let user = UserId::from(Uuid::new_v4());
        let chat = ChatId::from(Uuid::new_v4());
        assert!(throttle.allow(user, chat));
        assert!(!throttle.allow(user, chat));
        assert!(throttle.allow(user, ChatId::from(Uuid::new_v4())));
        assert!(throttle.allow(UserId::from(Uuid::new_v4()), chat));
    }
}
