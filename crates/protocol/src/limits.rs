//! Validation limits of the contract, shared so the web app can check input before sending it.

pub const USERNAME_MIN: usize = 3;
pub const USERNAME_MAX: usize = 32;
pub const PASSWORD_MIN: usize = 8;
pub const PASSWORD_MAX: usize = 128;
pub const CONTENT_MAX: usize = 4000;
pub const GROUP_NAME_MAX: usize = 100;
/// The longest retention period a group may set (ten years).
pub const RETENTION_DAYS_MAX: u32 = 3650;
pub const PAGE_DEFAULT: u32 = 15;
pub const PAGE_MAX: u32 = 100;
pub const USER_SEARCH_MAX: usize = 20;
/// A chat's `unread_count` counts at most this many messages, so it never scans a long unread
/// history; a client shows "99+" when it reaches the cap.
pub const UNREAD_CAP: i64 = 100;
/// `GET /api/chats?limit=`: the largest page (without `limit` every chat comes back).
pub const CHAT_PAGE_MAX: u32 = 500;
/// `GET /api/search`: the query's length in characters, and the page size.
pub const SEARCH_MIN: usize = 2;
pub const SEARCH_MAX: usize = 200;
pub const SEARCH_PAGE_DEFAULT: u32 = 20;
pub const SEARCH_PAGE_MAX: u32 = 50;
/// `GET /api/rooms`: the longest name fragment searched, and how many rooms come back.
pub const ROOM_SEARCH_MAX: usize = 100;
pub const ROOM_LIST_MAX: usize = 50;
/// Distinct emoji one message may carry.
pub const REACTIONS_PER_MESSAGE: usize = 20;
/// Characters of the replied-to message quoted in `reply_to.excerpt`.
pub const REPLY_EXCERPT: usize = 100;
/// Largest WebSocket text frame the server accepts; bigger ones close the socket with 1009.
pub const WS_MAX_FRAME: usize = 64 * 1024;
/// Uploads one message may carry.
pub const ATTACHMENTS_MAX: usize = 10;
/// The longest file name kept for an upload, in characters.
pub const FILE_NAME_MAX: usize = 255;

fn char_count(s: &str) -> usize {
    s.chars().count()
}

/// Every text field refuses control characters (U+0000 included) except newline and tab: they
/// have no place in a chat, and PostgreSQL cannot store U+0000 at all.
pub fn check_no_controls(what: &str, text: &str) -> Result<(), String> {
    if text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(format!("{what} must not contain control characters"));
    }
    Ok(())
}

/// A username given to find someone (sign-in, contacts, members): any text without control
/// characters; a name nobody has is answered as unknown, not as invalid.
pub fn check_name_lookup(name: &str) -> Result<(), String> {
    check_no_controls("username", name)
}

