//! Public rooms and invite links: the directory, joining, and a group's links.

use actix_web::{HttpResponse, web};
use chat_protocol::limits::check_room_search;
use chat_protocol::{Chat, ChatId, CreateInviteRequest, Message, RoomQuery, UserId};

use super::extract::AuthUser;
use crate::auth::tokens::random_token;
use crate::error::{AppError, AppResult};
use crate::services::chat_events::{announce_to_members, publish_line};
use crate::services::presence::fill_online_members;
use crate::state::AppState;
use crate::store::{chats, invites, rooms};

/// Longest lifetime of an invite link: a year.
const INVITE_LIFETIME_MAX: i64 = 365 * 24 * 3600;

pub(super) async fn directory(
    state: web::Data<AppState>,
    _caller: AuthUser,
    query: web::Query<RoomQuery>,
) -> AppResult<HttpResponse> {
    let search = query.into_inner().search;
    check_room_search(&search).map_err(AppError::Validation)?;
    let found = state.db(move |c| rooms::directory(c, &search)).await?;
    Ok(HttpResponse::Ok().json(found))
}

/// The joined chat for its new member `me` (with the presence `me` may see), and
/// `chat_updated` for everyone in it, then the "joined" line, when someone new came in.
async fn welcome(
    state: &AppState,
    me: UserId,
    mut chat: Chat,
    line: Option<Message>,
) -> HttpResponse {
    if let Some(line) = line {
        announce_to_members(state, &chat).await;
        let members: Vec<UserId> = chat.members.iter().map(|m| m.id).collect();
        publish_line(state, line, &members);
    }
    fill_online_members(state, me, std::slice::from_mut(&mut chat)).await;
    HttpResponse::Ok().json(chat)
}

pub(super) async fn join(
    state: web::Data<AppState>,
    caller: AuthUser,
    path: web::Path<ChatId>,
) -> AppResult<HttpResponse> {
    state.guards().check_write(caller.id)?;
    let chat = path.into_inner();
    let me = caller.id;
    let max = state.guards().max_group_members();
    let (chat, joined) = state
        .db(move |c| chats::join_public(c, chat, me, max))
        .await?;
    Ok(welcome(&state, me, chat, joined).await)
}

pub(super) async fn create_invite(
    state: web::Data<AppState>,
    caller: AuthUser,
    path: web::Path<ChatId>,
    body: web::Json<CreateInviteRequest>,
) -> AppResult<HttpResponse> {
    state.guards().check_write(caller.id)?;
    let chat = path.into_inner();
    let CreateInviteRequest {
        expires_in_secs,
        max_uses,
    } = body.into_inner();
    if expires_in_secs.is_some_and(|s| !(1..=INVITE_LIFETIME_MAX).contains(&s)) {
        return Err(AppError::Validation(format!(
            "expires_in_secs must be between 1 and {INVITE_LIFETIME_MAX}"
        )));
    }
    if max_uses.is_some_and(|n| !(1..=100_000).contains(&n)) {
        return Err(AppError::Validation(
            "max_uses must be between 1 and 100000".into(),
        ));
    }
    let token = random_token()?;
    let actor = caller.id;
    let invite = state
        .db(move |c| invites::create(c, chat, actor, token, expires_in_secs, max_uses))
        .await?;
    Ok(HttpResponse::Created().json(invite))
}

pub(super) async fn list_invites(
    state: web::Data<AppState>,
    caller: AuthUser,
    path: web::Path<ChatId>,
) -> AppResult<HttpResponse> {
    let chat = path.into_inner();
    let actor = caller.id;
    let live = state.db(move |c| invites::list(c, chat, actor)).await?;
    Ok(HttpResponse::Ok().json(live))
}

pub(super) async fn revoke_invite(
    state: web::Data<AppState>,
    caller: AuthUser,
    path: web::Path<(ChatId, String)>,
) -> AppResult<HttpResponse> {
    state.guards().check_write(caller.id)?;
    let (chat, token) = path.into_inner();
    let actor = caller.id;
    state
        .db(move |c| invites::revoke(c, chat, actor, &token))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

pub(super) async fn accept_invite(
    state: web::Data<AppState>,
    caller: AuthUser,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    state.guards().check_write(caller.id)?;
    let token = path.into_inner();
    let me = caller.id;
    let max = state.guards().max_group_members();
    let (chat, joined) = state
        .db(move |c| {
            let (chat, joined) = invites::accept(c, &token, me, max)?;
            Ok((chats::get(c, chat, me)?, joined))
        })
        .await?;
    Ok(welcome(&state, me, chat, joined).await)
}
