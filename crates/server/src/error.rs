//! The server's one error type, mapped in one place to the contract's error body and status.
//! Which variant to use: `BadRequest` (400) when the input cannot be read at all (malformed
//! JSON, not a WebSocket upgrade); `Validation` (422) when it reads but breaks a rule (too
//! long, negative seq, unknown field value).

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};
use chat_protocol::{ErrorBody, ErrorCode};

#[derive(Debug, thiserror::Error)]
pub(crate) enum AppError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Validation(String),
    #[error("{0}")]
    Unauthorized(&'static str),
    #[error("{0}")]
    Forbidden(&'static str),
    #[error("{0}")]
    NotFound(&'static str),
    #[error("{0}")]
    Conflict(&'static str),
    #[error("too many requests, slow down")]
    RateLimited,
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// A known path asked with a method it does not serve; the methods it does (never empty:
    /// an unknown path is `NotFound`) go in the `Allow` header.
    #[error("method not allowed")]
    MethodNotAllowed(Vec<actix_web::http::Method>),
    /// Anything the caller cannot fix; the cause is logged, never sent.
    #[error("internal error: {0}")]
    Internal(String),
}

pub(crate) type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub(crate) fn internal(cause: impl std::fmt::Display) -> Self {
        Self::Internal(cause.to_string())
    }

    pub(crate) fn code(&self) -> ErrorCode {
        match self {
            Self::BadRequest(_) | Self::UnsupportedMediaType(_) | Self::MethodNotAllowed(_) => {
                ErrorCode::BadRequest
            }
            Self::Validation(_) => ErrorCode::ValidationFailed,
            Self::Unauthorized(_) => ErrorCode::Unauthorized,
            Self::Forbidden(_) => ErrorCode::Forbidden,
            Self::NotFound(_) => ErrorCode::NotFound,
            Self::Conflict(_) => ErrorCode::Conflict,
            Self::RateLimited => ErrorCode::RateLimited,
            Self::PayloadTooLarge(_) => ErrorCode::PayloadTooLarge,
            Self::Internal(_) => ErrorCode::Internal,
        }
    }

    /// What the client may read: everything except internal causes.
    pub(crate) fn public_message(&self) -> String {
        match self {
            Self::Internal(_) => "internal server error".to_owned(),
            other => other.to_string(),
        }
    }

    pub(crate) fn body(&self) -> ErrorBody {
        ErrorBody::new(self.code(), self.public_message())
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let Self::Internal(cause) = self {
            tracing::error!(%cause, "request failed");
        }
        let mut resp = HttpResponse::build(self.status_code()).json(self.body());
        match self {
            Self::Unauthorized(_) => {
                resp.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    header::HeaderValue::from_static("Bearer"),
                );
            }
            // RFC 9110 15.5.6: a 405 must say which methods the resource has.
            Self::MethodNotAllowed(methods) => {
                let allow: Vec<&str> = methods.iter().map(|m| m.as_str()).collect();
                if let Ok(value) = header::HeaderValue::from_str(&allow.join(", ")) {
                    resp.headers_mut().insert(header::ALLOW, value);
                }
            }
            _ => {}
        }
        resp
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        match e {
            diesel::result::Error::NotFound => Self::NotFound("not found"),
            other => Self::internal(other),
        }
    }
}

impl From<crate::uploads::UploadError> for AppError {
    fn from(e: crate::uploads::UploadError) -> Self {
        use crate::uploads::UploadError;
        use crate::uploads::images::ImageError;
        match e {
            UploadError::TooLarge(_) => Self::PayloadTooLarge(e.to_string()),
            UploadError::Incomplete(_) => Self::BadRequest(e.to_string()),
            UploadError::BadName(why) => Self::Validation(why),
            UploadError::Image(ImageError::TooManyPixels { .. } | ImageError::Undecodable(_)) => {
                Self::Validation(e.to_string())
            }
            UploadError::Image(ImageError::Io(_)) | UploadError::Storage(_) => Self::internal(e),
        }
    }
}

impl From<diesel::r2d2::PoolError> for AppError {
    fn from(e: diesel::r2d2::PoolError) -> Self {
        Self::internal(format!("database pool: {e}"))
    }
}
