//! Finding people by username prefix.

use actix_web::{HttpResponse, web};
use chat_protocol::UserSearchQuery;
use chat_protocol::limits::{USER_SEARCH_MAX, check_no_controls};

use super::extract::AuthUser;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::store::users;

pub(super) async fn search(
    state: web::Data<AppState>,
    caller: AuthUser,
    query: web::Query<UserSearchQuery>,
) -> AppResult<HttpResponse> {
    let prefix = query.into_inner().search;
    check_no_controls("search", &prefix).map_err(AppError::Validation)?;
    if prefix.trim().is_empty() {
        return Err(AppError::Validation(
            "search needs at least one character of the username".into(),
        ));
    }
    let caller = caller.id;
    let found = state
        .db(move |c| users::search(c, prefix.trim(), caller, USER_SEARCH_MAX))
        .await?;
    Ok(HttpResponse::Ok().json(found))
}
