//! HTTP plumbing for the REST API (`/api`, same origin): building a request, sending it with an
//! optional bearer token, and decoding the answer or the contract's error body. Knows no tokens
//! and no endpoints; those are `auth_api` (signed out) and `api` (signed in).

use chat_protocol::HistoryQuery;
use gloo_net::http::{Method, RequestBuilder};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::error::ApiError;

/// A request that may carry a JSON body and a bearer token.
pub(crate) struct Call<'a, B: Serialize> {
    method: Method,
    path: &'a str,
    query: &'a [(&'a str, &'a str)],
    body: Option<&'a B>,
}

const NO_QUERY: &[(&str, &str)] = &[];

impl<'a, B: Serialize> Call<'a, B> {
    pub(crate) fn post(path: &'a str, body: &'a B) -> Self {
        Self {
            method: Method::POST,
            path,
            query: NO_QUERY,
            body: Some(body),
        }
    }
}

impl<'a, B: Serialize> Call<'a, B> {
    /// A DELETE that carries a body (e.g. the password that confirms deleting an account).
    pub(crate) fn delete_with(path: &'a str, body: &'a B) -> Self {
        Self {
            method: Method::DELETE,
            path,
            query: NO_QUERY,
            body: Some(body),
        }
    }

    pub(crate) fn patch(path: &'a str, body: &'a B) -> Self {
        Self {
            method: Method::PATCH,
            path,
            query: NO_QUERY,
            body: Some(body),
        }
    }
}

impl<'a> Call<'a, ()> {
    pub(crate) fn get(path: &'a str) -> Self {
        Self {
            method: Method::GET,
            path,
            query: NO_QUERY,
            body: None,
        }
    }

    /// A GET with `?name=value` pairs (encoded by the browser).
    pub(crate) fn get_with_query(path: &'a str, query: &'a [(&'a str, &'a str)]) -> Self {
        Self {
            method: Method::GET,
            path,
            query,
            body: None,
        }
    }

    pub(crate) fn delete(path: &'a str) -> Self {
        Self {
            method: Method::DELETE,
            path,
            query: NO_QUERY,
            body: None,
        }
    }
}

/// Sends `call`; the body text of a 2xx answer, else the error the answer describes.
pub(crate) async fn send<B: Serialize>(
    call: &Call<'_, B>,
    token: Option<&str>,
) -> Result<String, ApiError> {
    let mut builder =
        RequestBuilder::new(&format!("/api{}", call.path)).method(call.method.clone());
    if !call.query.is_empty() {
        builder = builder.query(call.query.iter().copied());
    }
    if let Some(token) = token {
        builder = builder.header("Authorization", &format!("Bearer {token}"));
    }
    let request = match call.body {
        Some(body) => builder
            .json(body)
            .map_err(|e| ApiError::Decode(e.to_string()))?,
        None => builder
            .build()
            .map_err(|e| ApiError::Decode(e.to_string()))?,
    };
    let response = request
        .send()
        .await
        .map_err(|e| ApiError::Network(e.to_string()))?;
    let status = response.status();
    let text = response
        .text()
        .await
        .map_err(|e| ApiError::Network(e.to_string()))?;
    if (200..300).contains(&status) {
        Ok(text)
    } else {
        Err(ApiError::from_response(status, &text))
    }
}

pub(crate) fn decode<T: DeserializeOwned>(text: &str) -> Result<T, ApiError> {
    serde_json::from_str(text).map_err(|e| ApiError::Decode(e.to_string()))
}

/// `?before_seq=…&after_seq=…&limit=…` for a history page (empty when no field is set).
pub(crate) fn history_query(q: &HistoryQuery) -> String {
    let parts: Vec<String> = [
        q.before_seq.map(|v| format!("before_seq={v}")),
        q.after_seq.map(|v| format!("after_seq={v}")),
        q.after_version.map(|v| format!("after_version={v}")),
        q.limit.map(|v| format!("limit={v}")),
    ]
    .into_iter()
    .flatten()
    .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!("?{}", parts.join("&"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_queries() {
        assert_eq!(history_query(&HistoryQuery::default()), "");
        let q = HistoryQuery {
            before_seq: Some(16),
            after_seq: None,
            after_version: None,
            limit: Some(15),
        };
        assert_eq!(history_query(&q), "?before_seq=16&limit=15");
        let q = HistoryQuery {
            before_seq: None,
            after_seq: Some(3),
            after_version: None,
            limit: None,
        };
        assert_eq!(history_query(&q), "?after_seq=3");
        let q = HistoryQuery {
            after_version: Some(7),
            limit: Some(100),
            ..HistoryQuery::default()
        };
        assert_eq!(history_query(&q), "?after_version=7&limit=100");
    }
}
