//! Replies, reactions and mentions (contract, round 2), over the socket and REST, on both
//! databases: what members see live and in history, and the refusals for bad input.

mod common;

use chat_protocol::{ClientCommand, ErrorCode, MessagePage, ServerEvent};
use common::events::{self, error, message_updated, new_message, reaction, reply};
use common::{Backend, TestServer};

on_both_backends!(
    replies_quote_the_original_as_it_is_now,
    reactions_toggle_count_and_bump_versions,
    mentions_name_members_and_count_unread,
);

async fn replies_quote_the_original_as_it_is_now(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (alice, _a, _bob, b, chat, mut sa, mut sb) = server.duo().await;
    sa.send_message(chat.id, &format!("{} and more", "x".repeat(120)))
        .await;
    let original = sb.wait_for(new_message).await;
    sa.wait_for(new_message).await; // her own, echoed
    sb.send(&reply(chat.id, "answer", original.id)).await;
    let answer = sa.wait_for(new_message).await;
    let quote = answer.reply_to.clone().expect("a quote");
    assert_eq!((quote.id, quote.seq), (original.id, original.seq));
    assert_eq!(quote.sender.id, original.sender.id);
    assert_eq!(quote.excerpt, "x".repeat(100), "the first 100 characters");
    assert!(!quote.deleted);

    // The original is deleted: the quote in history says so and keeps no text.
    sa.send(&ClientCommand::DeleteMessage {
        message_id: original.id,
    })
    .await;
    sb.wait_for(events::deleted).await;
    let page: MessagePage = alice
        .get_ok(&format!("/api/chats/{}/messages", chat.id))
        .await;
    let quote = page.messages[1].reply_to.clone().expect("still a quote");
    assert!(quote.deleted && quote.excerpt.is_empty(), "{quote:?}");
    // Replying to a deleted message is allowed and shows it as deleted.
    sb.send(&reply(chat.id, "late answer", original.id)).await;
    let late = sa.wait_for(new_message).await;
    assert!(late.reply_to.expect("quote").deleted);

    // Another chat's message, a made-up id: validation_failed, nothing stored.
    let (carol, c) = server.user("carol").await;
    let other = carol.create_chat(&[&b.user], None).await;
    let mut sc = server.socket(&c.access_token).await;
    sc.send_message(other.id, "elsewhere").await;
    let elsewhere = sc.wait_for(new_message).await;
    for bad in [elsewhere.id, chat_protocol::MessageId::from(9_999_999)] {
        sa.send(&reply(chat.id, "nope", bad)).await;
        let (code, command) = sa.wait_for(error).await;
        assert_eq!(code, ErrorCode::ValidationFailed);
        assert_eq!(command.as_deref(), Some("new_message"));
    }
    let page: MessagePage = alice
        .get_ok(&format!("/api/chats/{}/messages", chat.id))
        .await;
    assert_eq!(page.messages.len(), 3, "the refused replies left no trace");
    // A non-member replying into the chat learns nothing about it.
    sc.send(&reply(chat.id, "sneaky", original.id)).await;
    assert_eq!(sc.wait_for(error).await.0, ErrorCode::NotFound);
}

