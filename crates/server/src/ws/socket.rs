//! One socket's life: a loop over three inputs (frames from the client, events queued for
//! this socket by the hub, the heartbeat tick) plus the replies of its posts still being
//! committed. Slow, silent or oversized peers are closed with the matching close code.

use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_ws::{AggregatedMessage, AggregatedMessageStream, CloseCode, CloseReason, Session};
use chat_protocol::{ErrorCode, ServerEvent, User, UserId};
use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;

use super::commands::{Reply, handle_frame};
use crate::realtime::encode;
use crate::services::presence::{SocketChange, socket_changed};
use crate::state::AppState;

/// Posts a socket may have waiting for their commit before it stops reading frames.
const MAX_PENDING_POSTS: usize = 256;

/// Counts the socket for presence while alive; the drop announces the close on every exit path.
struct PresenceGuard {
    state: Arc<AppState>,
    user: UserId,
}

impl PresenceGuard {
    fn open(state: Arc<AppState>, user: UserId) -> Self {
        socket_changed(state.clone(), user, SocketChange::Opened);
        state.metrics().sockets_open.inc();
        Self { state, user }
    }
}

impl Drop for PresenceGuard {
    fn drop(&mut self) {
        self.state.metrics().sockets_open.dec();
        socket_changed(self.state.clone(), self.user, SocketChange::Closed);
    }
}

fn close(code: CloseCode, description: &str) -> Option<CloseReason> {
    Some(CloseReason {
        code,
        description: Some(description.to_owned()),
    })
}

/// Runs one socket until it closes, whatever the reason; its registration and presence are
/// released on every exit path.
pub(super) async fn serve(
    state: Arc<AppState>,
    user: User,
    mut session: Session,
    mut stream: AggregatedMessageStream,
) {
    let realtime = state.realtime();
    let (registration, mut outbound) = realtime.register(user.id);
    let presence = PresenceGuard::open(state.clone(), user.id);
    let mut shutdown = realtime.shutdown_signal();
    let idle_timeout = realtime.idle_timeout();
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
