use actix_web::{HttpResponse, web};
use chat_protocol::UserSearchQuery;
use chat_protocol::limits::USER_SEARCH_MAX;

use crate::app::AppState;
use crate::auth::AuthUser;
use crate::error::AppResult;
use crate::store::{users, with_db};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/users", web::get().to(search));
}

async fn search(
    state: web::Data<AppState>,
    caller: AuthUser,
    query: web::Query<UserSearchQuery>,
) -> AppResult<HttpResponse> {
    let prefix = query.into_inner().search;
    let found = with_db(&state.pool, move |c| {
        users::search(c, prefix.trim(), caller.id, USER_SEARCH_MAX)
    })
    .await?;
    Ok(HttpResponse::Ok().json(found))
}
