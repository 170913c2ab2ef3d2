//! Operations endpoints: liveness, readiness, metrics.

use actix_web::{HttpResponse, web};
use chat_protocol::{ErrorBody, ErrorCode};

use crate::state::AppState;
use crate::store::stats;

/// The REST API's OpenAPI description (`docs/openapi.json`, checked against the routes by tests).
pub(super) async fn openapi() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(include_str!("../../../../docs/openapi.json"))
}

pub(super) async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({"status": "ok"}))
}

pub(super) async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    match state.readiness().await {
        Ok(()) => HttpResponse::Ok().json(serde_json::json!({"status": "ready"})),
        Err(what) => HttpResponse::ServiceUnavailable().json(ErrorBody::new(
            ErrorCode::Internal,
            format!("not ready: {what} unavailable"),
        )),
    }
}

pub(super) async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    // A failed size query keeps the last value rather than failing the scrape.
    if let Ok(bytes) = state.db(stats::database_bytes).await {
        state.metrics().database_bytes.set(bytes);
    }
    HttpResponse::Ok()
        .content_type("application/openmetrics-text; version=1.0.0; charset=utf-8")
        .body(state.metrics().render())
}