async fn reactions_toggle_count_and_bump_versions(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (alice, a, _bob, b, chat, mut sa, mut sb) = server.duo().await;
    sa.send_message(chat.id, "react to me").await;
    let message = sb.wait_for(new_message).await;
    let react = |emoji: &str, on: bool| ClientCommand::React {
        message_id: message.id,
        emoji: emoji.into(),
        on,
    };
    sb.send(&react("👍", true)).await;
    let (id, emoji, who, on, v1) = sa.wait_for(reaction).await;
    assert_eq!(
        (id, emoji.as_str(), who, on),
        (message.id, "👍", b.user.id, true)
    );
    assert!(v1 > message.version, "a reaction bumps the version");
    assert_eq!(
        sb.wait_for(reaction).await.4,
        v1,
        "the reactor hears it too"
    );
    sa.send(&react("👍", true)).await;
    sa.wait_for(reaction).await;
    sa.send(&react("🎉", true)).await;
    let v3 = sa.wait_for(reaction).await.4;

    // Twice the same: no new version, only the caller hears (the state holds).
    sb.send(&react("👍", true)).await;
    let (.., again) = sb.wait_for(reaction).await;
    assert_eq!(again, v3 - 1, "unchanged: the message's version as it was");
    sa.assert_no_chat_events(std::time::Duration::from_millis(300))
        .await;

    let page: MessagePage = alice
        .get_ok(&format!("/api/chats/{}/messages", chat.id))
        .await;
    let stored = &page.messages[0];
    assert_eq!(stored.version, v3);
    assert_eq!(stored.reactions.len(), 2);
    assert_eq!(stored.reactions[0].emoji, "👍");
    assert_eq!(stored.reactions[0].user_ids, vec![b.user.id, a.user.id]);
    assert_eq!(stored.reactions[1].emoji, "🎉");

    // Taken back; a resuming client sees the message's new state by version.
    sb.send(&react("👍", false)).await;
    let (.., on, v4) = sa.wait_for(reaction).await;
    assert!(!on && v4 == v3 + 1);
    let changed: MessagePage = alice
        .get_ok(&format!(
            "/api/chats/{}/messages?after_version={v3}",
            chat.id
        ))
        .await;
    assert_eq!(changed.messages.len(), 1);
    assert_eq!(changed.messages[0].reactions[0].user_ids, vec![a.user.id]);

    // Not one emoji; a 21st distinct emoji; a deleted message; a chat you are not in.
    for bad in ["", "ok", "👍👍", ":+1:", "<script>", "👍 "] {
        sb.send(&react(bad, true)).await;
        let (code, command) = sb.wait_for(error).await;
        assert_eq!(code, ErrorCode::ValidationFailed, "{bad:?}");
        assert_eq!(command.as_deref(), Some("react"));
    }
    let many = [
        "😀", "😁", "😂", "🤣", "😃", "😄", "😅", "😆", "😉", "😊", "😋", "😎", "😍", "😘", "🥰",
        "😗", "😙", "😚",
    ];
    for emoji in many {
        sb.send(&react(emoji, true)).await;
        sb.wait_for(reaction).await;
    }
    sb.send(&react("🚀", true)).await;
    assert_eq!(sb.wait_for(error).await.0, ErrorCode::ValidationFailed);
    sa.send(&react("🎉", true)).await; // already there: still allowed
    sa.wait_for(reaction).await;

    let (_carol, c) = server.user("carol").await;
    let mut sc = server.socket(&c.access_token).await;
    sc.send(&react("👍", true)).await;
    assert_eq!(sc.wait_for(error).await.0, ErrorCode::NotFound);

    sa.send(&ClientCommand::DeleteMessage {
        message_id: message.id,
    })
    .await;
    sb.wait_for(events::deleted).await;
    sb.send(&react("👍", true)).await;
    assert_eq!(sb.wait_for(error).await.0, ErrorCode::NotFound);
    let page: MessagePage = alice
        .get_ok(&format!("/api/chats/{}/messages", chat.id))
        .await;
    assert!(
        page.messages[0].reactions.is_empty(),
        "a tombstone keeps none"
    );

    // A direct chat closed by a block takes no reactions either.
    sb.send_message(chat.id, "still here").await;
    let open = sa.wait_for(new_message).await;
    let (status, _) = alice
        .post(
            "/api/blocks",
            serde_json::json!({"username": b.user.username}),
        )
        .await;
    assert_eq!(status.as_u16(), 201);
    sb.send(&ClientCommand::React {
        message_id: open.id,
        emoji: "👍".into(),
        on: true,
    })
    .await;
    assert_eq!(sb.wait_for(error).await.0, ErrorCode::Forbidden);
}

async fn mentions_name_members_and_count_unread(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (alice, a) = server.user("alice").await;
    let (bob, b) = server.user("bob").await;
    let (_carol, c) = server.user("carol").await;
    let group = alice.create_chat(&[&b.user], Some("team")).await;
    let mut sa = server.socket(&a.access_token).await;
    let mut sb = server.socket(&b.access_token).await;

    // Bob is a member (any case, trailing punctuation); carol is not; alice is the sender.
    let text = format!(
        "hi @{}, @{} and @{}. mail@{}.org",
        b.user.username.to_uppercase(),
        c.user.username,
        a.user.username,
        b.user.username
    );
    sa.send_message(group.id, &text).await;
    let m = sb.wait_for(new_message).await;
    assert_eq!(m.mentions, vec![b.user.id]);
    let chats: Vec<chat_protocol::Chat> = bob.get_ok("/api/chats").await;
    assert_eq!(chats[0].unread_mentions, 1);
    let mine: Vec<chat_protocol::Chat> = alice.get_ok("/api/chats").await;
    assert_eq!(mine[0].unread_mentions, 0);

    // An edit that drops the mention drops it; read messages are not counted.
    sa.send(&ClientCommand::EditMessage {
        message_id: m.id,
        content: "hi all".into(),
    })
    .await;
    let edited = sb.wait_for(message_updated).await;
    assert!(edited.mentions.is_empty());
    let chat: chat_protocol::Chat = bob.get_ok(&format!("/api/chats/{}", group.id)).await;
    assert_eq!(chat.unread_mentions, 0);
    sa.send_message(group.id, &format!("@{} look", b.user.username))
        .await;
    let second = sb.wait_for(new_message).await;
    let chat: chat_protocol::Chat = bob.get_ok(&format!("/api/chats/{}", group.id)).await;
    assert_eq!(chat.unread_mentions, 1);
    sb.send(&ClientCommand::MarkRead {
        chat_id: group.id,
        seq: second.seq,
    })
    .await;
    sb.wait_for(events::read).await;
    let chat: chat_protocol::Chat = bob.get_ok(&format!("/api/chats/{}", group.id)).await;
    assert_eq!(chat.unread_mentions, 0);
    let page: MessagePage = bob
        .get_ok(&format!("/api/chats/{}/messages", group.id))
        .await;
    assert_eq!(
        page.messages[1].mentions,
        vec![b.user.id],
        "history carries them"
    );
    // A deleted message mentions nobody.
    sa.send(&ClientCommand::DeleteMessage {
        message_id: second.id,
    })
    .await;
    sb.wait_for(events::deleted).await;
    let page: MessagePage = bob
        .get_ok(&format!("/api/chats/{}/messages", group.id))
        .await;
    assert!(page.messages[1].mentions.is_empty());
    let _ = ServerEvent::Resync;
}
