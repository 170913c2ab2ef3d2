//! Request logging that never records a query string or header: tokens travel in both
//! (`/ws?access_token=…`, `Authorization`), and logs must never hold one.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::web;

use crate::metrics::RequestLabels;
use crate::state::AppState;

/// The methods HTTP defines; any other name a client sends is counted as `other`.
fn method_label(method: &Method) -> &'static str {
    const KNOWN: [Method; 8] = [
        Method::GET,
        Method::HEAD,
        Method::POST,
        Method::PUT,
        Method::PATCH,
        Method::DELETE,
        Method::OPTIONS,
        Method::TRACE,
    ];
    KNOWN
        .iter()
        .find(|known| *known == method)
        .map_or("other", Method::as_str)
}

/// A path no route declared, as it may be logged: `/join/<token>` hides its token.
fn unrouted_path(path: &str) -> String {
    match path.strip_prefix("/join/") {
        Some(_) => "/join/{token}".into(),
        None => path.to_owned(),
    }
}

pub(crate) async fn log_requests(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let method = req.method().clone();
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let response = next.call(req).await?;
    let status = response.status().as_u16();
    let route = response.request().match_pattern();
    // Invite tokens travel in paths (`/api/invites/{token}/accept`, the web app's
    // `/join/<token>`): the log gets the route as declared, and unmatched paths (the web
    // app's files and pages) lose their last segment under /join/.
    let path = route
        .clone()
        .unwrap_or_else(|| unrouted_path(response.request().path()));
    if let Some(state) = state {
        // The route as declared and a known method: anything a client can vary freely would
        // make a series per value.
        let labels = RequestLabels {
            route: route.unwrap_or_else(|| "unmatched".into()),
            method: method_label(&method).into(),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_and_logged_paths_hold_nothing_a_client_chooses() {
        assert_eq!(method_label(&Method::GET), "GET");
        assert_eq!(
            method_label(&Method::from_bytes(b"A1").expect("method")),
            "other"
        );
        assert_eq!(unrouted_path("/join/abcDEF-123"), "/join/{token}");
        assert_eq!(unrouted_path("/assets/app.js"), "/assets/app.js");
    }
}
