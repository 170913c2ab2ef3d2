//! Words and times as the person reads them: chat titles, previews, time stamps, day
//! separators, "typing…" lines. Time zones are parameters so the tests need no browser.

use chat_protocol::time::Timestamp;
use chat_protocol::{Chat, ChatKind, UserId};
use chrono::{Datelike, NaiveDate, TimeZone, Timelike, Weekday};

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// Weekday names, Monday first. Written out here rather than with chrono's `format`: its
/// pattern interpreter costs the web app's download more than these few lines.
const WEEKDAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

fn weekday(day: Weekday) -> &'static str {
    WEEKDAYS[day.num_days_from_monday() as usize]
}

/// The local calendar day of a time stamp.
pub(crate) fn local_day<Tz: TimeZone>(t: &Timestamp, tz: &Tz) -> NaiveDate {
    t.with_timezone(tz).date_naive()
}

/// How the person's locale writes the hour: "2:05 PM" or "14:05".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HourCycle {
    H12,
    H24,
}

/// "14:05" or "2:05 PM" in the given zone.
pub(crate) fn clock<Tz: TimeZone>(t: &Timestamp, tz: &Tz, cycle: HourCycle) -> String
where
    Tz::Offset: std::fmt::Display,
{
    let local = t.with_timezone(tz);
    let minute = local.minute();
    match cycle {
        HourCycle::H12 => {
            let (pm, hour) = local.hour12();
            format!("{hour}:{minute:02} {}", if pm { "PM" } else { "AM" })
        }
        HourCycle::H24 => format!("{:02}:{minute:02}", local.hour()),
    }
}

/// The full date and time for a tooltip: "Saturday, 21 November 2026, 23:30".
pub(crate) fn full_date<Tz: TimeZone>(t: &Timestamp, tz: &Tz, cycle: HourCycle) -> String
where
    Tz::Offset: std::fmt::Display,
{
    let local = t.with_timezone(tz);
    let month = MONTHS[local.month0() as usize];
    format!(
        "{}, {} {month} {}, {}",
        weekday(local.weekday()),
        local.day(),
        local.year(),
        clock(t, tz, cycle)
    )
}

/// The local minute of a time stamp: messages of one sender in one minute form a group.
pub(crate) fn local_minute<Tz: TimeZone>(t: &Timestamp, tz: &Tz) -> i64 {
    let local = t.with_timezone(tz).naive_local();
    local.and_utc().timestamp().div_euclid(60)
}

/// The label of a day separator: "Today", "Yesterday", a weekday within the last week, else the
/// date (with the year only when it is not this year).
pub(crate) fn day_label(day: NaiveDate, today: NaiveDate) -> String {
    let age = (today - day).num_days();
    match age {
        0 => "Today".to_owned(),
        1 => "Yesterday".to_owned(),
        2..=6 => weekday(day.weekday()).to_owned(),
        _ => {
            let month = MONTHS[day.month0() as usize];
            if day.year() == today.year() {
                format!("{} {month}", day.day())
            } else {
                format!("{} {month} {}", day.day(), day.year())
            }
        }
    }
}

/// The short time in the chat list: a clock time today, else "Yesterday", a weekday, or a date.
pub(crate) fn list_time<Tz: TimeZone>(
    t: &Timestamp,
    tz: &Tz,
    today: NaiveDate,
    cycle: HourCycle,
) -> String
where
    Tz::Offset: std::fmt::Display,
{
    let day = local_day(t, tz);
    match (today - day).num_days() {
        0 => clock(t, tz, cycle),
        1 => "Yesterday".to_owned(),
        2..=6 => weekday(day.weekday())[..3].to_owned(),
        _ if day.year() == today.year() => {
            format!("{} {}", day.day(), &MONTHS[day.month0() as usize][..3])
        }
        _ => format!("{:02}.{:02}.{}", day.day(), day.month(), day.year()),
    }
}

