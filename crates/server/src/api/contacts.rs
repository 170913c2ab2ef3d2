use actix_web::{HttpResponse, web};
use chat_protocol::{AddContactRequest, Contact};
use uuid::Uuid;

use crate::app::AppState;
use crate::auth::AuthUser;
use crate::error::AppResult;
use crate::store::{contacts, with_db};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/contacts", web::get().to(list))
        .route("/contacts", web::post().to(add))
        .route("/contacts/{user_id}", web::delete().to(remove));
}

async fn list(state: web::Data<AppState>, caller: AuthUser) -> AppResult<HttpResponse> {
    let people = with_db(&state.pool, move |c| contacts::list(c, caller.id)).await?;
    let ids: Vec<Uuid> = people.iter().map(|u| u.id).collect();
    let online = state.realtime.presence.online(&ids).await;
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
    let username = body.into_inner().username;
    let user = with_db(&state.pool, move |c| contacts::add(c, caller.id, &username)).await?;
    let online = state.realtime.presence.online(&[user.id]).await[0];
    Ok(HttpResponse::Created().json(Contact { user, online }))
}

async fn remove(
    state: web::Data<AppState>,
    caller: AuthUser,
    path: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    let contact = path.into_inner();
    with_db(&state.pool, move |c| {
        contacts::remove(c, caller.id, contact)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
