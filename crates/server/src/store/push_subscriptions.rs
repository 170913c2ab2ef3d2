//! Web Push subscriptions: one per signed-in browser (session), found again by its endpoint.
//! Ending a session deletes its subscription (`sessions::revoke*`); a push service that answers
//! that a subscription is gone gets it deleted here too.

use chat_protocol::{ChatId, ChatKind, SessionId, UserId};
use diesel::prelude::*;

use super::{now, write_tx};
use crate::db::AnyConnection;
use crate::db::schema::{chat_members, chats, push_subscriptions, sessions};
use crate::error::AppResult;

/// A browser to push to: its endpoint and its keys (unpadded base64url, checked when stored).
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = push_subscriptions)]
pub(crate) struct Subscription {
    pub user_id: UserId,
    pub endpoint: String,
    pub p256dh: String,
    pub auth: String,
}

/// What a push about a message in a chat needs from the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Targets {
    pub kind: ChatKind,
    pub chat_name: Option<String>,
    /// Subscriptions of live sessions of the given users who are members and have not muted
    /// the chat.
    pub subscriptions: Vec<Subscription>,
}

/// Stores the browser's subscription for the caller's session. A session keeps one (a new one
/// replaces the old), and an endpoint belongs to one session: the same browser signed in again,
/// maybe as someone else, takes it over.
pub(crate) fn subscribe(
    conn: &mut AnyConnection,
    user: UserId,
    session: SessionId,
    endpoint: &str,
    p256dh: &str,
    auth: &str,
) -> AppResult<()> {
    write_tx(conn, |c| {
        diesel::delete(
            push_subscriptions::table.filter(
                push_subscriptions::session_id
                    .eq(session)
                    .or(push_subscriptions::endpoint.eq(endpoint)),
            ),
        )
        .execute(c)?;
        diesel::insert_into(push_subscriptions::table)
            .values((
                push_subscriptions::endpoint.eq(endpoint),
                push_subscriptions::session_id.eq(session),
                push_subscriptions::user_id.eq(user),
                push_subscriptions::p256dh.eq(p256dh),
                push_subscriptions::auth.eq(auth),
                push_subscriptions::created_at.eq(now()),
            ))
            .execute(c)?;
        Ok(())
    })
}

/// Deletes the caller's subscription with this endpoint, if they have it.
pub(crate) fn unsubscribe(conn: &mut AnyConnection, user: UserId, endpoint: &str) -> AppResult<()> {
    diesel::delete(
        push_subscriptions::table
            .filter(push_subscriptions::endpoint.eq(endpoint))
            .filter(push_subscriptions::user_id.eq(user)),
    )
    .execute(conn)?;
    Ok(())
}

/// Deletes the subscription of an ended session.
pub(crate) fn forget_session(conn: &mut AnyConnection, session: SessionId) -> QueryResult<usize> {
    diesel::delete(push_subscriptions::table.filter(push_subscriptions::session_id.eq(session)))
        .execute(conn)
}

/// Deletes a subscription the push service says no longer exists (404 or 410).
pub(crate) fn forget_endpoint(conn: &mut AnyConnection, endpoint: &str) -> AppResult<()> {
    diesel::delete(push_subscriptions::table.filter(push_subscriptions::endpoint.eq(endpoint)))
        .execute(conn)?;
    Ok(())
}

/// The chat's kind and name, and where to push to `users` about it: subscriptions of their
/// live sessions, for those who are members and have not muted it. `None` when the chat is gone.
pub(crate) fn targets(
    conn: &mut AnyConnection,
    chat: ChatId,
    users: &[UserId],
) -> AppResult<Option<Targets>> {
    let Some((kind, chat_name)) = chats::table
        .find(chat)
        .select((chats::kind, chats::name))
        .first::<(ChatKind, Option<String>)>(conn)
        .optional()?
    else {
        return Ok(None);
    };
    let subscriptions = if users.is_empty() {
        Vec::new()
    } else {
        push_subscriptions::table
            .inner_join(sessions::table)
            .inner_join(
                chat_members::table.on(chat_members::user_id
                    .eq(push_subscriptions::user_id)
                    .and(chat_members::chat_id.eq(chat))),
            )
            .filter(push_subscriptions::user_id.eq_any(users))
            .filter(sessions::revoked_at.is_null())
            .filter(chat_members::muted.eq(false))
            .select(Subscription::as_select())
            .load(conn)?
    };
    Ok(Some(Targets {
        kind,
        chat_name,
        subscriptions,
    }))
}
