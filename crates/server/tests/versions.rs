//! Versions and resume (contract, round 2): every new message, edit and delete takes the chat's
//! next version; a client that was away resumes with `after_version` and sees the edits and
//! deletes made meanwhile, over the socket and REST; a concurrent edit and delete never leave
//! text on a deleted message. Both databases.

mod common;

use chat_protocol::{ClientCommand, Message, MessagePage, ServerEvent};
use common::events::{deleted, message_updated, new_message};
use common::{Backend, TestServer};

on_both_backends!(
    a_client_that_was_away_resumes_edits_and_deletes,
    concurrent_edit_and_delete_never_resurrect_text,
);

fn fetch_after_version(chat_id: chat_protocol::ChatId, version: i64) -> ClientCommand {
    ClientCommand::FetchMessages {
        chat_id,
        before_seq: None,
        after_seq: None,
        after_version: Some(version),
        limit: Some(100),
        request_id: Some("resume".into()),
    }
}

async fn a_client_that_was_away_resumes_edits_and_deletes(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (alice, a) = server.user("alice").await;
    let (bob, b) = server.user("bob").await;
    let chat = alice.create_chat(&[&b.user], None).await;
    assert_eq!(chat.last_version, 0);
    let mut sa = server.socket(&a.access_token).await;
    let mut sb = server.socket(&b.access_token).await;
    let mut sent = Vec::new();
    for text in ["one", "two", "three"] {
        sa.send_message(chat.id, text).await;
        sent.push(sb.wait_for(new_message).await);
    }
    let versions: Vec<i64> = sent.iter().map(|m| m.version).collect();
    assert_eq!(versions, [1, 2, 3]);
    let seen = 3;
    sb.close().await;

    // While bob is away: an edit, a delete, a new message.
    sa.send(&ClientCommand::EditMessage {
        message_id: sent[0].id,
        content: "one, fixed".into(),
    })
    .await;
    assert_eq!(sa.wait_for(message_updated).await.version, 4);
    sa.send(&ClientCommand::DeleteMessage {
        message_id: sent[1].id,
    })
    .await;
    let version_of_delete = sa
        .wait_for(|e| match e {
            ServerEvent::MessageDeleted { version, .. } => Some(version),
            _ => None,
        })
        .await;
    assert_eq!(version_of_delete, 5);
    sa.send_message(chat.id, "four").await;
    sa.wait_for(new_message).await;

    let mut sb = server.socket(&b.access_token).await;
    sb.send(&fetch_after_version(chat.id, seen)).await;
    let (messages, has_more) = sb
        .wait_for(|e| match e {
            ServerEvent::Messages {
                messages, has_more, ..
            } => Some((messages, has_more)),
            _ => None,
        })
        .await;
    let summary = |messages: &[Message]| -> Vec<(i64, i64, bool, String)> {
        messages
            .iter()
            .map(|m| (m.seq, m.version, m.deleted, m.content.clone()))
            .collect()
    };
    let want = vec![
        (1, 4, false, "one, fixed".to_owned()),
        (2, 5, true, String::new()),
        (4, 6, false, "four".to_owned()),
    ];
    assert_eq!((summary(&messages), has_more), (want.clone(), false));
    let page: MessagePage = bob
        .get_ok(&format!(
            "/api/chats/{}/messages?after_version={seen}",
            chat.id
        ))
        .await;
    assert_eq!(summary(&page.messages), want, "REST resumes the same way");
    let listed: chat_protocol::Chat = bob.get_ok(&format!("/api/chats/{}", chat.id)).await;
    assert_eq!((listed.last_seq, listed.last_version), (4, 6));
}

async fn concurrent_edit_and_delete_never_resurrect_text(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (alice, a) = server.user("alice").await;
    let (_, b) = server.user("bob").await;
    let chat = alice.create_chat(&[&b.user], None).await;
    let mut editor = server.socket(&a.access_token).await;
    let mut deleter = server.socket(&a.access_token).await;
    let mut watcher = server.socket(&b.access_token).await;
    for round in 0..10 {
        editor
            .send_message(chat.id, &format!("round {round}"))
            .await;
        let message = watcher.wait_for(new_message).await;
        deleter.wait_for(new_message).await;
        editor.wait_for(new_message).await;
        // Both at once, from two sockets: either order may win, never a mix.
        let edit = ClientCommand::EditMessage {
            message_id: message.id,
            content: format!("edited {round}"),
        };
        let delete = ClientCommand::DeleteMessage {
            message_id: message.id,
        };
        tokio::join!(editor.send(&edit), deleter.send(&delete));
        let gone = watcher.wait_for(deleted).await;
        assert_eq!(gone.1, message.id);
        let page: MessagePage = alice
            .get_ok(&format!(
                "/api/chats/{}/messages?after_version={}",
                chat.id, message.version
            ))
            .await;
        let stored = page
            .messages
            .iter()
            .find(|m| m.id == message.id)
            .expect("changed since it was sent");
        assert!(stored.deleted && stored.content.is_empty(), "{stored:?}");
        let last = page.messages.iter().map(|m| m.version).max();
        assert_eq!(
            last,
            Some(stored.version),
            "the delete is the message's last change"
        );
    }
}
