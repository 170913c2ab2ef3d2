//! The caller's contacts, with whether each is online.

use actix_web::{HttpResponse, web};
use chat_protocol::limits::check_name_lookup;
use chat_protocol::{AddContactRequest, UserId};

use super::extract::AuthUser;
use crate::error::{AppError, AppResult};
use crate::services::presence::{as_contacts, sharing_changed};
use crate::state::AppState;
use crate::store::contacts;

pub(super) async fn list(state: web::Data<AppState>, caller: AuthUser) -> AppResult<HttpResponse> {
    let owner = caller.id;
    let people = state.db(move |c| contacts::list(c, owner)).await?;
    Ok(HttpResponse::Ok().json(as_contacts(&state, owner, people).await?))
}

pub(super) async fn add(
    state: web::Data<AppState>,
    caller: AuthUser,
    body: web::Json<AddContactRequest>,
) -> AppResult<HttpResponse> {
    state.guards().check_write(caller.id)?;
    let username = body.into_inner().username;
    check_name_lookup(&username).map_err(AppError::Validation)?;
    let owner = caller.id;
    let user = state
        .db(move |c| contacts::add(c, owner, &username))
        .await?;
    sharing_changed(&state, owner, user.id, true).await;
    let added = as_contacts(&state, owner, vec![user]).await?;
    Ok(HttpResponse::Created().json(added.first()))
}

pub(super) async fn remove(
    state: web::Data<AppState>,
    caller: AuthUser,
    path: web::Path<UserId>,
) -> AppResult<HttpResponse> {
    state.guards().check_write(caller.id)?;
    let contact = path.into_inner();
    let owner = caller.id;
    state
        .db(move |c| contacts::remove(c, owner, contact))
        .await?;
    sharing_changed(&state, owner, contact, false).await;
    Ok(HttpResponse::NoContent().finish())
}
