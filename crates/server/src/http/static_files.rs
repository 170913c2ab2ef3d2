//! The built web app at `/`: files from the static folder, `index.html` for client routes, and
//! the contract's JSON 404/405 for everything else (API paths and missing files included).

use actix_files::{Files, NamedFile};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::{HttpRequest, HttpResponse, ResponseError};

use crate::error::AppError;

/// Serves the built web app; client routes fall back to `index.html`. `/api/*` and unknown
/// files get the contract's JSON 404.
pub(crate) fn web_app(static_dir: &std::path::Path) -> Files {
    let index = static_dir.join("index.html");
    Files::new("/", static_dir)
        .index_file("index.html")
        .default_handler(move |req: ServiceRequest| {
            let index = index.clone();
            async move {
                let (req, _) = req.into_parts();
                let wants_page = !req.path().starts_with("/api/")
                    && !req.path().rsplit('/').next().unwrap_or("").contains('.');
                let response = match NamedFile::open(&index) {
                    Ok(file) if wants_page => file.into_response(&req),
                    _ => not_found(),
                };
                Ok(ServiceResponse::new(req, response))
            }
        })
}

fn not_found() -> HttpResponse {
    AppError::NotFound("no such resource").error_response()
}

/// What no route matched: 405 for methods files are never served with, else 404.
pub(crate) async fn no_route(req: HttpRequest) -> HttpResponse {
    if req.method() != actix_web::http::Method::GET && req.method() != actix_web::http::Method::HEAD
    {
        return AppError::MethodNotAllowed.error_response();
    }
    not_found()
}
