//! The caller's contacts, with whether each is online.

use actix_web::{HttpResponse, web};
use chat_protocol::limits::check_name_lookup;
use chat_protocol::{AddContactRequest, Contact, UserId};

use super::extract::AuthUser;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::store::contacts;

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/contacts", web::get().to(list))
        .route("/contacts", web::post().to(add))
        .route("/contacts/{user_id}", web::delete().to(remove));
}

async fn list(state: web::Data<AppState>, caller: AuthUser) -> AppResult<HttpResponse> {
    let owner = caller.id;
    let people = state.db(move |c| contacts::list(c, owner)).await?;
    let ids: Vec<UserId> = people.iter().map(|u| u.id).collect();
    let online = state.realtime().online(&ids).await;
    let listed: Vec<Contact> = people
        .into_iter()
        .zip(online)
        .map(|(user, online)| Contact { user, online })
        .collect();
    Ok(HttpResponse::Ok().json(listed))
}

async fn add(
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
    let online = state.realtime().online(&[user.id]).await.first() == Some(&true);
    Ok(HttpResponse::Created().json(Contact { user, online }))
}

async fn remove(
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
    Ok(HttpResponse::NoContent().finish())
}