/// Why a value was refused, worded for the person who typed it.
pub fn check_username(name: &str) -> Result<(), String> {
    let len = char_count(name);
    if !(USERNAME_MIN..=USERNAME_MAX).contains(&len) {
        return Err(format!(
            "username must be {USERNAME_MIN}-{USERNAME_MAX} characters"
        ));
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
    {
        return Err("username may contain only letters, digits, '_', '.' and '-'".into());
    }
    Ok(())
}

pub fn check_password(password: &str) -> Result<(), String> {
    let len = char_count(password);
    if !(PASSWORD_MIN..=PASSWORD_MAX).contains(&len) {
        return Err(format!(
            "password must be {PASSWORD_MIN}-{PASSWORD_MAX} characters"
        ));
    }
    Ok(())
}

pub fn check_content(content: &str) -> Result<(), String> {
    check_no_controls("message", content)?;
    if content.trim().is_empty() {
        return Err("message must not be empty".into());
    }
    if char_count(content) > CONTENT_MAX {
        return Err(format!("message must be at most {CONTENT_MAX} characters"));
    }
    Ok(())
}

/// A new message: its text as [`check_content`] wants it, except that a message carrying
/// attachments may have no text at all; at most [`ATTACHMENTS_MAX`] of them, none twice.
pub fn check_post<T: PartialEq>(content: &str, attachments: &[T]) -> Result<(), String> {
    if attachments.len() > ATTACHMENTS_MAX {
        return Err(format!(
            "a message may carry at most {ATTACHMENTS_MAX} attachments"
        ));
    }
    if attachments
        .iter()
        .enumerate()
        .any(|(i, a)| attachments[..i].contains(a))
    {
        return Err("the same attachment is listed twice".into());
    }
    if attachments.is_empty() || !content.is_empty() {
        check_content(content)
    } else {
        Ok(())
    }
}

/// A search query: 2-200 characters without control characters; matched literally.
pub fn check_search(q: &str) -> Result<(), String> {
    check_no_controls("search", q)?;
    let len = char_count(q);
    if !(SEARCH_MIN..=SEARCH_MAX).contains(&len) {
        return Err(format!(
            "search must be {SEARCH_MIN}-{SEARCH_MAX} characters"
        ));
    }
    Ok(())
}

/// A room directory search: any text up to 100 characters without control characters.
pub fn check_room_search(q: &str) -> Result<(), String> {
    check_no_controls("search", q)?;
    if char_count(q) > ROOM_SEARCH_MAX {
        return Err(format!(
            "search must be at most {ROOM_SEARCH_MAX} characters"
        ));
    }
    Ok(())
}

pub fn check_group_name(name: &str) -> Result<(), String> {
    check_no_controls("group name", name)?;
    let len = char_count(name.trim());
    if len == 0 || char_count(name) > GROUP_NAME_MAX {
        return Err(format!("group name must be 1-{GROUP_NAME_MAX} characters"));
    }
    Ok(())
}

/// A group's own retention period: 1 day to [`RETENTION_DAYS_MAX`].
pub fn check_retention_days(days: u32) -> Result<(), String> {
    if (1..=RETENTION_DAYS_MAX).contains(&days) {
        Ok(())
    } else {
        Err(format!(
            "retention_days must be 1 to {RETENTION_DAYS_MAX} (or null to keep messages as long as the server does)"
        ))
    }
}

/// How a client shows an unread count: the number up to 99, "99+" beyond (the server stops
/// counting at [`UNREAD_CAP`]).
pub fn unread_label(count: i64) -> String {
    if count >= UNREAD_CAP {
        "99+".to_owned()
    } else {
        count.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames() {
        assert!(check_username("ab").is_err());
        assert!(check_username("abc").is_ok());
        assert!(check_username(&"a".repeat(32)).is_ok());
        assert!(check_username(&"a".repeat(33)).is_err());
        assert!(check_username("a b c").is_err());
        assert!(check_username("ümlaut").is_err());
        assert!(check_username("A.b-c_9").is_ok());
    }

    #[test]
    fn passwords_contents_names() {
        assert!(check_password("1234567").is_err());
        assert!(check_password("12345678").is_ok());
        assert!(check_password(&"x".repeat(129)).is_err());
        assert!(check_content("  \n\t").is_err());
        assert!(check_content("hi").is_ok());
        assert!(check_content(&"é".repeat(4000)).is_ok());
        assert!(check_content(&"é".repeat(4001)).is_err());
        assert!(check_group_name(" ").is_err());
        assert!(check_group_name("team").is_ok());
        assert!(check_group_name(&"n".repeat(101)).is_err());
    }

    #[test]
    fn retention_periods() {
        assert!(check_retention_days(0).is_err());
        assert!(check_retention_days(1).is_ok());
        assert!(check_retention_days(RETENTION_DAYS_MAX).is_ok());
        assert!(check_retention_days(RETENTION_DAYS_MAX + 1).is_err());
    }

    #[test]
    fn searches() {
        assert!(check_search("a").is_err());
        assert!(check_search("ab").is_ok());
        assert!(check_search("日本").is_ok());
        assert!(check_search(&"x".repeat(200)).is_ok());
        assert!(check_search(&"x".repeat(201)).is_err());
        assert!(check_search("a\u{0}b").is_err());
        assert!(check_room_search("").is_ok());
        assert!(check_room_search(&"x".repeat(101)).is_err());
        assert!(check_room_search("lob\u{7}by").is_err());
    }

    #[test]
    fn control_characters_are_refused_everywhere_but_newline_and_tab() {
        assert!(check_content("two\nlines\tand a tab").is_ok());
        for bad in [
            "nul\u{0}",
            "bell\u{7}",
            "esc\u{1b}[31m",
            "del\u{7f}",
            "c1\u{85}",
        ] {
            assert!(check_content(bad).is_err(), "{bad:?}");
            assert!(check_group_name(bad).is_err(), "{bad:?}");
            assert!(check_name_lookup(bad).is_err(), "{bad:?}");
            assert!(check_username(bad).is_err(), "{bad:?}");
        }
        assert!(check_name_lookup("Anyone At All").is_ok());
    }

    #[test]
    fn unread_counts_show_99_plus_at_the_cap() {
        assert_eq!(unread_label(1), "1");
        assert_eq!(unread_label(99), "99");
        assert_eq!(unread_label(UNREAD_CAP), "99+");
        assert_eq!(unread_label(150), "99+");
    }
}
