//! `AuthUser`: the caller proven by `Authorization: Bearer <access token>`.

use std::future::{Ready, ready};

use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use uuid::Uuid;

use crate::app::AppState;
use crate::error::AppError;

#[derive(Debug, Clone)]
pub struct AuthUser {
    pub id: Uuid,
    pub username: String,
}

/// The token from `Authorization: Bearer …`, if the header is there and well-formed.
pub fn bearer_token(req: &HttpRequest) -> Option<&str> {
    let value = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

pub fn authenticate(state: &AppState, token: Option<&str>) -> Result<AuthUser, AppError> {
    let token = token.ok_or(AppError::Unauthorized("missing access token"))?;
    let identity = state.jwt.verify(token)?;
    Ok(AuthUser {
        id: identity.user_id,
        username: identity.username,
    })
}

impl FromRequest for AuthUser {
    type Error = AppError;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let result = match req.app_data::<web::Data<AppState>>() {
            Some(state) => authenticate(state, bearer_token(req)),
            None => Err(AppError::internal("application state missing")),
        };
        ready(result)
    }
}
