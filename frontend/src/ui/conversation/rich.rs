//! Formatted message text as DOM nodes: the tree `text::markdown` parsed, element by element.
//! Every piece of text is a text node; nothing is ever set as HTML.

use leptos::prelude::*;

use crate::text::markdown::{Kind, Node, parse};

/// `content` formatted; `me`: my username, whose `@mentions` are highlighted.
pub(super) fn formatted(content: &str, me: Option<&str>) -> AnyView {
    nodes(parse(content, me))
}

fn nodes(list: Vec<Node>) -> AnyView {
    list.into_iter().map(node).collect_view().into_any()
}

fn node(n: Node) -> AnyView {
    match n {
        Node::Text(text) => text.into_any(),
        Node::Mention(text) => view! { <span class="mention-me">{text}</span> }.into_any(),
        Node::Code(code) => view! { <code class="md-code">{code}</code> }.into_any(),
        Node::CodeBlock(code) => view! {
            <pre class="md-pre">
                <code>{code}</code>
            </pre>
        }
        .into_any(),
        // Links open in a new tab that cannot reach back to this one (`noopener`) and is not
        // told where it came from (`noreferrer`); `href` is http, https or mailto only.
        Node::Link { href, children } => view! {
            <a class="msg-link" href=href target="_blank" rel="noopener noreferrer">
                {nodes(children)}
            </a>
        }
        .into_any(),
        Node::Element(kind, children) => {
            let inner = nodes(children);
            match kind {
                Kind::Paragraph => view! { <p class="md-p">{inner}</p> }.into_any(),
                Kind::Strong => view! { <strong>{inner}</strong> }.into_any(),
                Kind::Emphasis => view! { <em>{inner}</em> }.into_any(),
                Kind::Strike => view! { <s>{inner}</s> }.into_any(),
                Kind::Quote => {
                    view! { <blockquote class="md-quote">{inner}</blockquote> }.into_any()
                }
                Kind::List { start: None } => view! { <ul class="md-list">{inner}</ul> }.into_any(),
                Kind::List { start: Some(n) } => {
                    view! { <ol class="md-list" start=n.to_string()>{inner}</ol> }.into_any()
                }
                Kind::Item => view! { <li>{inner}</li> }.into_any(),
            }
        }
    }
}
