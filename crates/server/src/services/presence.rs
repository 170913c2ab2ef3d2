//! Presence as users see it: a socket opening or closing becomes, on the first open or last
//! close anywhere, a `presence` event to the user's audience (contacts both ways and
//! co-members); and chats carry which members are online right now.

use std::collections::HashSet;
use std::sync::Arc;

use chat_protocol::{Chat, ServerEvent, UserId};

use crate::state::AppState;
use crate::store::contacts;

/// Whether a socket came or went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SocketChange {
    Opened,
    Closed,
}

/// Counts a socket opening or closing at once (so requests right after `ready` see it) and,
/// when that was the first or last socket here, settles the global change and announces it.
/// The announcing part runs detached: a socket must not wait on it, and it must happen even
/// when the socket's task is gone.
pub(crate) fn socket_changed(state: Arc<AppState>, user: UserId, change: SocketChange) {
    let presence = state.realtime().presence();
    let edge = match change {
        SocketChange::Opened => presence.opened_here(user),
        SocketChange::Closed => presence.closed_here(user),
    };
    if !edge {
        return;
    }
    actix_web::rt::spawn(async move {
        let presence = state.realtime().presence();
        let (changed, online) = match change {
            SocketChange::Opened => (presence.came_online(user).await, true),
            SocketChange::Closed => (presence.went_offline(user).await, false),
        };
        if changed {
            announce(&state, user, online).await;
        }
    });
}

/// Tells everyone allowed to see `user`'s presence that it changed.
pub(crate) async fn announce(state: &AppState, user: UserId, online: bool) {
    match state
        .db(move |c| contacts::presence_audience(c, user))
        .await
    {
        Ok(audience) => state.realtime().publish(
            &audience,
            &ServerEvent::Presence {
                user_id: user,
                online,
            },
        ),
        Err(e) => tracing::warn!(error = %e, "presence audience lookup failed"),
    }
}

/// Fills in which members of these chats are online (presence lives outside the database).
pub(crate) async fn fill_online_members(state: &AppState, chats: &mut [Chat]) {
    let mut everyone: Vec<UserId> = chats
        .iter()
        .flat_map(|c| c.members.iter().map(|m| m.id))
        .collect();
    everyone.sort_unstable();
    everyone.dedup();
    let online = state.realtime().online(&everyone).await;
    let online: HashSet<UserId> = everyone
        .into_iter()
        .zip(online)
        .filter_map(|(id, on)| on.then_some(id))
        .collect();
    for chat in chats {
        chat.online_members = chat
            .members
            .iter()
            .map(|m| m.id)
            .filter(|id| online.contains(id))
            .collect();
    }
}
