//! Failures of REST calls, and what to tell the person about them.

use chat_protocol::{ErrorBody, ErrorCode};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
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

/// What the person was doing, for wording the error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    SignIn,
    SignUp,
    Other,
}

impl ApiError {
    /// Builds the error from a status and the raw body (the contract's error body if it parses).
    pub fn from_response(status: u16, body: &str) -> Self {
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

    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Http { status, .. } => Some(*status),
            _ => None,
        }
    }

    pub fn is_unauthorized(&self) -> bool {
        self.status() == Some(401)
    }

    /// A sentence for the person.
    pub fn user_message(&self, action: Action) -> String {
        match self {
            Self::Network(_) => {
                "Cannot reach the server. Check your connection and try again.".to_owned()
            }
            Self::Decode(_) => "The server sent an answer this app does not understand.".to_owned(),
            Self::SignedOut => "Your session has ended. Please sign in again.".to_owned(),
            Self::Http {
                status,
                code,
                message,
            } => match (action, code) {
                (Action::SignIn, ErrorCode::Unauthorized) => {
                    "Wrong username or password.".to_owned()
                }
                (Action::SignUp, ErrorCode::Conflict) => {
                    "That username is already taken. Pick another one.".to_owned()
                }
                (_, ErrorCode::RateLimited) => {
                    "Too many requests. Wait a moment and try again.".to_owned()
                }
                (_, ErrorCode::Internal) => {
                    "The server had a problem. Try again in a moment.".to_owned()
                }
                _ if *status >= 500 => {
                    "The server had a problem. Try again in a moment.".to_owned()
                }
                _ if !message.is_empty() => sentence(message),
                _ => format!("The request failed ({status})."),
            },
        }
    }
}

/// "username is taken" → "Username is taken."
pub fn sentence(text: &str) -> String {
    let text = text.trim();
    let mut chars = text.chars();
    let mut out: String = match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => return String::new(),
    };
    if !out.ends_with(['.', '!', '?']) {
        out.push('.');
    }
    out
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
        assert_eq!(
            e.user_message(Action::SignUp),
            "That username is already taken. Pick another one."
        );
        assert_eq!(e.user_message(Action::Other), "Username is taken.");
        let garbage = ApiError::from_response(502, "<html>bad gateway</html>");
        assert_eq!(
            garbage.user_message(Action::Other),
            "The server had a problem. Try again in a moment."
        );
    }

    #[test]
    fn sign_in_errors_are_clear() {
        let wrong = ApiError::from_response(
            401,
            r#"{"error":{"code":"unauthorized","message":"wrong username or password"}}"#,
        );
        assert!(wrong.is_unauthorized());
        assert_eq!(
            wrong.user_message(Action::SignIn),
            "Wrong username or password."
        );
        let invalid = ApiError::from_response(
            422,
            r#"{"error":{"code":"validation_failed","message":"password must be 8-128 characters"}}"#,
        );
        assert_eq!(
            invalid.user_message(Action::SignUp),
            "Password must be 8-128 characters."
        );
        assert!(
            ApiError::Network("refused".into())
                .user_message(Action::SignIn)
                .starts_with("Cannot reach the server")
        );
        assert_eq!(
            ApiError::from_response(404, "").user_message(Action::Other),
            "The request failed (404)."
        );
        assert_eq!(sentence(""), "");
        assert_eq!(sentence("ok!"), "Ok!");
    }
}
