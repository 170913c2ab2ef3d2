//! Chats: list, create (direct or group), read one, change a group, add and remove members,
//! appoint admins, history.

use actix_web::{HttpResponse, web};
use chat_protocol::limits::{
    CHAT_PAGE_MAX, check_group_name, check_name_lookup, check_retention_days,
};
use chat_protocol::{
    AddMemberRequest, CHAT_LIST_NEXT_HEADER, ChatId, ChatListQuery, CreateChatRequest,
    HistoryQuery, UpdateChatRequest, UpdateMemberRequest, UserId,
};

use super::extract::AuthUser;
use crate::error::{AppError, AppResult};
use crate::services::chat_events::{
    announce_to_members, announce_to_members_later, notify_chat_updated, publish_line,
};
use crate::services::presence::fill_online_members;
use crate::state::AppState;
use crate::store::chat_cursor::ChatCursor;
use crate::store::{chats, members, messages};

/// `GET /api/chats`: every chat, or with `?limit=` a page (`before`: the previous page's
/// cursor, returned in the `x-next-before` header while more follow).
pub(super) async fn list(
    state: web::Data<AppState>,
    caller: AuthUser,
    query: Result<web::Query<ChatListQuery>, actix_web::Error>,
) -> AppResult<HttpResponse> {
    // Paging input that cannot be read is 400 here, like a cursor this server did not make
    // (the shared query handler says 422, which the search contract fixed for its own).
    let ChatListQuery { limit, before } = query
        .map_err(|e| AppError::BadRequest(e.to_string()))?
        .into_inner();
    if let Some(limit) = limit
        && (limit == 0 || limit > CHAT_PAGE_MAX)
    {
        return Err(AppError::BadRequest(format!(
            "limit must be between 1 and {CHAT_PAGE_MAX}"
        )));
    }
    let before = match before {
        Some(text) => Some(
            ChatCursor::decode(&text)
                .ok_or_else(|| AppError::BadRequest("before is not a chat-list cursor".into()))?,
        ),
        None => None,
    };
    let viewer = caller.id;
    let (mut page, next) = state
        .db(move |c| chats::list_page(c, viewer, limit, before))
        .await?;
    fill_online_members(&state, viewer, &mut page).await;
    let mut response = HttpResponse::Ok();
    if let Some(next) = next {
        response.insert_header((CHAT_LIST_NEXT_HEADER, next.encode()));
    }
    Ok(response.json(page))
}

pub(super) async fn create(
    state: web::Data<AppState>,
    caller: AuthUser,
    body: web::Json<CreateChatRequest>,
) -> AppResult<HttpResponse> {
    state.guards().check_write(caller.id)?;
    let CreateChatRequest {
        members,
        name,
        public,
    } = body.into_inner();
    for member in &members {
        check_name_lookup(member).map_err(AppError::Validation)?;
    }
    // A public room may start with its creator alone: others join from the directory.
    if members.is_empty() && !public {
        return Err(AppError::Validation(
            "name at least one other member".into(),
        ));
    }
    let max = state.guards().max_group_members();
    // The caller joins too.
    if members.len() >= max {
        return Err(AppError::Validation(format!(
            "a group has at most {max} members"
        )));
    }
    let me = caller.id;
    if let ([other], None, false) = (members.as_slice(), &name, public) {
        let other = other.clone();
        let (mut chat, created) = state.db(move |c| chats::open_direct(c, me, &other)).await?;
        fill_online_members(&state, me, std::slice::from_mut(&mut chat)).await;
        if !created {
            return Ok(HttpResponse::Ok().json(chat));
        }
        announce_to_members(&state, &chat).await;
        return Ok(HttpResponse::Created().json(chat));
    }
    let name = name.ok_or_else(|| AppError::Validation("a group chat needs a name".into()))?;
    check_group_name(&name).map_err(AppError::Validation)?;
    let mut chat = state
        .db(move |c| chats::create_group(c, me, &members, &name, public))
        .await?;
    fill_online_members(&state, me, std::slice::from_mut(&mut chat)).await;
    announce_to_members(&state, &chat).await;
    Ok(HttpResponse::Created().json(chat))
}

pub(super) async fn get(
    state: web::Data<AppState>,
    caller: AuthUser,
    path: web::Path<ChatId>,
) -> AppResult<HttpResponse> {
    let chat = path.into_inner();
    let viewer = caller.id;
    let mut found = state.db(move |c| chats::get(c, chat, viewer)).await?;
    fill_online_members(&state, viewer, std::slice::from_mut(&mut found)).await;
    Ok(HttpResponse::Ok().json(found))
}