/// The chat's name for `me`: a group's name, or the other person in a direct chat.
pub(crate) fn chat_title(chat: &Chat, me: UserId) -> String {
    match chat.kind {
        ChatKind::Group => chat.name.clone().unwrap_or_else(|| {
            chat.members
                .iter()
                .map(|m| m.username.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        }),
        ChatKind::Direct => chat
            .members
            .iter()
            .find(|m| m.id != me)
            .or_else(|| chat.members.first())
            .map_or_else(|| "Direct chat".to_owned(), |m| m.username.clone()),
    }
}

/// First line of a text, cut to `max` characters with an ellipsis.
pub(crate) fn snippet(text: &str, max: usize) -> String {
    let line = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim();
    if line.chars().count() > max {
        let cut: String = line.chars().take(max.saturating_sub(1)).collect();
        format!("{}…", cut.trim_end())
    } else {
        line.to_owned()
    }
}

/// The sidebar's preview of the last message.
pub(crate) fn preview(chat: &Chat, me: UserId) -> String {
    let Some(m) = &chat.last_message else {
        return "No messages yet".to_owned();
    };
    if let Some(line) = super::system::describe(m, me).filter(|_| !m.deleted) {
        return line;
    }
    let body = if m.deleted {
        "message deleted".to_owned()
    } else {
        snippet(&m.content, 60)
    };
    if m.sender.id == me {
        format!("You: {body}")
    } else if chat.kind == ChatKind::Group {
        format!("{}: {body}", m.sender.username)
    } else {
        body
    }
}

/// Who is typing, as one line; `None` when nobody is.
pub(crate) fn typing_line(names: &[String]) -> Option<String> {
    match names {
        [] => None,
        [one] => Some(format!("{one} is typing…")),
        [a, b] => Some(format!("{a} and {b} are typing…")),
        more => Some(format!("{} people are typing…", more.len())),
    }
}

/// Up to two letters for an avatar.
pub(crate) fn initials(name: &str) -> String {
    // Words are runs of letters: digits and punctuation never become initials
    // ("alice_2skd" is "AS", not "A2"; "<Oops>" is "OO", not "<O").
    let parts: Vec<&str> = name
        .split(|c: char| !c.is_alphabetic())
        .filter(|p| !p.is_empty())
        .collect();
    let letters: String = match parts.as_slice() {
        // No letters at all: the first character, so the badge is not empty.
        [] => name.chars().take(1).collect(),
        [one] => one.chars().take(2).collect(),
        [first, .., last] => first.chars().take(1).chain(last.chars().take(1)).collect(),
    };
    letters.to_uppercase()
}

/// "bob, carol" for the "seen by" line under a message.
pub(crate) fn seen_line(names: &[String], direct: bool) -> String {
    if direct || names.is_empty() {
        "Seen".to_owned()
    } else {
        format!("Seen by {}", names.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::{self, msg, user_id};
    use chrono::{FixedOffset, Utc};

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("valid date")
    }

    #[test]
    fn day_labels() {
        let today = d(2026, 11, 22); // a Sunday
        assert_eq!(day_label(today, today), "Today");
        assert_eq!(day_label(d(2026, 11, 21), today), "Yesterday");
        assert_eq!(day_label(d(2026, 11, 18), today), "Wednesday");
        assert_eq!(day_label(d(2026, 11, 3), today), "3 November");
        assert_eq!(day_label(d(2025, 12, 31), today), "31 December 2025");
    }

    #[test]
    fn times_follow_the_time_zone() {
        let t: Timestamp = "2026-11-21T23:30:00.000Z".parse().expect("time");
        let utc = Utc;
        let berlin = FixedOffset::east_opt(3600).expect("offset");
        let h24 = HourCycle::H24;
        assert_eq!(clock(&t, &utc, h24), "23:30");
        assert_eq!(clock(&t, &berlin, h24), "00:30");
        assert_eq!(local_day(&t, &berlin), d(2026, 11, 22));
        assert_eq!(list_time(&t, &berlin, d(2026, 11, 22), h24), "00:30");
        assert_eq!(list_time(&t, &utc, d(2026, 11, 22), h24), "Yesterday");
        assert_eq!(list_time(&t, &utc, d(2026, 11, 25), h24), "Sat");
        assert_eq!(list_time(&t, &utc, d(2026, 12, 25), h24), "21 Nov");
        assert_eq!(list_time(&t, &utc, d(2027, 12, 25), h24), "21.11.2026");
    }

    #[test]
    fn twelve_hour_clocks_and_full_dates() {
        let t: Timestamp = "2026-11-21T23:30:00.000Z".parse().expect("time");
        let berlin = FixedOffset::east_opt(3600).expect("offset");
        assert_eq!(clock(&t, &Utc, HourCycle::H12), "11:30 PM");
        assert_eq!(clock(&t, &berlin, HourCycle::H12), "12:30 AM");
        let noon: Timestamp = "2026-11-21T09:05:00.000Z".parse().expect("time");
        assert_eq!(clock(&noon, &Utc, HourCycle::H12), "9:05 AM");
        assert_eq!(
            list_time(&t, &berlin, d(2026, 11, 22), HourCycle::H12),
            "12:30 AM"
        );
        assert_eq!(
            full_date(&t, &Utc, HourCycle::H24),
            "Saturday, 21 November 2026, 23:30"
        );
        assert_eq!(
            full_date(&t, &berlin, HourCycle::H12),
            "Sunday, 22 November 2026, 12:30 AM"
        );
        let later: Timestamp = "2026-11-21T23:30:59.999Z".parse().expect("time");
        let next: Timestamp = "2026-11-21T23:31:00.000Z".parse().expect("time");
        assert_eq!(local_minute(&t, &Utc), local_minute(&later, &Utc));
        assert_ne!(local_minute(&t, &Utc), local_minute(&next, &Utc));
    }

    fn chat(kind: ChatKind, name: Option<&str>) -> Chat {
        let mut chat = fixtures::chat(5, kind);
        chat.name = name.map(str::to_owned);
        chat
    }

    #[test]
    fn titles_and_previews() {
        let me = user_id(1);
        let mut direct = chat(ChatKind::Direct, None);
        assert_eq!(chat_title(&direct, me), "bob");
        assert_eq!(preview(&direct, me), "No messages yet");
        let mut m = msg(1, "\n  hello there\nsecond line");
        m.sender.id = user_id(2);
        direct.last_message = Some(m.clone());
        assert_eq!(preview(&direct, me), "hello there");
        let mut group = chat(ChatKind::Group, Some("Team"));
        assert_eq!(chat_title(&group, me), "Team");
        group.last_message = Some(m.clone());
        assert_eq!(preview(&group, me), "alice: hello there");
        m.sender.id = me;
        m.deleted = true;
        group.last_message = Some(m);
        assert_eq!(preview(&group, me), "You: message deleted");
        assert_eq!(chat_title(&chat(ChatKind::Group, None), me), "me, bob");
    }

    #[test]
    fn snippets_cut_on_characters() {
        assert_eq!(snippet("short", 10), "short");
        assert_eq!(snippet("ééééééééééé", 5), "éééé…");
        assert_eq!(snippet("", 5), "");
        assert_eq!(snippet("<b>bold</b>", 20), "<b>bold</b>", "text stays text");
    }

    #[test]
    fn typing_lines_name_up_to_two_people() {
        assert_eq!(typing_line(&[]), None);
        assert_eq!(
            typing_line(&["bob".into()]).as_deref(),
            Some("bob is typing…")
        );
        assert_eq!(
            typing_line(&["bob".into(), "eve".into()]).as_deref(),
            Some("bob and eve are typing…")
        );
        assert_eq!(
            typing_line(&["a".into(), "b".into(), "c".into()]).as_deref(),
            Some("3 people are typing…")
        );
    }

    #[test]
    fn initials_take_first_and_last_parts() {
        assert_eq!(initials("alice"), "AL");
        assert_eq!(initials("mary_jane.doe"), "MD");
        assert_eq!(initials(""), "");
        assert_eq!(initials("alice_2skd"), "AS", "letters, not digits");
        assert_eq!(initials("bob_1a2b3c"), "BC");
        assert_eq!(initials("<Oops> group"), "OG");
        assert_eq!(initials("4242"), "4", "no letters: the first character");
    }

    #[test]
    fn seen_lines_name_readers_in_groups_only() {
        assert_eq!(seen_line(&[], false), "Seen");
        assert_eq!(seen_line(&["bob".into()], true), "Seen");
        assert_eq!(
            seen_line(&["bob".into(), "eve".into()], false),
            "Seen by bob, eve"
        );
    }
}
