//! Finding links in message text: `http://…`, `https://…`, `www.…` and `mailto:…` become links,
//! everything else stays text. Only those schemes, and only where a word starts, so text like
//! `javascript:…` or `xhttp://` is never a link. Pure: the view decides how a link looks.

/// A run of message text: plain, or a link with where it goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Piece {
    Text(String),
    Link { text: String, href: String },
}

/// What a link may start with, and how its address is made from the text.
const STARTS: [&str; 4] = ["https://", "http://", "mailto:", "www."];

/// Splits `text` into plain runs and links, in order; joining the pieces' texts gives `text`.
pub(crate) fn pieces(text: &str) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut plain_from = 0;
    let mut i = 0;
    while i < text.len() {
        if let Some(len) = link_at(text, i) {
            if plain_from < i {
                out.push(Piece::Text(text[plain_from..i].to_owned()));
            }
            let link = &text[i..i + len];
            out.push(Piece::Link {
                text: link.to_owned(),
                href: href_for(link),
            });
            i += len;
            plain_from = i;
        } else {
            // Next character boundary (text is UTF-8; links start with ASCII only).
            i += text[i..].chars().next().map_or(1, char::len_utf8);
        }
    }
    if plain_from < text.len() {
        out.push(Piece::Text(text[plain_from..].to_owned()));
    }
    out
}

/// The length in bytes of the link starting at byte `at`, if one does.
fn link_at(text: &str, at: usize) -> Option<usize> {
    let word_start = text[..at]
        .chars()
        .next_back()
        .is_none_or(|c| c.is_whitespace() || matches!(c, '(' | '[' | '<' | '"' | '\''));
    if !word_start {
        return None;
    }
    let rest = &text[at..];
    let start = STARTS.iter().find(|s| {
        rest.get(..s.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(s))
    })?;
    let end = rest
        .find(|c: char| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | '"' | '`'))
        .unwrap_or(rest.len());
    let candidate = trim_end(&rest[..end]);
    // Trimming can eat into the start itself ("www." at the end of a sentence).
    let after = candidate.get(start.len()..)?;
    let valid = match *start {
        "mailto:" => after.split_once('@').is_some_and(|(who, host)| {
            !who.is_empty() && host.contains('.') && !host.ends_with('.')
        }),
        "www." => after.contains('.') && after.chars().next().is_some_and(char::is_alphanumeric),
        _ => after.chars().next().is_some_and(char::is_alphanumeric),
    };
    valid.then_some(candidate.len())
}

/// Drops what usually ends a sentence rather than an address: trailing punctuation, and a
/// closing bracket with no opening one inside the link ("(see https://x.org/a)").
fn trim_end(mut link: &str) -> &str {
    loop {
        let Some(last) = link.chars().next_back() else {
            return link;
        };
        let unbalanced = |open: char| link.matches(open).count() < link.matches(last).count();
        let drop = match last {
            '.' | ',' | ';' | ':' | '!' | '?' | '\'' | '*' => true,
            ')' => unbalanced('('),
            ']' => unbalanced('['),
            _ => false,
        };
        if !drop {
            return link;
        }
        link = &link[..link.len() - last.len_utf8()];
    }
}

fn href_for(link: &str) -> String {
    if link
        .get(..4)
        .is_some_and(|head| head.eq_ignore_ascii_case("www."))
    {
        format!("https://{link}")
    } else {
        link.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Piece {
        Piece::Text(s.to_owned())
    }

    fn link(text: &str, href: &str) -> Piece {
        Piece::Link {
            text: text.to_owned(),
            href: href.to_owned(),
        }
    }

    #[test]
    fn plain_text_stays_one_piece() {
        assert_eq!(pieces("hello there"), [text("hello there")]);
        assert_eq!(pieces(""), Vec::<Piece>::new());
    }

    #[test]
    fn each_kind_of_link_is_found() {
        assert_eq!(
            pieces("see https://example.com/path?q=1 now"),
            [
                text("see "),
                link(
                    "https://example.com/path?q=1",
                    "https://example.com/path?q=1"
                ),
                text(" now")
            ]
        );
        assert_eq!(pieces("http://a.b"), [link("http://a.b", "http://a.b")]);
        assert_eq!(
            pieces("go to www.rust-lang.org."),
            [
                text("go to "),
                link("www.rust-lang.org", "https://www.rust-lang.org"),
                text(".")
            ]
        );
        assert_eq!(
            pieces("mail mailto:a@b.c please"),
            [
                text("mail "),
                link("mailto:a@b.c", "mailto:a@b.c"),
                text(" please")
            ]
        );
        assert_eq!(
            pieces("HTTPS://EXAMPLE.COM"),
            [link("HTTPS://EXAMPLE.COM", "HTTPS://EXAMPLE.COM")]
        );
    }

    #[test]
    fn punctuation_and_brackets_around_a_link_stay_text() {
        assert_eq!(
            pieces("(see https://x.org/a), then"),
            [
                text("(see "),
                link("https://x.org/a", "https://x.org/a"),
                text("), then")
            ]
        );
        assert_eq!(
            pieces("https://en.wikipedia.org/wiki/Rust_(language)!"),
            [
                link(
                    "https://en.wikipedia.org/wiki/Rust_(language)",
                    "https://en.wikipedia.org/wiki/Rust_(language)"
                ),
                text("!")
            ]
        );
        assert_eq!(
            pieces("<https://x.org>"),
            [text("<"), link("https://x.org", "https://x.org"), text(">")]
        );
    }

    #[test]
    fn other_schemes_and_half_links_stay_text() {
        for s in [
            "javascript:alert(1)",
            "data:text/html,hi",
            "xhttps://example.com",
            "https://",
            "http:// spaced",
            "www.",
            "www.nodot",
            "mailto:nobody",
            "mailto:@b.c",
            "file:///etc/passwd",
            "ftp://x.org",
        ] {
            assert_eq!(pieces(s), [text(s)], "{s}");
        }
    }

    #[test]
    fn unicode_around_links_is_kept_whole() {
        let s = "😀 https://x.org/é ünïcode";
        assert_eq!(
            pieces(s),
            [
                text("😀 "),
                link("https://x.org/é", "https://x.org/é"),
                text(" ünïcode")
            ]
        );
        let joined: String = pieces(s)
            .into_iter()
            .map(|p| match p {
                Piece::Text(t) | Piece::Link { text: t, .. } => t,
            })
            .collect();
        assert_eq!(joined, s);
    }
}
