//! Formatted message text: a safe Markdown subset (bold, italic, strike, inline code, code
//! blocks, block quotes, lists, links) parsed by pulldown-cmark into a small tree the view turns
//! into DOM nodes. Nothing here is ever HTML: raw HTML, images, headings, rules and links to any
//! scheme but http, https and mailto come out as the literal text that was typed. Bare addresses
//! in text become links by `links::pieces`, as before, and `@name` of the viewer is marked.

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

use super::links::{Piece, pieces};

/// A container the view renders as one element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Paragraph,
    Strong,
    Emphasis,
    Strike,
    Quote,
    /// `start`: the first number of an ordered list; `None` for bullets.
    List {
        start: Option<u64>,
    },
    Item,
}

/// One piece of formatted text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Node {
    Text(String),
    /// `@name` of the person reading (highlighted).
    Mention(String),
    Code(String),
    CodeBlock(String),
    Link {
        href: String,
        children: Vec<Node>,
    },
    Element(Kind, Vec<Node>),
}

/// What an open container becomes when it ends.
enum Frame {
    Root,
    Element(Kind),
    Link(String),
    CodeBlock(String),
}

/// Whether an explicit link target may be followed: only http, https and mailto.
fn allowed_href(href: &str) -> bool {
    ["http://", "https://", "mailto:"].iter().any(|scheme| {
        href.get(..scheme.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(scheme))
            && href.len() > scheme.len()
    })
}

/// Splits `text` around `@me` (a whole word, case-insensitively).
fn mentions(text: &str, me: Option<&str>, out: &mut Vec<Node>) {
    let Some(me) = me.filter(|m| !m.is_empty()) else {
        out.push(Node::Text(text.to_owned()));
        return;
    };
    let needle = format!("@{me}");
    let lower = text.to_ascii_lowercase();
    let needle_lower = needle.to_ascii_lowercase();
    let mut from = 0;
    let mut plain_from = 0;
    while let Some(pos) = lower[from..].find(&needle_lower) {
        let at = from + pos;
        let end = at + needle.len();
        let starts_word = text[..at]
            .chars()
            .next_back()
            .is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
        let ends_word = text[end..]
            .chars()
            .next()
            .is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
        if starts_word && ends_word {
            if plain_from < at {
                out.push(Node::Text(text[plain_from..at].to_owned()));
            }
            out.push(Node::Mention(text[at..end].to_owned()));
            plain_from = end;
        }
        from = end;
    }
    if plain_from < text.len() {
        out.push(Node::Text(text[plain_from..].to_owned()));
    }
}

struct Builder<'a> {
    me: Option<&'a str>,
    stack: Vec<(Frame, Vec<Node>)>,
    /// Consecutive text events, joined before links are looked for (the parser splits text at
    /// characters like `&`, which can sit inside an address).
    text: String,
}

impl Builder<'_> {
    fn inside_link(&self) -> bool {
        self.stack.iter().any(|(f, _)| matches!(f, Frame::Link(_)))
    }

    fn children(&mut self) -> &mut Vec<Node> {
        // The root frame is never popped, so there always is a top.
        if self.stack.is_empty() {
            self.stack.push((Frame::Root, Vec::new()));
        }
        let last = self.stack.len() - 1;
        &mut self.stack[last].1
    }

    fn flush(&mut self) {
        if self.text.is_empty() {
            return;
        }
        let text = std::mem::take(&mut self.text);
        let me = self.me;
        if self.inside_link() {
            self.children().push(Node::Text(text));
            return;
        }
        let mut nodes = Vec::new();
        for piece in pieces(&text) {
            match piece {
                Piece::Text(t) => mentions(&t, me, &mut nodes),
                Piece::Link { text, href } => nodes.push(Node::Link {
                    href,
                    children: vec![Node::Text(text)],
                }),
            }
        }
        self.children().extend(nodes);
    }

    fn push(&mut self, node: Node) {
        self.flush();
        self.children().push(node);
    }

    fn open(&mut self, frame: Frame) {
        self.flush();
        self.stack.push((frame, Vec::new()));
    }

    fn close(&mut self) {
        self.flush();
        if self.stack.len() <= 1 {
            return;
        }
        let Some((frame, children)) = self.stack.pop() else {
            return;
        };
        let node = match frame {
            Frame::Root => return,
            Frame::Element(kind) => Node::Element(kind, children),
            Frame::Link(href) => Node::Link { href, children },
            Frame::CodeBlock(code) => Node::CodeBlock(code),
        };
        self.children().push(node);
    }

    /// Literal source text for something not rendered (a heading, an image, raw HTML…); at
    /// block level it gets a paragraph of its own.
    fn literal(&mut self, text: &str, block: bool) {
        if block {
            self.push(Node::Element(
                Kind::Paragraph,
                vec![Node::Text(text.trim_end().to_owned())],
            ));
        } else {
            self.flush();
            self.children().push(Node::Text(text.to_owned()));
        }
    }
}

