//! Failures of REST calls, as kinds the caller can branch on (no network, an error status with
//! the contract's code, an unreadable answer, signed out). Wording them for people is
//! `text::error_text`'s job, not this module's.

use chat_protocol::{ErrorBody, ErrorCode};

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ApiError {
    /// No answer: the server is down or the network is gone.
    Network(String),
    /// The server answered with an error status.
    Http {
        status: u16,
        code: ErrorCode,
        message: String,
    },
    /// The answer was not what the contract promises.
    Decode(String),
    /// Not signed in (or the session could not be renewed).
    SignedOut,
}

impl ApiError {
    /// Builds the error from a status and the raw body (the contract's error body if it parses).
    pub(crate) fn from_response(status: u16, body: &str) -> Self {
        match serde_json::from_str::<ErrorBody>(body) {
            Ok(parsed) => Self::Http {
                status,
                code: parsed.error.code,
                message: parsed.error.message,
            },
            Err(_) => Self::Http {
                status,
                code: match status {
                    401 => ErrorCode::Unauthorized,
                    403 => ErrorCode::Forbidden,
                    404 => ErrorCode::NotFound,
                    409 => ErrorCode::Conflict,
                    422 => ErrorCode::ValidationFailed,
                    429 => ErrorCode::RateLimited,
                    s if s >= 500 => ErrorCode::Internal,
                    _ => ErrorCode::BadRequest,
                },
                message: String::new(),
            },
        }
    }

    pub(crate) fn status(&self) -> Option<u16> {
        match self {
            Self::Http { status, .. } => Some(*status),
            _ => None,
        }
    }

    pub(crate) fn is_unauthorized(&self) -> bool {
        self.status() == Some(401)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_contract_error_bodies() {
        let e = ApiError::from_response(
            409,
            r#"{"error":{"code":"conflict","message":"username is taken"}}"#,
        );
        assert_eq!(
            e,
            ApiError::Http {
                status: 409,
                code: ErrorCode::Conflict,
                message: "username is taken".into()
            }
        );
        assert!(!e.is_unauthorized());
    }

    #[test]
    fn bodies_that_are_not_the_contract_map_the_status() {
        let garbage = ApiError::from_response(502, "<html>bad gateway</html>");
        assert_eq!(
            garbage,
            ApiError::Http {
                status: 502,
                code: ErrorCode::Internal,
                message: String::new()
            }
        );
        assert!(ApiError::from_response(401, "").is_unauthorized());
        assert_eq!(ApiError::Network("x".into()).status(), None);
    }
}
