//! `GET /ws`: authenticates before the upgrade, then runs one loop per socket over three inputs:
//! frames from the client, events queued for this socket by the hub, and the heartbeat tick.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::{HttpRequest, HttpResponse, web};
use actix_ws::{AggregatedMessage, AggregatedMessageStream, CloseCode, CloseReason, Session};
use chat_protocol::limits::WS_MAX_FRAME;
use chat_protocol::{ErrorCode, ServerEvent, User};
use uuid::Uuid;

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;

use super::commands::{Reply, handle_frame};
use super::events::encode;
use crate::app::AppState;
use crate::auth::extractor::{authenticate, bearer_token};
use crate::error::AppError;
use crate::store::{contacts, with_db};

/// Posts a socket may have waiting for their commit before it stops reading frames.
const MAX_PENDING_POSTS: usize = 256;

/// The token from the header, or from `?access_token=` for browsers (which cannot set headers).
fn socket_token(req: &HttpRequest) -> Option<String> {
    if let Some(token) = bearer_token(req) {
        return Some(token.to_owned());
    }
    serde_urlencoded::from_str::<HashMap<String, String>>(req.query_string())
        .ok()?
        .remove("access_token")
        .filter(|t| !t.is_empty())
}

pub async fn route(
    req: HttpRequest,
    body: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let caller = authenticate(&state, socket_token(&req).as_deref())?;
    let (response, session, stream) = actix_ws::handle(&req, body)
        .map_err(|e| AppError::BadRequest(format!("not a WebSocket upgrade: {e}")))?;
    let stream = stream
        .max_frame_size(WS_MAX_FRAME)
        .aggregate_continuations()
        .max_continuation_size(WS_MAX_FRAME);
    let user = User {
        id: caller.id,
        username: caller.username,
    };
    actix_web::rt::spawn(run(state.into_inner(), user, session, stream));
    Ok(response)
}

/// Counts a socket opening or closing at once (so requests right after `ready` see it) and,
/// when that was the first or last socket here, settles the global change and announces it.
/// The announcing part runs detached: a socket must not wait on it, and it must happen even
/// when the socket's task is gone.
fn record_presence(state: Arc<AppState>, user: Uuid, opened: bool) {
    let presence = &state.realtime.presence;
    let edge = if opened {
        presence.opened_here(user)
    } else {
        presence.closed_here(user)
    };
    if !edge {
        return;
    }
    actix_web::rt::spawn(async move {
        let presence = &state.realtime.presence;
        let changed = if opened {
            presence.came_online(user).await
        } else {
            presence.went_offline(user).await
        };
        if changed {
            announce_presence(&state, user, opened).await;
        }
    });
}

/// Tells everyone allowed to see `user`'s presence that it changed.
pub async fn announce_presence(state: &AppState, user: Uuid, online: bool) {
    match with_db(&state.pool, move |c| contacts::presence_audience(c, user)).await {
        Ok(audience) => state.realtime.broker.publish(
            &audience,
            &ServerEvent::Presence {
                user_id: user,
                online,
            },
        ),
        Err(e) => tracing::warn!(error = %e, "presence audience lookup failed"),
    }
}

/// Counts the socket for presence while alive; the drop announces the close on every exit path.
struct PresenceGuard {
    state: Arc<AppState>,
    user: Uuid,
}

impl PresenceGuard {
    fn open(state: Arc<AppState>, user: Uuid) -> Self {
        record_presence(state.clone(), user, true);
        state.metrics.sockets_open.inc();
        Self { state, user }
    }
}

impl Drop for PresenceGuard {
    fn drop(&mut self) {
        self.state.metrics.sockets_open.dec();
        record_presence(self.state.clone(), self.user, false);
    }
}

fn close(code: CloseCode, description: &str) -> Option<CloseReason> {
    Some(CloseReason {
        code,
        description: Some(description.to_owned()),
    })
}

async fn run(
    state: Arc<AppState>,
    user: User,
    mut session: Session,
    mut stream: AggregatedMessageStream,
) {
    let realtime = &state.realtime;
    let (registration, mut outbound) = realtime.hub.register(user.id);
    let presence = PresenceGuard::open(state.clone(), user.id);
    let mut shutdown = realtime.shutdown.clone();
    let idle_timeout = realtime.idle_timeout;
    let mut heartbeat = tokio::time::interval((idle_timeout / 3).max(Duration::from_millis(100)));
    heartbeat.tick().await;
    let mut last_heard = Instant::now();
    let mut posts = FuturesUnordered::new();

    let ready = encode(&ServerEvent::Ready { user: user.clone() });
    let reason = if session.text(ready).await.is_err() {
        None
    } else {
        loop {
            tokio::select! {
                // While too many of its posts await their commit, the socket reads no more.
                frame = stream.recv(), if posts.len() < MAX_PENDING_POSTS => {
                    last_heard = Instant::now();
                    match frame {
                        Some(Ok(AggregatedMessage::Text(text))) => {
                            // Boxed: kept out of every idle socket's task state, allocated only while a frame runs.
                            match Box::pin(handle_frame(&state, &user, &text)).await {
                                Reply::Nothing => {}
                                Reply::Now(reply) => {
                                    if session.text(encode(&reply)).await.is_err() {
                                        break None;
                                    }
                                }
                                Reply::Later(pending) => posts.push(pending),
                            }
                        }
                        Some(Ok(AggregatedMessage::Binary(_))) => {
                            let refusal = ServerEvent::Error {
                                code: ErrorCode::BadRequest,
                                message: "binary frames are not supported; send JSON text".into(),
                                command: None,
                                client_id: None,
                                request_id: None,
                            };
                            if session.text(encode(&refusal)).await.is_err() {
                                break None;
                            }
                        }
                        Some(Ok(AggregatedMessage::Ping(bytes))) => {
                            if session.pong(&bytes).await.is_err() {
                                break None;
                            }
                        }
                        Some(Ok(AggregatedMessage::Pong(_))) => {}
                        Some(Ok(AggregatedMessage::Close(reason))) => break reason,
                        Some(Err(actix_ws::ProtocolError::Overflow)) => {
                            break close(CloseCode::Size, "frame larger than 64 KiB");
                        }
                        Some(Err(_)) => break close(CloseCode::Protocol, "protocol error"),
                        None => break None,
                    }
                }
                event = outbound.recv() => match event {
                    Some(payload) => {
                        if session.text(payload).await.is_err() {
                            break None;
                        }
                    }
                    // The hub cut this socket loose: it could not keep up.
                    None => break close(CloseCode::Again, "too slow; reconnect and resume"),
                },
                _ = heartbeat.tick() => {
                    if last_heard.elapsed() > idle_timeout {
                        break close(CloseCode::Normal, "idle timeout");
                    }
                    if session.ping(b"").await.is_err() {
                        break None;
                    }
                }
                Some(reply) = posts.next(), if !posts.is_empty() => {
                    if let Some(reply) = reply
                        && session.text(encode(&reply)).await.is_err()
                    {
                        break None;
                    }
                }
                _ = shutdown.changed() => {
                    // Finish in-flight writes: their senders get their answers before 1001.
                    while let Some(reply) = posts.next().await {
                        if let Some(reply) = reply {
                            let _ = session.text(encode(&reply)).await;
                        }
                    }
                    break close(CloseCode::Away, "server shutting down");
                }
            }
        }
    };
    drop(registration);
    let _ = session.close(reason).await;
    drop(presence);
}
