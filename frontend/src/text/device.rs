//! A signed-in device as the person recognises it: "Chrome on Linux" from a user agent string,
//! and "Last active 14:05" lines. Pure words; which sessions exist is the state's business.

use chat_protocol::time::Timestamp;
use chrono::{NaiveDate, TimeZone};

use super::format::{HourCycle, clock, list_time};

/// Browsers, most specific first (Edge and Opera also say "Chrome"; Chrome also says "Safari").
const BROWSERS: [(&str, &str); 8] = [
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("FxiOS/", "Firefox"),
    ("CriOS/", "Chrome"),
    ("Chrome/", "Chrome"),
    ("Chromium/", "Chromium"),
    ("Safari/", "Safari"),
];

/// Systems, most specific first (Android says "Linux"; iPhone says "Mac OS X").
const SYSTEMS: [(&str, &str); 7] = [
    ("Android", "Android"),
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
];

/// "Chrome on Linux", "Firefox on Windows", "Safari on iPhone"; the first 40 characters of an
/// agent it does not recognise; "Unknown device" when there is none.
pub(crate) fn device_name(user_agent: Option<&str>) -> String {
    let Some(ua) = user_agent.map(str::trim).filter(|ua| !ua.is_empty()) else {
        return "Unknown device".to_owned();
    };
    let browser = BROWSERS
        .iter()
        .find(|(needle, _)| ua.contains(needle))
        .map(|(_, name)| *name);
    let system = SYSTEMS
        .iter()
        .find(|(needle, _)| ua.contains(needle))
        .map(|(_, name)| *name);
    match (browser, system) {
        (Some(b), Some(s)) => format!("{b} on {s}"),
        (Some(b), None) => b.to_owned(),
        (None, Some(s)) => format!("A browser on {s}"),
        (None, None) => super::format::snippet(ua, 40),
    }
}

/// "Today at 14:05", "Yesterday at 09:10", "3 Nov at 08:00" for a session's times.
pub(crate) fn when<Tz: TimeZone>(
    t: &Timestamp,
    tz: &Tz,
    today: NaiveDate,
    cycle: HourCycle,
) -> String
where
    Tz::Offset: std::fmt::Display,
{
    let day = list_time(t, tz, today, cycle);
    let time = clock(t, tz, cycle);
    if day == time {
        format!("Today at {time}")
    } else {
        format!("{day} at {time}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    #[test]
    fn user_agents_become_short_device_names() {
        let headless = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) \
                        HeadlessChrome/156.0.0.0 Safari/537.36";
        assert_eq!(device_name(Some(headless)), "Chrome on Linux");
        let iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 \
                      (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1";
        assert_eq!(device_name(Some(iphone)), "Safari on iPhone");
        let edge = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) \
                    Chrome/120.0 Safari/537.36 Edg/120.0";
        assert_eq!(device_name(Some(edge)), "Edge on Windows");
        let android =
            "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/120 Mobile Safari/537.36";
        assert_eq!(device_name(Some(android)), "Chrome on Android");
        let firefox =
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.1; rv:121.0) Gecko/20100101 Firefox/121.0";
        assert_eq!(device_name(Some(firefox)), "Firefox on macOS");
        assert_eq!(device_name(Some("curl/8.5.0")), "curl/8.5.0");
        assert_eq!(device_name(Some("   ")), "Unknown device");
        assert_eq!(device_name(None), "Unknown device");
        let long = "x".repeat(100);
        assert_eq!(device_name(Some(&long)).chars().count(), 40);
    }

    #[test]
    fn session_times_read_naturally() {
        let t: Timestamp = "2026-11-21T23:30:00.000Z".parse().expect("time");
        let today = NaiveDate::from_ymd_opt(2026, 11, 21).expect("date");
        assert_eq!(when(&t, &Utc, today, HourCycle::H24), "Today at 23:30");
        assert_eq!(when(&t, &Utc, today, HourCycle::H12), "Today at 11:30 PM");
        let later = NaiveDate::from_ymd_opt(2026, 11, 22).expect("date");
        assert_eq!(when(&t, &Utc, later, HourCycle::H24), "Yesterday at 23:30");
    }
}
