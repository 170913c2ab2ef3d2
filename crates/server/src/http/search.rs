//! `GET /api/search`: the caller's messages containing a text, newest first.

use actix_web::{HttpResponse, web};
use chat_protocol::SearchQuery;

use super::extract::AuthUser;
use crate::error::AppResult;
use crate::state::AppState;
use crate::store::search;

pub(super) async fn find(
    state: web::Data<AppState>,
    caller: AuthUser,
    query: web::Query<SearchQuery>,
) -> AppResult<HttpResponse> {
    state.guards().check_search(caller.id)?;
    let viewer = caller.id;
    let query = query.into_inner();
    let results = state.db(move |c| search::search(c, viewer, &query)).await?;
    Ok(HttpResponse::Ok().json(results))
}