/// `PATCH /api/chats/{id}`: renames a group, makes it public or private, or sets how long it
/// keeps messages (every member hears); or mutes it for the caller (only the caller's other
/// devices hear: nobody else's view changes).
pub(super) async fn update(
    state: web::Data<AppState>,
    caller: AuthUser,
    path: web::Path<ChatId>,
    body: web::Json<UpdateChatRequest>,
) -> AppResult<HttpResponse> {
    state.guards().check_write(caller.id)?;
    let chat = path.into_inner();
    let changes = body.into_inner();
    if let Some(name) = &changes.name {
        check_group_name(name).map_err(AppError::Validation)?;
    }
    if let Some(Some(days)) = changes.retention_days {
        check_retention_days(days).map_err(AppError::Validation)?;
    }
    let actor = caller.id;
    let retention_changed = changes.retention_days.is_some();
    let only_mute =
        changes.name.is_none() && changes.public.is_none() && changes.retention_days.is_none();
    let (mut updated, line) = state
        .db(move |c| chats::update(c, chat, actor, &changes))
        .await?;
    if retention_changed {
        // What the new period has made old goes now, not at the next periodic sweep.
        state.retention().wake();
    }
    fill_online_members(&state, actor, std::slice::from_mut(&mut updated)).await;
    if only_mute {
        notify_chat_updated(&state, chat, vec![actor]).await;
    } else {
        announce_to_members(&state, &updated).await;
    }
    if let Some(line) = line {
        let members: Vec<UserId> = updated.members.iter().map(|m| m.id).collect();
        publish_line(&state, line, &members);
    }
    Ok(HttpResponse::Ok().json(updated))
}

/// `PATCH /api/chats/{id}/members/{user_id}`: an admin makes a member an admin, or not.
pub(super) async fn update_member(
    state: web::Data<AppState>,
    caller: AuthUser,
    path: web::Path<(ChatId, UserId)>,
    body: web::Json<UpdateMemberRequest>,
) -> AppResult<HttpResponse> {
    state.guards().check_write(caller.id)?;
    let (chat, target) = path.into_inner();
    let admin = body.into_inner().admin;
    let actor = caller.id;
    let mut updated = state
        .db(move |c| chats::set_admin(c, chat, actor, target, admin))
        .await?;
    fill_online_members(&state, actor, std::slice::from_mut(&mut updated)).await;
    announce_to_members(&state, &updated).await;
    Ok(HttpResponse::Ok().json(updated))
}

pub(super) async fn add_member(
    state: web::Data<AppState>,
    caller: AuthUser,
    path: web::Path<ChatId>,
    body: web::Json<AddMemberRequest>,
) -> AppResult<HttpResponse> {
    state.guards().check_write(caller.id)?;
    let chat = path.into_inner();
    let username = body.into_inner().username;
    check_name_lookup(&username).map_err(AppError::Validation)?;
    let actor = caller.id;
    let max = state.guards().max_group_members();
    let (mut updated, line) = state
        .db(move |c| chats::add_member(c, chat, actor, &username, max))
        .await?;
    fill_online_members(&state, actor, std::slice::from_mut(&mut updated)).await;
    // Every member hears (issue 15: off the request path, the response does not wait for it).
    announce_to_members_later(state.clone(), &updated, Some(line));
    Ok(HttpResponse::Created().json(updated))
}

pub(super) async fn remove_member(
    state: web::Data<AppState>,
    caller: AuthUser,
    path: web::Path<(ChatId, UserId)>,
) -> AppResult<HttpResponse> {
    state.guards().check_write(caller.id)?;
    let (chat, target) = path.into_inner();
    let actor = caller.id;
    let (line, remaining) = state
        .db(move |c| {
            let line = chats::remove_member(c, chat, actor, target)?;
            Ok((line, members::member_ids(c, chat)?))
        })
        .await?;
    let mut told = remaining.clone();
    told.push(target);
    notify_chat_updated(&state, chat, told).await;
    publish_line(&state, line, &remaining);
    Ok(HttpResponse::NoContent().finish())
}

pub(super) async fn history(
    state: web::Data<AppState>,
    caller: AuthUser,
    path: web::Path<ChatId>,
    query: web::Query<HistoryQuery>,
) -> AppResult<HttpResponse> {
    let chat = path.into_inner();
    let query = query.into_inner();
    let viewer = caller.id;
    let page = state
        .db(move |c| messages::page(c, chat, viewer, &query))
        .await?;
    Ok(HttpResponse::Ok().json(page))
}
