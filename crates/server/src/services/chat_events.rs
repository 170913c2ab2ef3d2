//! `chat_updated`: after a chat is created or its membership changes, each person concerned
//! hears about the chat as they see it (their own unread count, who is online); then the
//! members hear the change's system line ("Ann added Ben") as a `new_message`.

use actix_web::web;
use chat_protocol::{Chat, ChatId, Message, ServerEvent, UserId};

use super::presence::fill_online_for_viewers;
use crate::realtime::ChatUpdatedTemplate;
use crate::state::AppState;
use crate::store::chats;

/// Tells each recipient about the chat as they see it: rendered once for all of them (a fixed
/// number of queries whatever the group's size) and serialised once, each one's own fields
/// spliced in.
pub(crate) async fn notify_chat_updated(state: &AppState, chat: ChatId, recipients: Vec<UserId>) {
    let rendered = state
        .db(move |c| chats::render_for_viewers(c, chat, &recipients))
        .await;
    match rendered {
        Ok(mut views) => {
            let online = fill_online_for_viewers(state, &mut views).await;
            let template = ChatUpdatedTemplate::new(&views.shared);
            // Only viewers with a socket open somewhere can receive the event (a socket
            // opened later loads the chat list, committed before this runs).
            for part in views.viewers.iter().filter(|p| online.contains(&p.viewer)) {
                let payload = template.render(
                    part.unread_count,
                    part.unread_mentions,
                    &part.online_members,
                    part.muted,
                );
                state.realtime().publish_encoded(&[part.viewer], payload);
            }
        }
        Err(e) => tracing::warn!(error = %e, "chat_updated not sent"),
    }
}

/// [`announce_to_members`] off the request path: the caller answers at once and the members
/// hear shortly after. For a large group the rendering and the fan-out cost grow with its size
/// (a fixed number of queries, but a thousand events to publish), which a request should not
/// wait for.
pub(crate) fn announce_to_members_later(
    state: web::Data<AppState>,
    chat: &Chat,
    line: Option<Message>,
) {
    let chat = chat.clone();
    actix_web::rt::spawn(async move {
        announce_to_members(&state, &chat).await;
        if let Some(line) = line {
            publish_line(&state, line, &member_ids(&chat));
        }
    });
}

/// Sends a system line to `recipients` (the chat's members after the change), after the
/// `chat_updated` that told them of the change, so a newcomer knows the chat before its line.
/// Like any message it has a seq: an instance that misses it fills the gap from the database.
pub(crate) fn publish_line(state: &AppState, line: Message, recipients: &[UserId]) {
    state
        .realtime()
        .publish(recipients, &ServerEvent::NewMessage { message: line });
}

fn member_ids(chat: &Chat) -> Vec<UserId> {
    chat.members.iter().map(|m| m.id).collect()
}

/// Tells every member of `chat` about it (a new chat, a new member).
pub(crate) async fn announce_to_members(state: &AppState, chat: &Chat) {
    notify_chat_updated(state, chat.id, member_ids(chat)).await;
}
