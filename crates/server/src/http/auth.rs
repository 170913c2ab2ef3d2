//! Accounts and sign-in: register, login, refresh (rotating), logout, and `GET /api/me`.

use std::net::IpAddr;

use actix_web::{HttpRequest, HttpResponse, web};
use chat_protocol::limits::{check_name_lookup, check_password, check_username};
use chat_protocol::{
    AuthResponse, LoginRequest, LogoutRequest, RefreshRequest, RegisterRequest, SessionId, User,
};
use chrono::Duration;
use uuid::Uuid;

use super::extract::{AuthUser, client_address};
use crate::auth::password;
use crate::auth::tokens::{hash_token, random_token};
use crate::error::{AppError, AppResult};
use crate::state::{AppState, Guards};
use crate::store::{self, sessions, users};

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> AppResult<T> {
    web::block(f).await.map_err(AppError::internal)
}

fn refresh_expiry(state: &AppState) -> chrono::NaiveDateTime {
    store::now() + Duration::seconds(state.refresh_policy().ttl_secs)
}

/// A new session: its first refresh token, and an access token naming it.
async fn start_session(state: &AppState, req: &HttpRequest, user: User) -> AppResult<AuthResponse> {
    let refresh_token = random_token()?;
    let token_hash = hash_token(&refresh_token);
    let expires = refresh_expiry(state);
    let user_id = user.id;
    let session = SessionId::from(Uuid::new_v4());
    let agent = req
        .headers()
        .get(actix_web::http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    state
        .db(move |c| sessions::start(c, user_id, session, agent.as_deref(), &token_hash, expires))
        .await?;
    respond(state, user, session, refresh_token)
}

fn respond(
    state: &AppState,
    user: User,
    session: SessionId,
    refresh_token: String,
) -> AppResult<AuthResponse> {
    Ok(AuthResponse {
        access_token: state.jwt().issue(&user, session)?,
        token_type: "Bearer".into(),
        expires_in: state.jwt().access_ttl_secs,
        refresh_token,
        user,
    })
}

/// Per-client-address limits: sign-ups and logins share one bucket (they cost a password
/// hash), refreshes have their own.
fn limit_by_address(
    state: &AppState,
    req: &HttpRequest,
    allow: fn(&Guards, IpAddr) -> bool,
) -> AppResult<()> {
    let guards = state.guards();
    match client_address(req, guards.trusted_proxies()) {
        Some(client) if !allow(guards, client) => Err(AppError::RateLimited),
        _ => Ok(()),
    }
}

pub(super) async fn register(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<RegisterRequest>,
) -> AppResult<HttpResponse> {
    limit_by_address(&state, &req, Guards::allow_sign_in)?;
    let RegisterRequest { username, password } = body.into_inner();
    check_username(&username).map_err(AppError::Validation)?;
    check_password(&password).map_err(AppError::Validation)?;
    // Checked before hashing so a taken name costs no argon2 hash; `users::create` still
    // refuses the name if someone takes it meanwhile.
    let taken = {
        let name = username.clone();
        state
            .db(move |c| Ok(users::find_by_name(c, &name)?.is_some()))
            .await?
    };
    if taken {
        return Err(AppError::Conflict("username is taken"));
    }
    let _slot = password::hashing_slot().await?;
    let hash = blocking(move || password::hash(&password)).await??;
    let user = state
        .db(move |c| users::create(c, &username, &hash))
        .await?;
    tracing::info!(user = %user.id, "registered");
    Ok(HttpResponse::Created().json(start_session(&state, &req, user).await?))
}

pub(super) async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<LoginRequest>,
) -> AppResult<HttpResponse> {
    limit_by_address(&state, &req, Guards::allow_sign_in)?;
    let LoginRequest { username, password } = body.into_inner();
    check_name_lookup(&username).map_err(AppError::Validation)?;
    // Too many wrong passwords for this name lately, from anywhere: no more guesses for now.
    if state.guards().lockout().is_locked(&username) {
        return Err(AppError::RateLimited);
    }
    let name = username.clone();
    let row = state.db(move |c| users::find_by_name(c, &name)).await?;
    let _slot = password::hashing_slot().await?;
    let verified = blocking(move || match row {
        Some(row) if password::verify(&password, &row.password_hash) => Some(row),
        Some(_) => None,
        None => {
            password::verify_dummy(&password);
            None
        }
    })
    .await?;
    let Some(row) = verified else {
        state.guards().lockout().failed(&username);
        return Err(AppError::Unauthorized("wrong username or password"));
    };
    state.guards().lockout().succeeded(&username);
    if row.disabled_at.is_some() {
        return Err(AppError::Forbidden("this account is disabled"));
    }
    Ok(HttpResponse::Ok().json(start_session(&state, &req, row.to_user()).await?))
}

pub(super) async fn refresh(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<RefreshRequest>,
) -> AppResult<HttpResponse> {
    limit_by_address(&state, &req, Guards::allow_refresh)?;
    let presented = hash_token(&body.refresh_token);
    let next = random_token()?;
    let next_hash = hash_token(&next);
    let expires = refresh_expiry(&state);
    let grace = state.refresh_policy().reuse_grace_secs;
    let (owner, session) = state
        .db(move |c| sessions::rotate(c, &presented, &next_hash, expires, grace))
        .await?;
    Ok(HttpResponse::Ok().json(respond(&state, owner.to_user(), session, next)?))
}

pub(super) async fn logout(
    state: web::Data<AppState>,
    caller: AuthUser,
    body: web::Json<LogoutRequest>,
) -> AppResult<HttpResponse> {
    // Ends the session the access token names, and the one the refresh token belongs to if
    // that is another of the caller's.
    let token_hash = hash_token(&body.refresh_token);
    let (owner, current) = (caller.id, caller.session());
    let ended = state
        .db(move |c| {
            let mut ended = Vec::new();
            let of_token = sessions::of_token(c, owner, &token_hash)?;
            for session in std::iter::once(current).chain(of_token) {
                if sessions::revoke(c, owner, session)? {
                    ended.push(session);
                }
            }
            Ok(ended)
        })
        .await?;
    for session in ended {
        state.realtime().end_session(session);
    }
    Ok(HttpResponse::NoContent().finish())
}

pub(super) async fn me(state: web::Data<AppState>, caller: AuthUser) -> AppResult<HttpResponse> {
    let caller = caller.id;
    let row = state.db(move |c| users::find_by_id(c, caller)).await?;
    let row = row.ok_or(AppError::Unauthorized("account no longer exists"))?;
    Ok(HttpResponse::Ok().json(row.to_user()))
}
