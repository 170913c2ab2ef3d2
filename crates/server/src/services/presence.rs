//! Presence as users see it, with consent: a socket opening or closing becomes, on the first
//! open or last close anywhere, a `presence` event to the people the user added as contacts;
//! chats carry which members the viewer may see online right now.

use std::collections::HashSet;
use std::sync::Arc;

use chat_protocol::{Chat, Contact, ServerEvent, User, UserId};

use crate::error::AppResult;
use crate::state::AppState;
use crate::store::chat_views::ChatForViewers;
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
/// when the socket's task is gone. A user's edges are settled one at a time, in order (a
/// close and a quick reopen must not reach Redis, or the audience, the wrong way round).
pub(crate) fn socket_changed(state: Arc<AppState>, user: UserId, change: SocketChange) {
    let presence = state.realtime().presence();
    let edge = match change {
        SocketChange::Opened => presence.opened_here(user),
        SocketChange::Closed => presence.closed_here(user),
    };
    if !edge || !presence.queue_edge(user, change == SocketChange::Opened) {
        return;
    }
    actix_web::rt::spawn(async move {
        while let Some(online) = state.realtime().presence().next_edge(user) {
            let presence = state.realtime().presence();
            let changed = if online {
                presence.came_online(user).await
            } else {
                presence.went_offline(user).await
            };
            if changed {
                announce(&state, user, online).await;
            }
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

/// Fills in which members of these chats `viewer` may see online right now: those who added
/// `viewer` as a contact (and `viewer` themself). Presence lives outside the database.
pub(crate) async fn fill_online_members(state: &AppState, viewer: UserId, chats: &mut [Chat]) {
    let mut everyone: Vec<UserId> = chats
        .iter()
        .flat_map(|c| c.members.iter().map(|m| m.id))
        .filter(|id| *id != viewer)
        .collect();
    everyone.sort_unstable();
    everyone.dedup();
    let visible = match state
        .db(move |c| contacts::who_added(c, viewer, &everyone))
        .await
    {
        Ok(mut visible) => {
            visible.push(viewer);
            visible
        }
        Err(e) => {
            tracing::warn!(error = %e, "presence consent lookup failed; showing none");
            vec![viewer]
        }
    };
    let online = state.realtime().online(&visible).await;
    let online: HashSet<UserId> = visible
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

/// Fills in each view's online members as its viewer may see them, for many viewers at once:
/// one consent query and one Redis round trip whatever the number of viewers (what
/// `chat_updated` to a large group needs; [`fill_online_members`] asks per viewer). Returns
/// the viewers who are online now (a socket open on some instance).
pub(crate) async fn fill_online_for_viewers(
    state: &AppState,
    views: &mut ChatForViewers,
) -> HashSet<UserId> {
    let viewers: Vec<UserId> = views.viewers.iter().map(|part| part.viewer).collect();
    let mut members: Vec<UserId> = views.shared.members.iter().map(|m| m.id).collect();
    members.sort_unstable();
    members.dedup();
    let pairs = {
        let viewers = viewers.clone();
        let members = members.clone();
        state
            .db(move |c| contacts::who_added_each(c, &viewers, &members))
            .await
            .unwrap_or_else(|e| {
                tracing::warn!(error = %e, "presence consent lookup failed; showing none");
                Vec::new()
            })
    };
    // Everyone whose presence some viewer may see: the owners who consented, and the viewers
    // themselves (a viewer always sees their own).
    let mut asked: Vec<UserId> = pairs.iter().map(|(_, owner)| *owner).collect();
    asked.extend(&viewers);
    asked.sort_unstable();
    asked.dedup();
    let online: HashSet<UserId> = asked
        .iter()
        .copied()
        .zip(state.realtime().online(&asked).await)
        .filter_map(|(id, on)| on.then_some(id))
        .collect();
    let consent: HashSet<(UserId, UserId)> = pairs.into_iter().collect();
    // In the members' order, as every view lists them.
    let online_members: Vec<UserId> = views
        .shared
        .members
        .iter()
        .map(|m| m.id)
        .filter(|id| online.contains(id))
        .collect();
    for part in &mut views.viewers {
        let viewer = part.viewer;
        part.online_members = online_members
            .iter()
            .copied()
            .filter(|id| *id == viewer || consent.contains(&(viewer, *id)))
            .collect();
    }
    viewers.into_iter().filter(|v| online.contains(v)).collect()
}

/// Each of `people` as a contact of `viewer`: online or not if they added `viewer` too,
/// `null` otherwise.
pub(crate) async fn as_contacts(
    state: &AppState,
    viewer: UserId,
    people: Vec<User>,
) -> AppResult<Vec<Contact>> {
    let ids: Vec<UserId> = people.iter().map(|u| u.id).collect();
    let consented: HashSet<UserId> = state
        .db(move |c| contacts::who_added(c, viewer, &ids))
        .await?
        .into_iter()
        .collect();
    let visible: Vec<UserId> = people
        .iter()
        .map(|u| u.id)
        .filter(|id| consented.contains(id))
        .collect();
    let online: HashSet<UserId> = visible
        .iter()
        .copied()
        .zip(state.realtime().online(&visible).await)
        .filter_map(|(id, on)| on.then_some(id))
        .collect();
    Ok(people
        .into_iter()
        .map(|user| Contact {
            online: consented
                .contains(&user.id)
                .then(|| online.contains(&user.id)),
            user,
        })
        .collect())
}

/// `subject` started (or stopped) sharing presence with `viewer` by adding (or removing) them
/// as a contact: `viewer` hears the current state at once (or offline: no longer shared).
pub(crate) async fn sharing_changed(
    state: &AppState,
    subject: UserId,
    viewer: UserId,
    shared: bool,
) {
    let online = shared && state.realtime().online(&[subject]).await.first() == Some(&true);
    state.realtime().publish(
        &[viewer],
        &ServerEvent::Presence {
            user_id: subject,
            online,
        },
    );
}
