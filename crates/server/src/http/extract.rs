//! Turning requests into typed input: the caller proven by `Authorization: Bearer` (or, for
//! sockets, `?access_token=`), and the contract's error bodies for bodies, queries and paths
//! that do not parse, instead of actix's plain-text defaults.

use std::future::{Ready, ready};
use std::net::IpAddr;
use std::ops::Deref;

use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::{Error, FromRequest, HttpRequest, dev::Payload, web};
use chat_protocol::{SessionId, User};
use ipnet::IpNet;

use crate::auth::jwt::Caller;
use crate::error::AppError;
use crate::state::AppState;

/// The caller, proven by a valid access token of a live session.
#[derive(Debug, Clone)]
pub(crate) struct AuthUser(pub Caller);

impl AuthUser {
    pub(crate) fn session(&self) -> SessionId {
        self.0.session
    }
}

impl Deref for AuthUser {
    type Target = User;

    fn deref(&self) -> &User {
        &self.0.user
    }
}

/// The token from `Authorization: Bearer …`, if the header is there and well-formed.
pub(crate) fn bearer_token(req: &HttpRequest) -> Option<&str> {
    let value = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    crate::auth::tokens::bearer(value)
}

/// The client's address for rate limits: the peer, or, when the peer is a trusted proxy, the
/// right-most `X-Forwarded-For` address that is not a trusted proxy (addresses further left
/// were written by the client and prove nothing).
pub(crate) fn client_address(req: &HttpRequest, trusted: &[IpNet]) -> Option<IpAddr> {
    let peer = req.peer_addr()?.ip();
    let is_trusted = |addr: &IpAddr| trusted.iter().any(|net| net.contains(addr));
    if !is_trusted(&peer) {
        return Some(peer);
    }
    let forwarded: Vec<&str> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    let mut nearest = peer;
    for hop in forwarded.iter().rev() {
        match hop.parse::<IpAddr>() {
            Ok(addr) if is_trusted(&addr) => nearest = addr,
            Ok(addr) => return Some(addr),
            // Garbage in the chain: the last address we can vouch for stands for the client.
            Err(_) => return Some(nearest),
        }
    }
    Some(nearest)
}

impl FromRequest for AuthUser {
    type Error = AppError;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let result = match req.app_data::<web::Data<AppState>>() {
            Some(state) => state.authenticate(bearer_token(req)).map(AuthUser),
            None => Err(AppError::internal("application state missing")),
        };
        ready(result)
    }
}

pub(crate) fn json_error(err: JsonPayloadError, _req: &HttpRequest) -> Error {
    let app = match &err {
        JsonPayloadError::OverflowKnownLength { .. } | JsonPayloadError::Overflow { .. } => {
            AppError::PayloadTooLarge("request body is too large".into())
        }
        JsonPayloadError::ContentType => {
            AppError::UnsupportedMediaType("expected Content-Type: application/json".into())
        }
        JsonPayloadError::Deserialize(e) if e.is_data() => {
            AppError::Validation(format!("invalid request body: {e}"))
        }
        JsonPayloadError::Deserialize(e) => AppError::BadRequest(format!("malformed JSON: {e}")),
        other => AppError::BadRequest(format!("unreadable request body: {other}")),
    };
    app.into()
}

pub(crate) fn query_error(err: QueryPayloadError, _req: &HttpRequest) -> Error {
    AppError::Validation(format!("invalid query: {err}")).into()
}

/// A path segment that does not parse (e.g. a chat id that is no UUID) names nothing.
pub(crate) fn path_error(_err: PathError, _req: &HttpRequest) -> Error {
    AppError::NotFound("not found").into()
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    fn addr(req: TestRequest, trusted: &[&str]) -> Option<IpAddr> {
        let trusted: Vec<IpNet> = trusted.iter().map(|n| n.parse().unwrap()).collect();
        client_address(&req.to_http_request(), &trusted)
    }

    fn from(peer: &str) -> TestRequest {
        TestRequest::default().peer_addr(format!("{peer}:1234").parse().unwrap())
    }

    #[test]
    fn forwarded_for_counts_only_behind_trusted_proxies() {
        let ip = |s: &str| Some(s.parse::<IpAddr>().unwrap());
        let forged = from("203.0.113.9").insert_header(("x-forwarded-for", "1.2.3.4"));
        assert_eq!(
            addr(forged, &["10.0.0.0/8"]),
            ip("203.0.113.9"),
            "untrusted peer"
        );
        let proxied = from("10.0.0.2").insert_header(("x-forwarded-for", "1.2.3.4, 198.51.100.7"));
        assert_eq!(
            addr(proxied, &["10.0.0.0/8"]),
            ip("198.51.100.7"),
            "the right-most untrusted hop; the client's own claim (1.2.3.4) is ignored"
        );
        let two_proxies =
            from("10.0.0.2").insert_header(("x-forwarded-for", "1.2.3.4, 198.51.100.7, 10.0.0.3"));
        assert_eq!(addr(two_proxies, &["10.0.0.0/8"]), ip("198.51.100.7"));
        let garbage = from("10.0.0.2").insert_header(("x-forwarded-for", "nonsense, 10.0.0.3"));
        assert_eq!(addr(garbage, &["10.0.0.0/8"]), ip("10.0.0.3"));
        assert_eq!(
            addr(from("10.0.0.2"), &["10.0.0.0/8"]),
            ip("10.0.0.2"),
            "no header"
        );
        let v6 = from("[::1]").insert_header(("x-forwarded-for", "2001:db8::1"));
        assert_eq!(addr(v6, &["::1/128"]), ip("2001:db8::1"));
    }
}
