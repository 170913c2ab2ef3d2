//! `@` autocompletion in the composer: the word being typed at the caret, the members it may
//! name, and the text once one is picked. Pure; the composer renders the list.

use chat_protocol::{User, UserId};

/// How many names the list shows at most.
pub(crate) const MAX_SUGGESTIONS: usize = 8;

/// The `@word` ending at `caret` (a byte offset): where its `@` is and the part after it. Only
/// at the start of a word, so an address like `a@b` suggests nothing.
pub(crate) fn query_at(text: &str, caret: usize) -> Option<(usize, &str)> {
    let before = text.get(..caret)?;
    let at = before.rfind('@')?;
    let word = &before[at + 1..];
    if word
        .chars()
        .any(|c| !(c.is_alphanumeric() || c == '_' || c == '-' || c == '.'))
    {
        return None;
    }
    let starts_word = before[..at]
        .chars()
        .next_back()
        .is_none_or(|c| c.is_whitespace() || matches!(c, '(' | '[' | '"' | '\''));
    starts_word.then_some((at, word))
}

/// Members (not me) whose name starts with `prefix`, case-insensitively, in name order.
pub(crate) fn suggestions(members: &[User], prefix: &str, me: UserId) -> Vec<User> {
    let prefix = prefix.to_lowercase();
    let mut found: Vec<User> = members
        .iter()
        .filter(|m| m.id != me && m.username.to_lowercase().starts_with(&prefix))
        .cloned()
        .collect();
    found.sort_by(|a, b| a.username.cmp(&b.username));
    found.truncate(MAX_SUGGESTIONS);
    found
}

/// The text with the `@word` at `at..caret` replaced by `@username ` and the caret after it.
pub(crate) fn complete(text: &str, at: usize, caret: usize, username: &str) -> (String, usize) {
    let (head, tail) = (
        text.get(..at).unwrap_or(text),
        text.get(caret..).unwrap_or(""),
    );
    let inserted = format!("@{username} ");
    let tail = tail.strip_prefix(' ').unwrap_or(tail);
    let new_caret = head.len() + inserted.len();
    (format!("{head}{inserted}{tail}"), new_caret)
}

/// Converts a caret position in UTF-16 code units (what the browser reports) to a byte offset.
pub(crate) fn utf16_to_byte(text: &str, units: usize) -> usize {
    let mut count = 0;
    for (i, c) in text.char_indices() {
        if count >= units {
            return i;
        }
        count += c.len_utf16();
    }
    text.len()
}

/// The other way round, to put the caret back.
pub(crate) fn byte_to_utf16(text: &str, byte: usize) -> usize {
    text.get(..byte).unwrap_or(text).encode_utf16().count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::{user, user_id};

    #[test]
    fn the_word_at_the_caret() {
        assert_eq!(query_at("hi @bo", 6), Some((3, "bo")));
        assert_eq!(query_at("@", 1), Some((0, "")));
        assert_eq!(query_at("hi @bob there", 13), None);
        assert_eq!(query_at("mail a@b", 8), None);
        assert_eq!(query_at("no at here", 10), None);
        assert_eq!(query_at("(@al", 4), Some((1, "al")));
        assert_eq!(query_at("é @al", 6), Some((3, "al")));
        assert_eq!(query_at("x", 5), None);
    }

    #[test]
    fn members_by_prefix_without_me() {
        let members = [
            user(1, "me"),
            user(2, "bob"),
            user(3, "Bea"),
            user(4, "carl"),
        ];
        let names = |v: Vec<User>| v.into_iter().map(|u| u.username).collect::<Vec<_>>();
        assert_eq!(
            names(suggestions(&members, "b", user_id(1))),
            ["Bea", "bob"]
        );
        assert_eq!(
            names(suggestions(&members, "", user_id(1))),
            ["Bea", "bob", "carl"]
        );
        assert!(suggestions(&members, "m", user_id(1)).is_empty());
    }

    #[test]
    fn picking_a_name_completes_the_word() {
        assert_eq!(complete("hi @bo", 3, 6, "bob"), ("hi @bob ".into(), 8));
        assert_eq!(
            complete("hi @bo there", 3, 6, "bob"),
            ("hi @bob there".into(), 8)
        );
        assert_eq!(utf16_to_byte("😀 @a", 3), 5);
        assert_eq!(byte_to_utf16("😀 @a", 5), 3);
    }
}
