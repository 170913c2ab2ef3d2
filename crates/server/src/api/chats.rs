use actix_web::{HttpResponse, web};
use chat_protocol::limits::check_group_name;
use chat_protocol::{AddMemberRequest, Chat, CreateChatRequest, HistoryQuery, ServerEvent};
use uuid::Uuid;

use crate::app::AppState;
use crate::auth::AuthUser;
use crate::error::{AppError, AppResult};
use crate::store::{chats, messages, with_db};

/// Most members one request may name when creating a group.
const MAX_NEW_GROUP_MEMBERS: usize = 256;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/chats", web::get().to(list))
        .route("/chats", web::post().to(create))
        .route("/chats/{id}", web::get().to(get))
        .route("/chats/{id}/members", web::post().to(add_member))
        .route(
            "/chats/{id}/members/{user_id}",
            web::delete().to(remove_member),
        )
        .route("/chats/{id}/messages", web::get().to(history));
}

/// Fills in which members of these chats are online (presence lives outside the database).
async fn with_presence(state: &AppState, chats: &mut [Chat]) {
    let mut everyone: Vec<Uuid> = chats
        .iter()
        .flat_map(|c| c.members.iter().map(|m| m.id))
        .collect();
    everyone.sort_unstable();
    everyone.dedup();
    let online = state.realtime.presence.online(&everyone).await;
    let online: std::collections::HashSet<Uuid> = everyone
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

/// Tells each recipient about the chat as they see it (their own unread count). One
/// recipient's failed rendering is logged and does not keep the others uninformed.
async fn notify_chat_updated(state: &AppState, chat: Uuid, recipients: Vec<Uuid>) {
    let rendered = with_db(&state.pool, move |c| {
        Ok(recipients
            .into_iter()
            .map(|viewer| (viewer, chats::view(c, chat, viewer)))
            .collect::<Vec<_>>())
    })
    .await;
    match rendered {
        Ok(views) => {
            for (viewer, view) in views {
                match view {
                    Ok(mut chat) => {
                        with_presence(state, std::slice::from_mut(&mut chat)).await;
                        state
                            .realtime
                            .broker
                            .publish(&[viewer], &ServerEvent::ChatUpdated { chat })
                    }
                    Err(e) => tracing::warn!(error = %e, "chat_updated not sent to one member"),
                }
            }
        }
        Err(e) => tracing::warn!(error = %e, "chat_updated not sent"),
    }
}

async fn list(state: web::Data<AppState>, caller: AuthUser) -> AppResult<HttpResponse> {
    let mut all = with_db(&state.pool, move |c| chats::list(c, caller.id)).await?;
    with_presence(&state, &mut all).await;
    Ok(HttpResponse::Ok().json(all))
}

async fn create(
    state: web::Data<AppState>,
    caller: AuthUser,
    body: web::Json<CreateChatRequest>,
) -> AppResult<HttpResponse> {
    let CreateChatRequest { members, name } = body.into_inner();
    if members.is_empty() {
        return Err(AppError::Validation(
            "name at least one other member".into(),
        ));
    }
    if members.len() > MAX_NEW_GROUP_MEMBERS {
        return Err(AppError::Validation(format!(
            "at most {MAX_NEW_GROUP_MEMBERS} members per request"
        )));
    }
    let me = caller.id;
    if members.len() == 1 && name.is_none() {
        let other = members[0].clone();
        let (mut chat, created) =
            with_db(&state.pool, move |c| chats::open_direct(c, me, &other)).await?;
        with_presence(&state, std::slice::from_mut(&mut chat)).await;
        if !created {
            return Ok(HttpResponse::Ok().json(chat));
        }
        let everyone = chat.members.iter().map(|m| m.id).collect();
        notify_chat_updated(&state, chat.id, everyone).await;
        return Ok(HttpResponse::Created().json(chat));
    }
    let name = name.ok_or_else(|| AppError::Validation("a group chat needs a name".into()))?;
    check_group_name(&name).map_err(AppError::Validation)?;
    let mut chat = with_db(&state.pool, move |c| {
        chats::create_group(c, me, &members, &name)
    })
    .await?;
    with_presence(&state, std::slice::from_mut(&mut chat)).await;
    let everyone = chat.members.iter().map(|m| m.id).collect();
    notify_chat_updated(&state, chat.id, everyone).await;
    Ok(HttpResponse::Created().json(chat))
}

async fn get(
    state: web::Data<AppState>,
    caller: AuthUser,
    path: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    let chat = path.into_inner();
    let mut found = with_db(&state.pool, move |c| chats::get(c, chat, caller.id)).await?;
    with_presence(&state, std::slice::from_mut(&mut found)).await;
    Ok(HttpResponse::Ok().json(found))
}

async fn add_member(
    state: web::Data<AppState>,
    caller: AuthUser,
    path: web::Path<Uuid>,
    body: web::Json<AddMemberRequest>,
) -> AppResult<HttpResponse> {
    let chat = path.into_inner();
    let username = body.into_inner().username;
    let mut updated = with_db(&state.pool, move |c| {
        chats::add_member(c, chat, caller.id, &username)
    })
    .await?;
    with_presence(&state, std::slice::from_mut(&mut updated)).await;
    let everyone = updated.members.iter().map(|m| m.id).collect();
    notify_chat_updated(&state, chat, everyone).await;
    Ok(HttpResponse::Created().json(updated))
}

async fn remove_member(
    state: web::Data<AppState>,
    caller: AuthUser,
    path: web::Path<(Uuid, Uuid)>,
) -> AppResult<HttpResponse> {
    let (chat, target) = path.into_inner();
    let remaining = with_db(&state.pool, move |c| {
        chats::remove_member(c, chat, caller.id, target)?;
        chats::member_ids(c, chat)
    })
    .await?;
    let mut told = remaining;
    told.push(target);
    notify_chat_updated(&state, chat, told).await;
    Ok(HttpResponse::NoContent().finish())
}

async fn history(
    state: web::Data<AppState>,
    caller: AuthUser,
    path: web::Path<Uuid>,
    query: web::Query<HistoryQuery>,
) -> AppResult<HttpResponse> {
    let chat = path.into_inner();
    let query = query.into_inner();
    messages::validate_query(&query)?;
    let page = with_db(&state.pool, move |c| {
        messages::page(c, chat, caller.id, &query)
    })
    .await?;
    Ok(HttpResponse::Ok().json(page))
}
