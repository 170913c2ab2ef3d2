//! What to tell the person when something failed: REST errors worded for what they were
//! attempting, and server sentences tidied up. Only words; deciding where a message is shown
//! is the state's and the UI's job.

use chat_protocol::ErrorCode;

use crate::net::ApiError;

/// What the person was attempting, for wording the error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Attempt {
    SignIn,
    SignUp,
    Other,
}

/// A 429 on signing in (too many guesses from here, or the username is locked for a while).
pub(crate) const TOO_MANY_ATTEMPTS: &str = "Too many attempts — wait a minute and try again.";
/// A 429 on anything else (REST writes, socket commands).
pub(crate) const SLOW_DOWN: &str = "Slow down — wait a moment and try again.";

/// A sentence for the person about `error`.
pub(crate) fn explain(error: &ApiError, attempt: Attempt) -> String {
    match error {
        ApiError::Network(_) => {
            "Cannot reach the server. Check your connection and try again.".to_owned()
        }
        ApiError::Decode(_) => "The server sent an answer this app does not understand.".to_owned(),
        ApiError::SignedOut => "Your session has ended. Please sign in again.".to_owned(),
        ApiError::Http {
            status,
            code,
            message,
        } => match (attempt, code) {
            (Attempt::SignIn, ErrorCode::Unauthorized) => "Wrong username or password.".to_owned(),
            (Attempt::SignUp, ErrorCode::Conflict) => {
                "That username is already taken. Pick another one.".to_owned()
            }
            (Attempt::SignIn | Attempt::SignUp, ErrorCode::RateLimited) => TOO_MANY_ATTEMPTS.into(),
            (_, ErrorCode::RateLimited) => SLOW_DOWN.to_owned(),
            _ if *status == 429 => SLOW_DOWN.to_owned(),
            (_, ErrorCode::Internal) => {
                "The server had a problem. Try again in a moment.".to_owned()
            }
            _ if *status >= 500 => "The server had a problem. Try again in a moment.".to_owned(),
            _ if !message.is_empty() => sentence(message),
            _ => format!("The request failed ({status})."),
        },
    }
}

/// "username is taken" → "Username is taken."
pub(crate) fn sentence(text: &str) -> String {
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
    fn errors_are_worded_for_what_was_attempted() {
        let taken = ApiError::Http {
            status: 409,
            code: ErrorCode::Conflict,
            message: "username is taken".into(),
        };
        assert_eq!(
            explain(&taken, Attempt::SignUp),
            "That username is already taken. Pick another one."
        );
        assert_eq!(explain(&taken, Attempt::Other), "Username is taken.");
        let bad_gateway = ApiError::Http {
            status: 502,
            code: ErrorCode::Internal,
            message: String::new(),
        };
        assert_eq!(
            explain(&bad_gateway, Attempt::Other),
            "The server had a problem. Try again in a moment."
        );
    }

    #[test]
    fn sign_in_errors_are_clear() {
        let wrong = ApiError::from_response(
            401,
            r#"{"error":{"code":"unauthorized","message":"wrong username or password"}}"#,
        );
        assert_eq!(
            explain(&wrong, Attempt::SignIn),
            "Wrong username or password."
        );
        let invalid = ApiError::from_response(
            422,
            r#"{"error":{"code":"validation_failed","message":"password must be 8-128 characters"}}"#,
        );
        assert_eq!(
            explain(&invalid, Attempt::SignUp),
            "Password must be 8-128 characters."
        );
        assert!(
            explain(&ApiError::Network("refused".into()), Attempt::SignIn)
                .starts_with("Cannot reach the server")
        );
        assert_eq!(
            explain(&ApiError::from_response(404, ""), Attempt::Other),
            "The request failed (404)."
        );
    }

    #[test]
    fn too_many_requests_get_a_human_sentence() {
        let limited = ApiError::from_response(
            429,
            r#"{"error":{"code":"rate_limited","message":"too many failed logins"}}"#,
        );
        assert_eq!(explain(&limited, Attempt::SignIn), TOO_MANY_ATTEMPTS);
        assert_eq!(explain(&limited, Attempt::SignUp), TOO_MANY_ATTEMPTS);
        assert_eq!(explain(&limited, Attempt::Other), SLOW_DOWN);
        let bare = ApiError::from_response(429, "");
        assert_eq!(explain(&bare, Attempt::Other), SLOW_DOWN);
        let odd_code = ApiError::Http {
            status: 429,
            code: ErrorCode::BadRequest,
            message: "raw".into(),
        };
        assert_eq!(explain(&odd_code, Attempt::Other), SLOW_DOWN);
    }

    #[test]
    fn sentences_start_upper_case_and_end_with_a_stop() {
        assert_eq!(sentence(""), "");
        assert_eq!(sentence("ok!"), "Ok!");
        assert_eq!(sentence("  content is empty "), "Content is empty.");
    }
}