/// Parses message text into formatted nodes. `me`: the reader's username, whose `@mentions`
/// are marked.
pub(crate) fn parse(src: &str, me: Option<&str>) -> Vec<Node> {
    let mut b = Builder {
        me,
        stack: vec![(Frame::Root, Vec::new())],
        text: String::new(),
    };
    let mut events = Parser::new_ext(src, Options::ENABLE_STRIKETHROUGH).into_offset_iter();
    while let Some((event, range)) = events.next() {
        let source = src.get(range.clone()).unwrap_or("");
        match event {
            Event::Start(tag) => {
                let frame = match tag {
                    Tag::Paragraph => Some(Frame::Element(Kind::Paragraph)),
                    Tag::Strong => Some(Frame::Element(Kind::Strong)),
                    Tag::Emphasis => Some(Frame::Element(Kind::Emphasis)),
                    Tag::Strikethrough => Some(Frame::Element(Kind::Strike)),
                    Tag::BlockQuote(_) => Some(Frame::Element(Kind::Quote)),
                    Tag::List(start) => Some(Frame::Element(Kind::List { start })),
                    Tag::Item => Some(Frame::Element(Kind::Item)),
                    Tag::CodeBlock(_) => Some(Frame::CodeBlock(String::new())),
                    Tag::Link { ref dest_url, .. }
                        if allowed_href(dest_url) && !b.inside_link() =>
                    {
                        Some(Frame::Link(dest_url.to_string()))
                    }
                    _ => None,
                };
                if let Some(frame) = frame {
                    b.open(frame);
                } else {
                    // Not rendered: skip to its end and show what was typed.
                    let block = !matches!(tag, Tag::Link { .. } | Tag::Image { .. });
                    let mut depth = 1usize;
                    for (inner, _) in events.by_ref() {
                        match inner {
                            Event::Start(_) => depth += 1,
                            Event::End(_) => depth -= 1,
                            _ => {}
                        }
                        if depth == 0 {
                            break;
                        }
                    }
                    b.literal(source, block);
                }
            }
            Event::End(TagEnd::CodeBlock) => {
                if let Some((Frame::CodeBlock(code), _)) = b.stack.last_mut() {
                    let trimmed = code.trim_end_matches('\n').len();
                    code.truncate(trimmed);
                }
                b.close();
            }
            Event::End(_) => b.close(),
            Event::Text(text) => match b.stack.last_mut() {
                Some((Frame::CodeBlock(code), _)) => code.push_str(&text),
                _ => b.text.push_str(&text),
            },
            Event::Code(code) => b.push(Node::Code(code.to_string())),
            Event::SoftBreak | Event::HardBreak => b.text.push('\n'),
            Event::Html(html) | Event::InlineHtml(html) => b.literal(&html, false),
            Event::Rule => b.literal(source, true),
            _ => b.literal(source, false),
        }
    }
    b.flush();
    while b.stack.len() > 1 {
        b.close();
    }
    b.stack.pop().map(|(_, nodes)| nodes).unwrap_or_default()
}

