//! The caller's sessions (signed-in devices): list them, end one (another device, or this one).

use actix_web::{HttpResponse, web};
use chat_protocol::{SessionId, SessionInfo};
use chrono::Duration;

use super::extract::AuthUser;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::store::{self, sessions, to_utc};

pub(super) async fn list(state: web::Data<AppState>, caller: AuthUser) -> AppResult<HttpResponse> {
    let owner = caller.id;
    // A session idle for longer than a refresh token lives can no longer be resumed.
    let active_after = store::now() - Duration::seconds(state.refresh_policy().ttl_secs);
    let rows = state
        .db(move |c| sessions::list_live(c, owner, active_after))
        .await?;
    let listed: Vec<SessionInfo> = rows
        .into_iter()
        .map(|row| SessionInfo {
            id: row.id,
            created_at: to_utc(row.created_at),
            last_used_at: to_utc(row.last_used_at),
            user_agent: row.user_agent,
            current: row.id == caller.session(),
        })
        .collect();
    Ok(HttpResponse::Ok().json(listed))
}

pub(super) async fn end(
    state: web::Data<AppState>,
    caller: AuthUser,
    path: web::Path<SessionId>,
) -> AppResult<HttpResponse> {
    state.guards().check_write(caller.id)?;
    let (owner, session) = (caller.id, path.into_inner());
    let ended = state
        .db(move |c| sessions::revoke(c, owner, session))
        .await?;
    if !ended {
        return Err(AppError::NotFound("no such session"));
    }
    state.realtime().end_session(session);
    Ok(HttpResponse::NoContent().finish())
}
