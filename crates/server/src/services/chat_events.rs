//! `chat_updated`: after a chat is created or its membership changes, each person concerned
//! hears about the chat as they see it (their own unread count, who is online).

use chat_protocol::{Chat, ChatId, ServerEvent, UserId};

use super::presence::fill_online_members;
use crate::state::AppState;
use crate::store::chats;

/// Tells each recipient about the chat as they see it (rendered once for all of them: a fixed
/// number of queries whatever the group's size).
pub(crate) async fn notify_chat_updated(state: &AppState, chat: ChatId, recipients: Vec<UserId>) {
    let rendered = state
        .db(move |c| chats::render_for_viewers(c, chat, &recipients))
        .await;
    match rendered {
        Ok(views) => {
            for (viewer, mut chat) in views {
                fill_online_members(state, viewer, std::slice::from_mut(&mut chat)).await;
                state
                    .realtime()
                    .publish(&[viewer], &ServerEvent::ChatUpdated { chat });
            }
        }
        Err(e) => tracing::warn!(error = %e, "chat_updated not sent"),
    }
}

/// Tells every member of `chat` about it (a new chat, a new member).
pub(crate) async fn announce_to_members(state: &AppState, chat: &Chat) {
    let everyone = chat.members.iter().map(|m| m.id).collect();
    notify_chat_updated(state, chat.id, everyone).await;
}
