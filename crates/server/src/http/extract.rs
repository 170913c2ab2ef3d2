//! Turning requests into typed input: the caller proven by `Authorization: Bearer` (or, for
//! sockets, `?access_token=`), and the contract's error bodies for bodies, queries and paths
//! that do not parse, instead of actix's plain-text defaults.

use std::future::{Ready, ready};
use std::ops::Deref;

use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::{Error, FromRequest, HttpRequest, dev::Payload, web};
use chat_protocol::{SessionId, User};

use crate::auth::jwt::Caller;
use crate::error::AppError;
use crate::state::AppState;

/// The caller, proven by a valid access token of a live session.
#[derive(Debug, Clone)]
pub(crate) struct AuthUser(pub Caller);

impl AuthUser {
    pub(crate) fn session(&self) -> SessionId {
        self.0.session
    }
}

impl Deref for AuthUser {
    type Target = User;

    fn deref(&self) -> &User {
        &self.0.user
    }
}

/// The token from `Authorization: Bearer …`, if the header is there and well-formed.
pub(crate) fn bearer_token(req: &HttpRequest) -> Option<&str> {
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

impl FromRequest for AuthUser {
    type Error = AppError;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let result = match req.app_data::<web::Data<AppState>>() {
            Some(state) => state.authenticate(bearer_token(req)).map(AuthUser),
            None => Err(AppError::internal("application state missing")),
        };
        ready(result)
    }
}

pub(crate) fn json_error(err: JsonPayloadError, _req: &HttpRequest) -> Error {
    let app = match &err {
        JsonPayloadError::OverflowKnownLength { .. } | JsonPayloadError::Overflow { .. } => {
            AppError::PayloadTooLarge("request body is too large".into())
        }
        JsonPayloadError::ContentType => {
            AppError::UnsupportedMediaType("expected Content-Type: application/json".into())
        }
        JsonPayloadError::Deserialize(e) if e.is_data() => {
            AppError::Validation(format!("invalid request body: {e}"))
        }
        JsonPayloadError::Deserialize(e) => AppError::BadRequest(format!("malformed JSON: {e}")),
        other => AppError::BadRequest(format!("unreadable request body: {other}")),
    };
    app.into()
}

pub(crate) fn query_error(err: QueryPayloadError, _req: &HttpRequest) -> Error {
    AppError::Validation(format!("invalid query: {err}")).into()
}

/// A path segment that does not parse (e.g. a chat id that is no UUID) names nothing.
pub(crate) fn path_error(_err: PathError, _req: &HttpRequest) -> Error {
    AppError::NotFound("not found").into()
}
