//! `@username` in message text: which names a message mentions. The server keeps those that are
//! members of the chat; the web app uses the same reading to highlight them.

use crate::limits::{USERNAME_MAX, USERNAME_MIN};

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')
}

/// Each `@name` with the byte range of the whole mention (`@` included): an `@` at the start or
/// after a character that cannot be part of a name (so `mail@example.com` mentions nobody),
/// followed by a username. Trailing `.` and `-` end a sentence rather than a name.
pub fn find(content: &str) -> Vec<(std::ops::Range<usize>, &str)> {
    let mut found = Vec::new();
    let mut previous: Option<char> = None;
    for (at, c) in content.char_indices() {
        let starts = c == '@' && !previous.is_some_and(|p| is_name_char(p) || p == '@');
        previous = Some(c);
        if !starts {
            continue;
        }
        let rest = &content[at + 1..];
        let len = rest.find(|c: char| !is_name_char(c)).unwrap_or(rest.len());
        let name = rest[..len].trim_end_matches(['.', '-']);
        if (USERNAME_MIN..=USERNAME_MAX).contains(&name.len()) {
            found.push((at..at + 1 + name.len(), name));
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(text: &str) -> Vec<&str> {
        find(text).into_iter().map(|(_, n)| n).collect()
    }

    #[test]
    fn reads_mentions_like_people_write_them() {
        assert_eq!(names("@bob hi"), ["bob"]);
        assert_eq!(names("hi @bob, and @carol."), ["bob", "carol"]);
        assert_eq!(names("(@bob_1)"), ["bob_1"]);
        assert_eq!(names("mail@example.com"), Vec::<&str>::new());
        assert_eq!(names("@@bob @a @"), Vec::<&str>::new());
        assert_eq!(names("@x.y-z."), ["x.y-z"]);
        assert_eq!(names("да @ivan!"), ["ivan"]);
        let text = "hey @bob!";
        let (range, _) = &find(text)[0];
        assert_eq!(&text[range.clone()], "@bob");
    }
}
