//! The caller's blocks: list, block someone by username, unblock.

use actix_web::{HttpResponse, web};
use chat_protocol::limits::check_name_lookup;
use chat_protocol::{BlockRequest, UserId};

use super::extract::AuthUser;
use crate::error::{AppError, AppResult};
use crate::services::presence::sharing_changed;
use crate::state::AppState;
use crate::store::blocks;

pub(super) async fn list(state: web::Data<AppState>, caller: AuthUser) -> AppResult<HttpResponse> {
    let blocker = caller.id;
    let blocked = state.db(move |c| blocks::list(c, blocker)).await?;
    Ok(HttpResponse::Ok().json(blocked))
}

pub(super) async fn block(
    state: web::Data<AppState>,
    caller: AuthUser,
    body: web::Json<BlockRequest>,
) -> AppResult<HttpResponse> {
    state.guards().check_write(caller.id)?;
    let username = body.into_inner().username;
    check_name_lookup(&username).map_err(AppError::Validation)?;
    let blocker = caller.id;
    let blocked = state
        .db(move |c| blocks::block(c, blocker, &username))
        .await?;
    // Contacts went both ways: neither shares presence with the other any more.
    sharing_changed(&state, blocker, blocked.id, false).await;
    sharing_changed(&state, blocked.id, blocker, false).await;
    Ok(HttpResponse::Created().json(blocked))
}

pub(super) async fn unblock(
    state: web::Data<AppState>,
    caller: AuthUser,
    path: web::Path<UserId>,
) -> AppResult<HttpResponse> {
    state.guards().check_write(caller.id)?;
    let (blocker, blocked) = (caller.id, path.into_inner());
    state
        .db(move |c| blocks::unblock(c, blocker, blocked))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
