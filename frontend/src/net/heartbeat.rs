//! Whether an open socket is still answered. A socket can stay open while nothing comes
//! through it (a frozen server, a dropped path that TCP has not noticed yet); browsers answer
//! the server's pings themselves and tell the page nothing. So the app asks with `ping` after
//! a quiet spell and judges by the answer. Pure: the socket task owns the clock and the timer.

/// A quiet spell this long (no frame at all) makes the app ask.
pub(crate) const ASK_AFTER_QUIET_MS: f64 = 8_000.0;
/// No answer this long after asking: shown as "not responding".
pub(crate) const STALLED_AFTER_MS: f64 = 4_000.0;
/// No answer this long after asking: the socket is given up and a new one opened.
pub(crate) const GIVE_UP_AFTER_MS: f64 = 20_000.0;
/// How often the socket task looks.
pub(crate) const CHECK_EVERY_MS: u32 = 1_000;

/// What to do now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Beat {
    Nothing,
    /// Send `ping`.
    Ask,
    /// The question went unanswered: say the server is not responding (once).
    Stalled,
    /// Close this socket and connect again.
    GiveUp,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Heartbeat {
    last_heard_ms: f64,
    /// When the unanswered `ping` went out.
    asked_at_ms: Option<f64>,
    stalled: bool,
}

impl Heartbeat {
    pub(crate) fn new(now_ms: f64) -> Self {
        Self {
            last_heard_ms: now_ms,
            asked_at_ms: None,
            stalled: false,
        }
    }

    /// A frame came in: the server is there. True if it had been shown as not responding.
    pub(crate) fn heard(&mut self, now_ms: f64) -> bool {
        self.last_heard_ms = now_ms;
        self.asked_at_ms = None;
        std::mem::take(&mut self.stalled)
    }

    /// Judged from when the question went out, never from the last frame: a page whose timers
    /// the browser slowed (a background tab) asks late, and must not count its own lateness
    /// against the server.
    pub(crate) fn check(&mut self, now_ms: f64) -> Beat {
        match self.asked_at_ms {
            None if now_ms - self.last_heard_ms >= ASK_AFTER_QUIET_MS => {
                self.asked_at_ms = Some(now_ms);
                Beat::Ask
            }
            None => Beat::Nothing,
            Some(asked) if now_ms - asked >= GIVE_UP_AFTER_MS => Beat::GiveUp,
            Some(asked) if now_ms - asked >= STALLED_AFTER_MS && !self.stalled => {
                self.stalled = true;
                Beat::Stalled
            }
            Some(_) => Beat::Nothing,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quiet_server_is_asked_and_an_answer_settles_it() {
        let mut h = Heartbeat::new(0.0);
        assert_eq!(h.check(7_999.0), Beat::Nothing);
        assert_eq!(h.check(8_000.0), Beat::Ask);
        assert_eq!(h.check(9_000.0), Beat::Nothing, "asks once");
        assert!(!h.heard(9_500.0), "it had not been shown as stalled");
        assert_eq!(h.check(17_000.0), Beat::Nothing);
        assert_eq!(h.check(17_500.0), Beat::Ask);
    }

    #[test]
    fn frames_keep_it_from_asking() {
        let mut h = Heartbeat::new(0.0);
        for t in (1_000..60_000).step_by(5_000) {
            h.heard(f64::from(t));
            assert_eq!(h.check(f64::from(t) + 1_000.0), Beat::Nothing);
        }
    }

    #[test]
    fn no_answer_is_stalled_once_then_given_up() {
        let mut h = Heartbeat::new(0.0);
        assert_eq!(h.check(8_000.0), Beat::Ask);
        assert_eq!(h.check(11_999.0), Beat::Nothing);
        assert_eq!(h.check(12_000.0), Beat::Stalled);
        assert_eq!(h.check(13_000.0), Beat::Nothing, "said once");
        assert_eq!(h.check(28_000.0), Beat::GiveUp);
    }

    #[test]
    fn an_answer_after_stalling_says_so() {
        let mut h = Heartbeat::new(0.0);
        h.check(8_000.0);
        assert_eq!(h.check(12_500.0), Beat::Stalled);
        assert!(h.heard(13_000.0));
        assert!(!h.heard(14_000.0));
    }

    #[test]
    fn a_late_timer_is_not_the_servers_fault() {
        // A background tab's timer fires a minute late: ask, do not judge.
        let mut h = Heartbeat::new(0.0);
        assert_eq!(h.check(60_000.0), Beat::Ask);
        assert_eq!(h.check(61_000.0), Beat::Nothing);
    }
}