/// The text a person reads, without formatting (tests and excerpts).
#[cfg(test)]
pub(crate) fn plain(nodes: &[Node]) -> String {
    let mut out = String::new();
    for node in nodes {
        match node {
            Node::Text(t) | Node::Mention(t) | Node::Code(t) | Node::CodeBlock(t) => {
                out.push_str(t);
            }
            Node::Link { children, .. } | Node::Element(_, children) => {
                out.push_str(&plain(children));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Node {
        Node::Text(s.to_owned())
    }

    fn p(children: Vec<Node>) -> Node {
        Node::Element(Kind::Paragraph, children)
    }

    fn el(kind: Kind, children: Vec<Node>) -> Node {
        Node::Element(kind, children)
    }

    fn link(href: &str, text: &str) -> Node {
        Node::Link {
            href: href.to_owned(),
            children: vec![t(text)],
        }
    }

    #[test]
    fn plain_text_is_one_paragraph_with_its_line_breaks() {
        assert_eq!(parse("hello there", None), [p(vec![t("hello there")])]);
        assert_eq!(
            parse("Hi Alice\nsecond line", None),
            [p(vec![t("Hi Alice\nsecond line")])]
        );
        assert_eq!(parse("", None), Vec::<Node>::new());
    }

    #[test]
    fn inline_formatting() {
        assert_eq!(
            parse("**bold** *it* _it2_ ~~gone~~ `x < y`", None),
            [p(vec![
                el(Kind::Strong, vec![t("bold")]),
                t(" "),
                el(Kind::Emphasis, vec![t("it")]),
                t(" "),
                el(Kind::Emphasis, vec![t("it2")]),
                t(" "),
                el(Kind::Strike, vec![t("gone")]),
                t(" "),
                Node::Code("x < y".into()),
            ])]
        );
        // Underscores inside words stay (user names).
        assert_eq!(parse("alice_2skd_x", None), [p(vec![t("alice_2skd_x")])]);
    }

    #[test]
    fn blocks() {
        assert_eq!(
            parse("```\nfn main() {}\n<b>\n```", None),
            [Node::CodeBlock("fn main() {}\n<b>".into())]
        );
        assert_eq!(
            parse("> quoted\n\nafter", None),
            [
                el(Kind::Quote, vec![p(vec![t("quoted")])]),
                p(vec![t("after")])
            ]
        );
        assert_eq!(
            parse("- one\n- two", None),
            [el(
                Kind::List { start: None },
                vec![
                    el(Kind::Item, vec![t("one")]),
                    el(Kind::Item, vec![t("two")])
                ]
            )]
        );
        assert_eq!(
            parse("3. three", None),
            [el(
                Kind::List { start: Some(3) },
                vec![el(Kind::Item, vec![t("three")])]
            )]
        );
    }

    #[test]
    fn html_stays_text() {
        let s = "<b>not bold</b> <img src=x onerror=alert(1)>";
        let nodes = parse(s, None);
        assert_eq!(plain(&nodes), s);
        assert!(
            nodes
                .iter()
                .all(|n| matches!(n, Node::Element(Kind::Paragraph, _)))
        );
        let block = "<div onclick=x>hi</div>";
        assert_eq!(parse(block, None), [p(vec![t(block)])]);
        let script = "<script>alert(1)</script>\n\nnext";
        assert_eq!(plain(&parse(script, None)), "<script>alert(1)</script>next");
    }

    #[test]
    fn links_only_for_safe_schemes() {
        assert_eq!(
            parse("[site](https://example.com) [m](mailto:a@b.co)", None),
            [p(vec![
                link("https://example.com", "site"),
                t(" "),
                link("mailto:a@b.co", "m"),
            ])]
        );
        for bad in [
            "[x](javascript:alert(1))",
            "[x](JavaScript:alert(1))",
            "[x](data:text/html,hi)",
            "[x](/relative)",
            "![img](https://example.com/a.png)",
            "[x](https://)",
        ] {
            assert_eq!(parse(bad, None), [p(vec![t(bad)])], "{bad}");
        }
        assert_eq!(
            parse("<https://x.org>", None),
            [p(vec![link("https://x.org", "https://x.org")])]
        );
        assert_eq!(
            parse("<javascript:alert(1)>", None),
            [p(vec![t("<javascript:alert(1)>")])]
        );
    }

    #[test]
    fn bare_addresses_are_links_as_before() {
        let s = "see https://example.com/path?q=1&b=2, www.rust-lang.org and \
                 mailto:a@b.co but not javascript:alert(1)";
        let nodes = parse(s, None);
        assert_eq!(plain(&nodes), s);
        let Node::Element(Kind::Paragraph, children) = &nodes[0] else {
            panic!("a paragraph");
        };
        let hrefs: Vec<&str> = children
            .iter()
            .filter_map(|n| match n {
                Node::Link { href, .. } => Some(href.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(
            hrefs,
            [
                "https://example.com/path?q=1&b=2",
                "https://www.rust-lang.org",
                "mailto:a@b.co"
            ]
        );
    }

    #[test]
    fn headings_and_rules_stay_as_typed() {
        assert_eq!(parse("# Title", None), [p(vec![t("# Title")])]);
        assert_eq!(parse("---", None), [p(vec![t("---")])]);
    }

    #[test]
    fn my_mentions_are_marked() {
        assert_eq!(
            parse("hi @Bob and @bobby, @bob!", Some("bob")),
            [p(vec![
                t("hi "),
                Node::Mention("@Bob".into()),
                t(" and @bobby, "),
                Node::Mention("@bob".into()),
                t("!"),
            ])]
        );
        assert_eq!(
            parse("mail x@bob please", Some("bob")),
            [p(vec![t("mail x@bob please")])]
        );
        assert_eq!(
            parse("`@bob`", Some("bob")),
            [p(vec![Node::Code("@bob".into())])]
        );
    }
}
