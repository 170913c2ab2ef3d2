//! The built web app at `/`: files from the static folder, `index.html` for client routes, and
//! the contract's JSON 404/405 for everything else (API paths and missing files included).

use actix_files::{Files, NamedFile};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::{HttpRequest, HttpResponse, ResponseError, guard};

use crate::error::AppError;

/// Serves the built web app; client routes fall back to `index.html`. `/api/*` and unknown
/// files get the contract's JSON 404.
pub(crate) fn web_app(static_dir: &std::path::Path) -> Files {
    let index = static_dir.join("index.html");
    Files::new("/", static_dir)
        // Only these reach the files; any other method falls through to the app's default
        // service (`no_route`), instead of actix-files' plain-text 405 without `Allow`.
        .guard(guard::Any(guard::Get()).or(guard::Head()))
        .index_file("index.html")
        .default_handler(move |req: ServiceRequest| {
            let index = index.clone();
            async move {
                let (req, _) = req.into_parts();
                let wants_page = !req.path().starts_with("/api/")
                    && !req.path().rsplit('/').next().unwrap_or("").contains('.');
                let response = match NamedFile::open(&index) {
                    Ok(file) if wants_page => file.into_response(&req),
                    // `GET /api/auth/login`: a route's path with a method it lacks.
                    _ => unmatched(&req),
                };
                Ok(ServiceResponse::new(req, response))
            }
        })
}

/// `GET /` when the web app was never built (its toolchain could not be installed, say): a page
/// that says so and how to build it, rather than a bare 404; the API and WebSocket work.
pub(crate) async fn not_built() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-cache"))
        .body(NOT_BUILT_PAGE)
}

const NOT_BUILT_PAGE: &str = "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<title>chat: the web app is not built</title></head><body>\
<h1>The web app is not built</h1>\
<p>This chat server runs: the REST API under <code>/api</code> and the WebSocket at \
<code>/ws</code> work. The web app that is served here was not built (on a fresh machine, \
<code>scripts/run.sh</code> builds it first; it prints why that failed).</p>\
<p>To build it, run <code>bash scripts/build-web.sh</code> in the project folder (it installs \
trunk, wasm-bindgen and wasm-opt the first time: about 15-20 minutes), then restart the server. \
The server serves the folder <code>STATIC_DIR</code> (default <code>dist</code>).</p>\
</body></html>\n";

fn not_found() -> HttpResponse {
    AppError::NotFound("no such resource").error_response()
}

/// What no route matched: 405 with `Allow` when a route has this path (with another method),
/// else 404.
pub(crate) async fn no_route(req: HttpRequest) -> HttpResponse {
    unmatched(&req)
}

fn unmatched(req: &HttpRequest) -> HttpResponse {
    let methods = super::allowed_methods(req.path());
    if methods.is_empty() {
        return not_found();
    }
    AppError::MethodNotAllowed(methods).error_response()
}
