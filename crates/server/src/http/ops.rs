//! Operations endpoints: liveness, readiness, metrics.

use actix_web::{HttpResponse, web};
use chat_protocol::{ErrorBody, ErrorCode};

use crate::state::AppState;
use crate::store::stats;

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(healthz))
        .route("/readyz", web::get().to(readyz))
        .route("/metrics", web::get().to(metrics))
        .route("/api/openapi.json", web::get().to(openapi));
}

/// The REST API's OpenAPI description (`docs/openapi.json`, checked against the routes by tests).
async fn openapi() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(include_str!("../../../../docs/openapi.json"))
}

async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({"status": "ok"}))
}

async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    match state.readiness().await {
        Ok(()) => HttpResponse::Ok().json(serde_json::json!({"status": "ready"})),
        Err(what) => HttpResponse::ServiceUnavailable().json(ErrorBody::new(
            ErrorCode::Internal,
            format!("not ready: {what} unavailable"),
        )),
    }
}

async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    let (delivered, dropped_slow, publish_failures) = state.realtime().counts();
    // A failed size query leaves the gauge out rather than failing the scrape.
    let database_bytes = state.db(stats::database_bytes).await.ok();
    let gauges: Vec<(&str, &str, i64)> = database_bytes
        .map(|bytes| ("chat_database_bytes", "Size of the database on disk", bytes))
        .into_iter()
        .collect();
    let body = state.metrics().render(
        &[
            (
                "chat_events_delivered_total",
                "Events queued to local sockets",
                delivered,
            ),
            (
                "chat_slow_sockets_dropped_total",
                "Sockets disconnected for not keeping up",
                dropped_slow,
            ),
            (
                "chat_redis_publish_failures_total",
                "Events that could not be handed to Redis for the other instances",
                publish_failures,
            ),
        ],
        &gauges,
    );
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(body)
}
