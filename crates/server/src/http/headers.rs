//! Security headers: `nosniff` and `no-referrer` on every response, `no-store` on sign-in
//! responses (they carry tokens), and a Content-Security-Policy on the web app's HTML that
//! allows its own files and, by hash, exactly the inline loader script trunk writes into
//! `index.html` (no `'unsafe-inline'` for scripts).

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::web;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};

/// The policy for the web app's HTML, built once from the `index.html` being served.
#[derive(Clone)]
pub(crate) struct ContentSecurityPolicy(HeaderValue);

impl ContentSecurityPolicy {
    pub(crate) fn for_index(html: &str) -> Self {
        let hashes: String = inline_scripts(html)
            .map(|script| format!(" 'sha256-{}'", STANDARD.encode(Sha256::digest(script))))
            .collect();
        let policy = format!(
            "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'{hashes}; \
             style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; \
             object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
        );
        // Built from base64 and fixed ASCII only, so it is always a valid header value.
        Self(
            HeaderValue::from_str(&policy).unwrap_or(HeaderValue::from_static(
                "default-src 'self'; frame-ancestors 'none'",
            )),
        )
    }
}

/// The bodies of `<script>` elements without a `src`, exactly as the browser hashes them.
fn inline_scripts(html: &str) -> impl Iterator<Item = &str> {
    html.split("<script").skip(1).filter_map(|tail| {
        let (attributes, rest) = tail.split_once('>')?;
        if attributes.contains("src=") {
            return None;
        }
        rest.split_once("</script>").map(|(body, _)| body)
    })
}

pub(crate) async fn security_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let csp = req.app_data::<web::Data<ContentSecurityPolicy>>().cloned();
    let sign_in = req.path().starts_with("/api/auth/");
    let mut response = next.call(req).await?;
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    if sign_in {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    let is_html = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    // A response with a policy of its own keeps it (a served upload's `sandbox`).
    let has_own = headers.contains_key(HeaderName::from_static("content-security-policy"));
    if let (true, false, Some(csp)) = (is_html, has_own, csp) {
        headers.insert(
            HeaderName::from_static("content-security-policy"),
            csp.0.clone(),
        );
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_exactly_the_inline_scripts() {
        let html = r#"<html><head><script type="module">import init from '/app.js';
init();</script><script src="/x.js"></script><link rel="modulepreload" href="/app.js"></head></html>"#;
        let scripts: Vec<&str> = inline_scripts(html).collect();
        assert_eq!(scripts, ["import init from '/app.js';\ninit();"]);
        let policy = ContentSecurityPolicy::for_index(html);
        let text = policy.0.to_str().unwrap();
        let want = STANDARD.encode(Sha256::digest(scripts[0]));
        assert!(text.contains(&format!("'sha256-{want}'")), "{text}");
        assert!(text.contains("frame-ancestors 'none'") && text.contains("default-src 'self'"));
        assert!(!text.contains("script-src 'self' 'unsafe-inline'"));
    }
}
