//! How the web app's files travel: a precompressed sibling (`app.wasm.br`, `app.wasm.gz`, made by
//! `scripts/build-web.sh`) when the client accepts that encoding, else the file as it is; and
//! cache headers: content-hashed files (trunk names them `name-<16 hex>.ext`) are immutable for
//! a year, HTML (`index.html`, also for client routes) is revalidated every time, so a new
//! build is picked up at once while its files are never fetched twice.

use std::path::{Path, PathBuf};

use actix_files::NamedFile;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, ContentEncoding, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::web;

const IMMUTABLE: HeaderValue = HeaderValue::from_static("public, max-age=31536000, immutable");
const REVALIDATE: HeaderValue = HeaderValue::from_static("no-cache");

/// The folder of the built web app (app data for [`serve`]).
#[derive(Clone)]
pub(crate) struct AssetDir(pub(crate) PathBuf);

/// The file name a request asks for, if it is a plain name at the top of the folder (where
/// trunk puts every file). Only `[A-Za-z0-9._-]`, not starting with a dot: such a name cannot
/// leave the folder, so it can be joined to it as it is.
fn asset_name(path: &str) -> Option<&str> {
    let name = path.strip_prefix('/')?;
    let plain = !name.is_empty()
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    plain.then_some(name)
}

/// Whether trunk put a content hash in the name: `chat-web-0123456789abcdef_bg.wasm`,
/// `style-0123456789abcdef.css`. Trunk prints the 64-bit hash in hex without leading zeros,
/// so it can be shorter than 16 digits.
fn is_hashed(name: &str) -> bool {
    let stem = name.split('.').next().unwrap_or_default();
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    stem.rsplit_once('-').is_some_and(|(_, hash)| {
        (12..=16).contains(&hash.len()) && hash.bytes().all(|b| b.is_ascii_hexdigit())
    })
}

/// The encodings the client takes, best first among those we keep files for (brotli, gzip).
/// `q=0` means "not this one".
fn accepted(accept_encoding: &str) -> Vec<ContentEncoding> {
    let takes = |wanted: &str| {
        accept_encoding.split(',').any(|item| {
            let mut parts = item.split(';').map(str::trim);
            let name = parts.next().unwrap_or_default();
            let refused = parts.any(|p| {
                p.strip_prefix("q=")
                    .and_then(|q| q.parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            name.eq_ignore_ascii_case(wanted) && !refused
        })
    };
    [
        ("br", ContentEncoding::Brotli),
        ("gzip", ContentEncoding::Gzip),
    ]
    .into_iter()
    .filter(|(name, _)| takes(name))
    .map(|(_, encoding)| encoding)
    .collect()
}

fn suffix(encoding: ContentEncoding) -> &'static str {
    match encoding {
        ContentEncoding::Brotli => "br",
        _ => "gz",
    }
}

/// The precompressed sibling of `name` to send, if the client takes one and it exists.
fn precompressed(
    dir: &Path,
    name: &str,
    accept_encoding: &str,
) -> Option<(PathBuf, ContentEncoding)> {
    if !dir.join(name).is_file() {
        return None;
    }
    accepted(accept_encoding).into_iter().find_map(|encoding| {
        let path = dir.join(format!("{name}.{}", suffix(encoding)));
        path.is_file().then_some((path, encoding))
    })
}

/// Middleware around the web app: answers with a precompressed file where it can, and puts the
/// cache headers on what the web app's files answer. API responses are left alone (they are
/// never HTML and never a top-level hashed name).
pub(crate) async fn serve(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let dir = req.app_data::<web::Data<AssetDir>>().cloned();
    let readable = matches!(*req.method(), Method::GET | Method::HEAD);
    // `/` is `index.html` (the Files service's index): it can come precompressed too.
    let name = if req.path() == "/" {
        Some("index.html".to_owned())
    } else {
        asset_name(req.path()).map(str::to_owned)
    };
    if let (true, Some(dir), Some(name)) = (readable, dir, name.as_deref()) {
        let accept = req
            .headers()
            .get(header::ACCEPT_ENCODING)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        if let Some((path, encoding)) = precompressed(&dir.0, name, accept) {
            let mime = actix_files::file_extension_to_mime(
                name.rsplit_once('.')
                    .map(|(_, ext)| ext)
                    .unwrap_or_default(),
            );
            let file = NamedFile::open(path)?
                .set_content_type(mime)
                .set_content_encoding(encoding)
                .disable_content_disposition();
            let (http, _) = req.into_parts();
            let response = file.into_response(&http);
            let mut response = ServiceResponse::new(http, response);
            cache_headers(&mut response, Some(name));
            return Ok(response);
        }
    }
    let mut response = next.call(req).await?.map_into_boxed_body();
    cache_headers(&mut response, name.as_deref());
    Ok(response)
}

fn cache_headers(response: &mut ServiceResponse<BoxBody>, name: Option<&str>) {
    let ok = matches!(
        response.status(),
        StatusCode::OK | StatusCode::NOT_MODIFIED | StatusCode::PARTIAL_CONTENT
    );
    let headers = response.headers_mut();
    let html = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if html {
        headers.insert(header::CACHE_CONTROL, REVALIDATE);
    } else if ok && let Some(name) = name {
        let policy = if is_hashed(name) {
            IMMUTABLE
        } else {
            REVALIDATE
        };
        headers.insert(header::CACHE_CONTROL, policy);
    }
    if ok && name.is_some() {
        // The same URL has several encodings: caches must key on what the client accepts.
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_top_level_names_are_assets() {
        assert_eq!(asset_name("/app-0123.wasm"), Some("app-0123.wasm"));
        for path in [
            "/",
            "/../etc/passwd",
            "/a/b.js",
            "/.env",
            "/a%2F..",
            "/api/chats",
        ] {
            assert_eq!(asset_name(path), None, "{path}");
        }
    }

    #[test]
    fn hashed_names_are_trunks() {
        assert!(is_hashed("chat-web-7eb3c0ab5535f65a_bg.wasm"));
        assert!(is_hashed("chat-web-7eb3c0ab5535f65a.js"));
        assert!(is_hashed("style-98cb0123456789ab.css"));
        assert!(
            is_hashed("chat-web-8286be546c5e580_bg.wasm"),
            "15 digits: a leading 0"
        );
        assert!(!is_hashed("index.html"));
        assert!(!is_hashed("favicon.svg"));
        assert!(!is_hashed("chat-web-7eb3c0.js"));
    }

    #[test]
    fn encodings_in_preference_order_and_refusals_kept() {
        use ContentEncoding::{Brotli, Gzip};
        assert_eq!(accepted("gzip, deflate, br, zstd"), [Brotli, Gzip]);
        assert_eq!(accepted("gzip"), [Gzip]);
        assert_eq!(accepted("br;q=0, gzip;q=0.5"), [Gzip]);
        assert_eq!(accepted(""), []);
        assert_eq!(accepted("identity"), []);
    }
}
