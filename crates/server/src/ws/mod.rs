//! The WebSocket edge: `GET /ws` authenticates before the upgrade, then one task per socket
//! (`socket`) runs the loop; `commands` runs each frame, `refusal` answers frames that are not
//! commands. It talks to the rest only through the shared state and the services.

mod commands;
mod refusal;
mod socket;

use std::collections::HashMap;

use actix_web::{HttpRequest, HttpResponse, web};
use chat_protocol::limits::WS_MAX_FRAME;

use crate::error::AppError;
use crate::state::AppState;

/// The subprotocol a browser names when it sends its token as another offered subprotocol.
const SUBPROTOCOL: &str = "chat";
/// The prefix of that other subprotocol: `token.<access token>`.
const TOKEN_PROTOCOL: &str = "token.";

/// The token offered as a subprotocol (`Sec-WebSocket-Protocol: chat, token.<jwt>`): browsers
/// cannot set headers, and a token in the URL ends up in the browser console whenever the
/// connection fails.
fn protocol_token(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get_all(actix_web::http::header::SEC_WEBSOCKET_PROTOCOL)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .find_map(|p| p.trim().strip_prefix(TOKEN_PROTOCOL))
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
}

/// The token from the header, a subprotocol, or `?access_token=` (browsers cannot set headers).
fn socket_token(req: &HttpRequest) -> Option<String> {
    let header = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    if let Some(token) = header.and_then(crate::auth::tokens::bearer) {
        return Some(token.to_owned());
    }
    if let Some(token) = protocol_token(req) {
        return Some(token);
    }
    serde_urlencoded::from_str::<HashMap<String, String>>(req.query_string())
        .ok()?
        .remove("access_token")
        .filter(|t| !t.is_empty())
}

/// `GET /ws`.
pub(crate) async fn upgrade(
    req: HttpRequest,
    body: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let caller = state.authenticate(socket_token(&req).as_deref())?;
    // Taken before the upgrade, so one socket too many is refused with 429, not opened.
    let link = state
        .realtime()
        .register(caller.user.id, caller.session)
        .map_err(|_| AppError::RateLimited)?;
    // Answers `chat` when offered (a browser that offered subprotocols fails the connection
    // unless one is picked); never echoes the token.
    let (response, session, stream) =
        actix_ws::handle_with_protocols(&req, body, &[SUBPROTOCOL])
            .map_err(|e| AppError::BadRequest(format!("not a WebSocket upgrade: {e}")))?;
    let stream = stream
        .max_frame_size(WS_MAX_FRAME)
        .aggregate_continuations()
        .max_continuation_size(WS_MAX_FRAME);
    actix_web::rt::spawn(socket::serve(
        state.into_inner(),
        caller,
        link,
        session,
        stream,
    ));
    Ok(response)
}
