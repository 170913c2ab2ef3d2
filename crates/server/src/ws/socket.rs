//! One socket's life: a loop over its inputs (frames from the client, events queued for it by
//! the hub, the heartbeat tick, the replies of its posts still being committed, the end of its
//! session or of its token, the server's shutdown). Slow, silent or oversized peers are closed
//! with the matching close code; every send has a deadline, so a peer that stops reading
//! cannot hold the socket (or the user's presence) open.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_ws::{AggregatedMessage, AggregatedMessageStream, CloseCode, CloseReason, Session};
use chat_protocol::{ErrorCode, ServerEvent, UserId};
use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;

use super::commands::{Reply, handle_frame};
use crate::auth::jwt::Caller;
use crate::realtime::{SocketLink, encode};
use crate::services::presence::{SocketChange, socket_changed};
use crate::state::AppState;

/// Posts a socket may have waiting for their commit before it stops reading frames.
const MAX_PENDING_POSTS: usize = 256;
/// How long one send (or the close handshake) may wait for a peer that is not reading.
const SEND_TIMEOUT: Duration = Duration::from_secs(10);
/// Close code for a socket whose session ended or whose token expired: renew and reconnect.
const SESSION_OVER: u16 = 4001;

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

fn too_slow() -> Option<CloseReason> {
    close(CloseCode::Again, "too slow; reconnect and resume")
}

/// Runs a send with a deadline: `Err` carries why the socket must stop (the peer is gone, or
/// it stopped reading).
async fn within<E>(send: impl Future<Output = Result<(), E>>) -> Result<(), Option<CloseReason>> {
    match tokio::time::timeout(SEND_TIMEOUT, send).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(_)) => Err(None),
        Err(_) => Err(too_slow()),
    }
}

/// When the access token the socket was opened with expires, as an instant.
fn token_deadline(caller: &Caller) -> tokio::time::Instant {
    let left = caller.expires_at - chrono::Utc::now().timestamp();
    tokio::time::Instant::now() + Duration::from_secs(u64::try_from(left).unwrap_or(0))
}

/// Runs one socket until it closes, whatever the reason; its registration and presence are
/// released on every exit path, before the close handshake (which a vanished peer may never
/// answer).
pub(super) async fn serve(
    state: Arc<AppState>,
    caller: Caller,
    link: SocketLink,
    mut session: Session,
    mut stream: AggregatedMessageStream,
) {
    let SocketLink {
        registration,
        events: mut outbound,
        mut session_ended,
    } = link;
    let user = caller.user.clone();
    let realtime = state.realtime();
    let presence = PresenceGuard::open(state.clone(), user.id);
    let mut shutdown = realtime.shutdown_signal();
    let idle_timeout = realtime.idle_timeout();
    let mut heartbeat = tokio::time::interval((idle_timeout / 3).max(Duration::from_millis(100)));
    heartbeat.tick().await;
    let token_expires = tokio::time::sleep_until(token_deadline(&caller));
    tokio::pin!(token_expires);
    let mut last_heard = Instant::now();
    let mut posts = FuturesUnordered::new();
    let mut budget = realtime.command_budget();

    let ready = encode(&ServerEvent::Ready { user: user.clone() });
    let reason = match within(session.text(ready)).await {
        Err(reason) => reason,
        Ok(()) => loop {
            tokio::select! {
                // While too many of its posts await their commit, the socket reads no more.
                frame = stream.recv(), if posts.len() < MAX_PENDING_POSTS => {
                    last_heard = Instant::now();
                    let sent = match frame {
                        Some(Ok(AggregatedMessage::Text(text))) => {
                            // Boxed: kept out of every idle socket's task state, allocated only while a frame runs.
                            match Box::pin(handle_frame(&state, &user, &mut budget, &text)).await {
                                Reply::Nothing => Ok(()),
                                Reply::Now(reply) => within(session.text(encode(&reply))).await,
                                Reply::Later(pending) => {
                                    posts.push(pending);
                                    Ok(())
                                }
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
                            within(session.text(encode(&refusal))).await
                        }
                        Some(Ok(AggregatedMessage::Ping(bytes))) => within(session.pong(&bytes)).await,
                        Some(Ok(AggregatedMessage::Pong(_))) => Ok(()),
                        Some(Ok(AggregatedMessage::Close(reason))) => Err(reason),
                        Some(Err(actix_ws::ProtocolError::Overflow)) => {
                            Err(close(CloseCode::Size, "frame larger than 64 KiB"))
                        }
                        Some(Err(_)) => Err(close(CloseCode::Protocol, "protocol error")),
                        None => Err(None),
                    };
                    if let Err(reason) = sent {
                        break reason;
                    }
                }
                event = outbound.recv() => match event {
                    Some(item) => {
                        if let Err(reason) = within(session.text(item.payload)).await {
                            break reason;
                        }
                        if let Some(stored_at_ms) = item.stored_at_ms {
                            state.metrics().observe_fanout(stored_at_ms);
                        }
                    }
                    // The hub cut this socket loose: it could not keep up.
                    None => break too_slow(),
                },
                _ = heartbeat.tick() => {
                    if last_heard.elapsed() > idle_timeout {
                        break close(CloseCode::Normal, "idle timeout");
                    }
                    if let Err(reason) = within(session.ping(b"")).await {
                        break reason;
                    }
                }
                Some(reply) = posts.next(), if !posts.is_empty() => {
                    if let Some(reply) = reply
                        && let Err(reason) = within(session.text(encode(&reply))).await
                    {
                        break reason;
                    }
                }
                _ = &mut session_ended => break close(CloseCode::Other(SESSION_OVER), "session_revoked"),
                () = &mut token_expires => break close(CloseCode::Other(SESSION_OVER), "token_expired"),
                _ = shutdown.changed() => {
                    // Finish in-flight writes: their senders get their answers before 1001.
                    while let Some(reply) = posts.next().await {
                        if let Some(reply) = reply
                            && within(session.text(encode(&reply))).await.is_err()
                        {
                            break;
                        }
                    }
                    break close(CloseCode::Away, "server shutting down");
                }
            }
        },
    };
    drop(registration);
    drop(presence);
    let _ = tokio::time::timeout(SEND_TIMEOUT, session.close(reason)).await;
}
