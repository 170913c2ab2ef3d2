//! `docs/PROTOCOL.md` is checked against the crate: every JSON example must parse as a command
//! or event and serialize back to the same JSON, and every command and event must be shown.

use std::collections::BTreeSet;

use chat_protocol::{ClientCommand, ServerEvent};
use serde_json::Value;

fn examples() -> Vec<Value> {
    let doc = include_str!("../../../docs/PROTOCOL.md");
    doc.split("```json\n")
        .skip(1)
        .map(|block| {
            let body = block.split("```").next().expect("closed block");
            serde_json::from_str(body).unwrap_or_else(|e| panic!("bad JSON ({e}):\n{body}"))
        })
        .collect()
}

#[test]
fn every_example_round_trips_and_every_variant_is_shown() {
    let mut commands = BTreeSet::new();
    let mut events = BTreeSet::new();
    for example in examples() {
        // Events carry `type`; error events also echo a `command`.
        if example.get("type").is_none() {
            let name = example["command"].as_str().expect("command tag");
            let parsed: ClientCommand = serde_json::from_value(example.clone())
                .unwrap_or_else(|e| panic!("{e}: {example}"));
            assert_eq!(serde_json::to_value(&parsed).unwrap(), example);
            assert_eq!(parsed.name(), name);
            commands.insert(name.to_owned());
        } else {
            let parsed: ServerEvent = serde_json::from_value(example.clone())
                .unwrap_or_else(|e| panic!("{e}: {example}"));
            assert_eq!(serde_json::to_value(&parsed).unwrap(), example);
            events.insert(example["type"].as_str().unwrap().to_owned());
        }
    }
    assert_eq!(
        commands,
        ClientCommand::NAMES.iter().map(|s| s.to_string()).collect()
    );
    let want_events = [
        "ready",
        "messages",
        "new_message",
        "message_updated",
        "message_deleted",
        "typing",
        "presence",
        "read",
        "chat_updated",
        "reaction",
        "resync",
        "pong",
        "error",
    ];
    assert_eq!(events, want_events.iter().map(|s| s.to_string()).collect());
}

/// A compile-time reminder: adding a variant breaks this match until the docs show it too.
#[allow(dead_code)]
fn variants_listed_above(command: ClientCommand, event: ServerEvent) {
    match command {
        ClientCommand::FetchMessages { .. }
        | ClientCommand::NewMessage { .. }
        | ClientCommand::EditMessage { .. }
        | ClientCommand::DeleteMessage { .. }
        | ClientCommand::Typing { .. }
        | ClientCommand::MarkRead { .. }
        | ClientCommand::React { .. }
        | ClientCommand::Ping {} => {}
    }
    match event {
        ServerEvent::Ready { .. }
        | ServerEvent::Messages { .. }
        | ServerEvent::NewMessage { .. }
        | ServerEvent::MessageUpdated { .. }
        | ServerEvent::MessageDeleted { .. }
        | ServerEvent::Typing { .. }
        | ServerEvent::Presence { .. }
        | ServerEvent::Read { .. }
        | ServerEvent::ChatUpdated { .. }
        | ServerEvent::Reaction { .. }
        | ServerEvent::Resync
        | ServerEvent::Pong
        | ServerEvent::Error { .. } => {}
    }
}
