//! Request logging that never records a query string or header: tokens travel in both
//! (`/ws?access_token=…`, `Authorization`), and logs must never hold one.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web;

use crate::metrics::RequestLabels;
use crate::state::AppState;

pub(crate) async fn log_requests(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let method = req.method().clone();
    let path = req.path().to_owned();
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let response = next.call(req).await?;
    let status = response.status().as_u16();
    if let Some(state) = state {
        // The route as declared: ids in paths would make a series per chat.
        let labels = RequestLabels {
            route: response
                .request()
                .match_pattern()
                .unwrap_or_else(|| "unmatched".into()),
            method: method.to_string(),
            status,
        };
        let metrics = state.metrics();
        metrics.http_requests.get_or_create(&labels).inc();
        metrics
            .http_duration
            .get_or_create(&labels)
            .observe(started.elapsed().as_secs_f64());
    }
    tracing::info!(
        %method,
        %path,
        status,
        elapsed_ms = started.elapsed().as_secs_f64() * 1000.0,
        "request"
    );
    Ok(response)
}
