//! Web Push subscriptions of the caller's browser, and the server's public key they are made
//! with. Sending is `crate::push`'s job.

use actix_web::{HttpResponse, web};
use chat_protocol::{PushKey, PushSubscriptionRequest, PushUnsubscribeRequest};

use super::extract::AuthUser;
use crate::error::{AppError, AppResult};
use crate::push::endpoint;
use crate::state::AppState;
use crate::store::push_subscriptions;

/// The VAPID public key browsers subscribe with; public by nature, so no sign-in is needed.
pub(super) async fn key(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().json(PushKey {
        public_key: state.push().vapid.public_key().to_owned(),
    })
}

pub(super) async fn subscribe(
    state: web::Data<AppState>,
    caller: AuthUser,
    body: web::Json<PushSubscriptionRequest>,
) -> AppResult<HttpResponse> {
    state.guards().check_write(caller.id)?;
    let request = body.into_inner();
    endpoint::check(&request.endpoint, state.push().allow_private).map_err(AppError::Validation)?;
    endpoint::keys(&request.keys.p256dh, &request.keys.auth).map_err(AppError::Validation)?;
    let (user, session) = (caller.id, caller.session());
    state
        .db(move |c| {
            push_subscriptions::subscribe(
                c,
                user,
                session,
                &request.endpoint,
                request.keys.p256dh.trim_end_matches('='),
                request.keys.auth.trim_end_matches('='),
            )
        })
        .await?;
    Ok(HttpResponse::Created().finish())
}

pub(super) async fn unsubscribe(
    state: web::Data<AppState>,
    caller: AuthUser,
    body: web::Json<PushUnsubscribeRequest>,
) -> AppResult<HttpResponse> {
    let endpoint = body.into_inner().endpoint;
    endpoint::check_text(&endpoint).map_err(AppError::Validation)?;
    let user = caller.id;
    state
        .db(move |c| push_subscriptions::unsubscribe(c, user, &endpoint))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
