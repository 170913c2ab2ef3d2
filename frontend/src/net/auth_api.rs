//! The signed-out part of the REST API: register, sign in, renew and revoke tokens. Plain calls
//! that take and return tokens; keeping them is `auth_session`'s job, never this module's.

use chat_protocol::{AuthResponse, LoginRequest, RefreshRequest, RegisterRequest};

use super::error::ApiError;
use super::http::{Call, decode, send};

/// `POST /api/auth/register`.
pub(crate) async fn register(req: &RegisterRequest) -> Result<AuthResponse, ApiError> {
    decode(&send(&Call::post("/auth/register", req), None).await?)
}

/// `POST /api/auth/login`.
pub(crate) async fn login(req: &LoginRequest) -> Result<AuthResponse, ApiError> {
    decode(&send(&Call::post("/auth/login", req), None).await?)
}

/// `POST /api/auth/refresh`: a new access token and a new refresh token (the old one is dead).
pub(crate) async fn refresh(refresh_token: &str) -> Result<AuthResponse, ApiError> {
    let body = RefreshRequest {
        refresh_token: refresh_token.to_owned(),
    };
    decode(&send(&Call::post("/auth/refresh", &body), None).await?)
}

/// `POST /api/auth/logout`: revokes the refresh token.
pub(crate) async fn logout(access_token: &str, refresh_token: &str) -> Result<(), ApiError> {
    let body = RefreshRequest {
        refresh_token: refresh_token.to_owned(),
    };
    send(&Call::post("/auth/logout", &body), Some(access_token))
        .await
        .map(drop)
}
