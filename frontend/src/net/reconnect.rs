//! Reconnect policy and the connection status shown to the person: exponential backoff with
//! jitter, and the words for each state ("connecting…", "offline, retrying in 4 s"). Pure: the
//! socket task owns the timers and the randomness.

/// Exponential backoff with "equal jitter": the n-th delay is drawn from `[cap/2, cap]` where
/// `cap = min(max, base * 2^n)`. Half of the delay is fixed, so a flapping server is never
/// hammered; the random half spreads many clients that lost the same server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Backoff {
    base_ms: u32,
    max_ms: u32,
    attempt: u32,
}

impl Default for Backoff {
    /// 0.5 s, 1 s, 2 s, then every 1.5–3 s: a server back after a restart is found within
    /// about 3 s. A chat server is cheap to knock on; a person waiting 30 s is not.
    fn default() -> Self {
        Self::new(500, 3_000)
    }
}

impl Backoff {
    pub(crate) const fn new(base_ms: u32, max_ms: u32) -> Self {
        Self {
            base_ms,
            max_ms,
            attempt: 0,
        }
    }

    /// The delay before the next attempt, in milliseconds. `random` is a uniform sample from
    /// `[0, 1)` (`Math.random()` in the browser); passing it in keeps this testable.
    pub(crate) fn next_delay(&mut self, random: f64) -> u32 {
        let exp = self.attempt.min(16);
        let cap = self
            .base_ms
            .saturating_mul(1u32 << exp)
            .min(self.max_ms)
            .max(1);
        self.attempt = self.attempt.saturating_add(1);
        let half = cap / 2;
        let jitter = (f64::from(cap - half) * random.clamp(0.0, 1.0)) as u32;
        (half + jitter).min(cap)
    }

    /// The connection succeeded: start again from the base delay.
    pub(crate) fn reset(&mut self) {
        self.attempt = 0;
    }
}

/// Where the one socket of the app stands.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ConnStatus {
    /// Opening the socket (first time or after a wait).
    Connecting,
    /// The server said `ready`.
    Online,
    /// The socket is open but the server has not answered a `ping` for a while.
    Stalled,
    /// Closed; the next attempt is due at `retry_at_ms` (milliseconds since the epoch).
    Offline { retry_at_ms: f64 },
    /// Signed out: no socket wanted.
    Stopped,
}

impl ConnStatus {
    /// The status line, e.g. "offline, retrying in 4 s". `now_ms` is the current time.
    pub(crate) fn label(&self, now_ms: f64) -> String {
        match self {
            Self::Connecting => "connecting…".to_owned(),
            Self::Online => "online".to_owned(),
            Self::Stalled => "not responding…".to_owned(),
            Self::Offline { retry_at_ms } => {
                let secs = ((retry_at_ms - now_ms) / 1000.0).ceil();
                if secs >= 1.0 {
                    format!("offline, retrying in {secs:.0} s")
                } else {
                    "offline, retrying…".to_owned()
                }
            }
            Self::Stopped => "signed out".to_owned(),
        }
    }

    /// The banner in the open conversation while not online; `None` when online or signed
    /// out. Says what happens to what the person writes meanwhile.
    pub(crate) fn banner(&self, now_ms: f64) -> Option<String> {
        match self {
            Self::Connecting => Some("Connecting…".to_owned()),
            Self::Stalled => Some(
                "The server is not responding — messages will be sent when it is back.".to_owned(),
            ),
            Self::Offline { retry_at_ms } => {
                let secs = ((retry_at_ms - now_ms) / 1000.0).ceil();
                let when = if secs >= 1.0 {
                    format!("retrying in {secs:.0} s")
                } else {
                    "retrying now".to_owned()
                };
                Some(format!(
                    "Offline — messages will be sent when you're back ({when})."
                ))
            }
            Self::Online | Self::Stopped => None,
        }
    }

    /// A CSS modifier for the status pill.
    pub(crate) fn css_class(&self) -> &'static str {
        match self {
            Self::Connecting => "status-connecting",
            Self::Online => "status-online",
            Self::Stalled => "status-stalled",
            Self::Offline { .. } => "status-offline",
            Self::Stopped => "status-stopped",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_exponentially_and_stay_within_jitter_bounds() {
        let mut b = Backoff::new(1_000, 30_000);
        let lows: Vec<u32> = (0..7).map(|_| b.next_delay(0.0)).collect();
        assert_eq!(lows, vec![500, 1_000, 2_000, 4_000, 8_000, 15_000, 15_000]);
        let mut b = Backoff::new(1_000, 30_000);
        let highs: Vec<u32> = (0..7).map(|_| b.next_delay(0.999_999)).collect();
        assert_eq!(
            highs,
            vec![999, 1_999, 3_999, 7_999, 15_999, 29_999, 29_999]
        );
    }

    #[test]
    fn reset_starts_over() {
        let mut b = Backoff::new(1_000, 30_000);
        b.next_delay(0.5);
        b.next_delay(0.5);
        assert_eq!(b.next_delay(0.0), 2_000);
        b.reset();
        assert_eq!(b.next_delay(0.0), 500);
    }

    #[test]
    fn the_default_never_waits_more_than_three_seconds() {
        let mut b = Backoff::default();
        let highs: Vec<u32> = (0..8).map(|_| b.next_delay(0.999_999)).collect();
        assert_eq!(highs, [499, 999, 1_999, 2_999, 2_999, 2_999, 2_999, 2_999]);
        let mut b = Backoff::default();
        let lows: Vec<u32> = (0..8).map(|_| b.next_delay(0.0)).collect();
        // Still spread: never below half the cap, so many clients do not come back at once.
        assert_eq!(lows, [250, 500, 1_000, 1_500, 1_500, 1_500, 1_500, 1_500]);
    }

    #[test]
    fn out_of_range_random_and_huge_attempts_are_safe() {
        let mut b = Backoff::new(1_000, 30_000);
        for _ in 0..100 {
            let d = b.next_delay(7.0);
            assert!(d <= 30_000);
        }
        assert_eq!(b.next_delay(-1.0), 15_000);
    }

    #[test]
    fn status_labels() {
        assert_eq!(ConnStatus::Connecting.label(0.0), "connecting…");
        assert_eq!(ConnStatus::Online.label(0.0), "online");
        let offline = ConnStatus::Offline {
            retry_at_ms: 10_000.0,
        };
        assert_eq!(offline.label(6_000.0), "offline, retrying in 4 s");
        assert_eq!(offline.label(6_500.0), "offline, retrying in 4 s");
        assert_eq!(offline.label(9_999.0), "offline, retrying in 1 s");
        assert_eq!(offline.label(10_000.0), "offline, retrying…");
        assert_eq!(ConnStatus::Stopped.label(0.0), "signed out");
        assert_eq!(ConnStatus::Stalled.label(0.0), "not responding…");
        assert_eq!(ConnStatus::Stalled.css_class(), "status-stalled");
        assert!(
            ConnStatus::Stalled
                .banner(0.0)
                .is_some_and(|b| b.contains("not responding"))
        );
        assert_eq!(offline.css_class(), "status-offline");
        assert_eq!(
            offline.banner(6_000.0).as_deref(),
            Some("Offline — messages will be sent when you're back (retrying in 4 s).")
        );
        assert_eq!(
            ConnStatus::Connecting.banner(0.0).as_deref(),
            Some("Connecting…")
        );
        assert_eq!(ConnStatus::Online.banner(0.0), None);
        assert_eq!(ConnStatus::Stopped.banner(0.0), None);
    }
}
