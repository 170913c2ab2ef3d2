//! `/api/docs`: Swagger UI over `/api/openapi.json`, offline. Its files (from the npm package
//! swagger-ui-dist) are copied by `scripts/build-web.sh` into `<STATIC_DIR>/api-docs/`; this
//! module serves the page, a tiny start-up script (a file, so the page needs no inline script
//! under the Content-Security-Policy) and those files, and nothing from any CDN.

use actix_files::NamedFile;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};

use super::assets::AssetDir;
use crate::error::AppError;

/// Where `scripts/build-web.sh` puts swagger-ui-dist's files, inside the static folder.
const FOLDER: &str = "api-docs";
/// The only files served from that folder: a fixed list, so a request cannot name another.
const FILES: [&str; 2] = ["swagger-ui.css", "swagger-ui-bundle.js"];

const PAGE: &str = "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>chat API</title><link rel=\"stylesheet\" href=\"/api/docs/swagger-ui.css\"></head>\
<body><div id=\"swagger-ui\"></div>\
<script src=\"/api/docs/swagger-ui-bundle.js\"></script>\
<script src=\"/api/docs/init.js\"></script></body></html>\n";

/// `validatorUrl: null`: Swagger UI otherwise sends the document to an online validator.
const INIT: &str = "window.ui = SwaggerUIBundle({ url: \"/api/openapi.json\", \
dom_id: \"#swagger-ui\", validatorUrl: null, deepLinking: true });\n";

const NOT_BUILT: &str = "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<title>chat API: Swagger UI is not installed</title></head><body>\
<h1>Swagger UI is not installed</h1>\
<p>The API's description is at <a href=\"/api/openapi.json\"><code>/api/openapi.json</code></a>. \
The browsable view needs Swagger UI's files, which <code>bash scripts/build-web.sh</code> \
copies from the npm package swagger-ui-dist into <code>STATIC_DIR/api-docs/</code> \
(default <code>dist/api-docs/</code>); run it in the project folder, then reload.</p>\
</body></html>\n";

/// `GET /api/docs`: the Swagger UI page, or, when its files were never installed, a page that
/// says how to install them (200 either way: it is a page for people).
pub(super) async fn page(dir: web::Data<AssetDir>) -> HttpResponse {
    let installed = FILES.iter().all(|f| dir.0.join(FOLDER).join(f).is_file());
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(if installed { PAGE } else { NOT_BUILT })
}

/// `GET /api/docs/{file}`: the start-up script or one of Swagger UI's files.
pub(super) async fn asset(
    req: HttpRequest,
    dir: web::Data<AssetDir>,
    file: web::Path<String>,
) -> HttpResponse {
    let file = file.into_inner();
    if file == "init.js" {
        return HttpResponse::Ok()
            .content_type("text/javascript; charset=utf-8")
            .insert_header((header::CACHE_CONTROL, "no-cache"))
            .body(INIT);
    }
    let Some(name) = FILES.iter().find(|f| **f == file) else {
        return AppError::NotFound("no such file").error_response();
    };
    match NamedFile::open(dir.0.join(FOLDER).join(name)) {
        Ok(found) => found.into_response(&req),
        Err(_) => AppError::NotFound("Swagger UI is not installed (scripts/build-web.sh)")
            .error_response(),
    }
}
