//! The app's one WebSocket: connects with the access token, reports the server's events,
//! reconnects with exponential backoff and jitter, asks a quiet server whether it is still
//! there (`ping`, see `heartbeat`), and says where it stands. What the events
//! mean for the app's data is the state's business, never this module's.
//!
//! One task owns the socket. Everything else talks to it through [`Socket`] (a channel), so
//! there is never a second connection and sign-out can stop it cleanly.

use std::cell::Cell;
use std::rc::Rc;

use chat_protocol::{ClientCommand, ServerEvent};
use futures::channel::mpsc::{UnboundedReceiver, UnboundedSender, unbounded};
use futures::future::{Either, select};
use futures::{SinkExt, StreamExt};
use gloo_net::websocket::futures::WebSocket;
use gloo_net::websocket::{Message, WebSocketError};
use gloo_timers::future::TimeoutFuture;
use leptos::prelude::*;

use super::api::Api;
use super::error::ApiError;
use super::heartbeat::{Beat, CHECK_EVERY_MS, Heartbeat};
use super::reconnect::{Backoff, ConnStatus};

/// What the socket tells the app.
#[derive(Debug, Clone)]
pub(crate) enum SocketEvent {
    Status(ConnStatus),
    /// A frame from the server (`ready` first on every connection).
    Server(Box<ServerEvent>),
    /// A connection that had been ready closed.
    Lost,
}

enum Control {
    Send(ClientCommand),
    RetryNow,
    Stop,
}

/// Handle to the socket task; cheap to clone.
#[derive(Clone)]
pub(crate) struct Socket {
    tx: UnboundedSender<Control>,
    ready: Rc<Cell<bool>>,
}

enum Ended {
    /// Sign-out or the app went away.
    Stopped,
    /// The session cannot be renewed: stop trying.
    SignedOut,
    /// The connection failed or closed; `was_ready` if the server had said `ready`.
    Closed { was_ready: bool },
    /// The server closed it with 4001: the token it was opened with expired, or the session was
    /// revoked. Renew and reconnect at once (no backoff, nothing shown).
    Renew {
        was_ready: bool,
        revoked: bool,
        token: String,
    },
}

/// The close code for "renew your token and reconnect" (`token_expired`, `session_revoked`).
const CLOSE_RENEW: u16 = 4001;

impl Socket {
    /// Starts the socket task. `on_event` runs for every status change and server event.
    pub(crate) fn start(api: Api, on_event: Rc<dyn Fn(SocketEvent)>) -> Self {
        let (tx, rx) = unbounded();
        let ready = Rc::new(Cell::new(false));
        leptos::task::spawn_local(run(api, rx, on_event, ready.clone()));
        Self { tx, ready }
    }

    /// Whether the server has said `ready` on the current connection.
    pub(crate) fn is_ready(&self) -> bool {
        self.ready.get()
    }

    /// Sends a command if connected; false if it was dropped (the caller keeps what must not be
    /// lost, like messages in the outbox, and sends it again once connected).
    pub(crate) fn send(&self, command: ClientCommand) -> bool {
        self.is_ready() && self.tx.unbounded_send(Control::Send(command)).is_ok()
    }

    /// Skips the rest of the backoff wait (the "retry now" button, the browser going online).
    pub(crate) fn retry_now(&self) {
        let _ = self.tx.unbounded_send(Control::RetryNow);
    }

    pub(crate) fn stop(&self) {
        let _ = self.tx.unbounded_send(Control::Stop);
    }
}

/// After a 4001 close: a revoked session is checked by renewing (which ends the session, with a
/// calm word for the sign-in page, if it really is gone); an expired token is renewed unless a
/// newer one is already at hand.
async fn renew_after_close(api: &Api, revoked: bool, closed_token: &str) -> Result<(), ApiError> {
    let session = api.session();
    if revoked {
        return match session.refresh().await {
            Err(ApiError::SignedOut) => {
                session.ended_elsewhere();
                Err(ApiError::SignedOut)
            }
            other => other,
        };
    }
    if session.access_token().as_deref() == Some(closed_token) {
        session.refresh().await
    } else {
        Ok(())
    }
}

/// The socket address for a page served from `page_protocol` (`"https:"`/`"http:"`) and `host`.
/// No token in it: Chromium prints the URL of every failed connection to the console.
fn ws_url(page_protocol: &str, host: &str) -> String {
    let scheme = if page_protocol == "https:" {
        "wss"
    } else {
        "ws"
    };
    format!("{scheme}://{host}/ws")
}

/// The subprotocols offered: `chat` (the one the server picks) and the token as `token.<jwt>`
/// (browsers cannot set an Authorization header on a WebSocket).
fn ws_protocols(access_token: &str) -> [String; 2] {
    ["chat".to_owned(), format!("token.{access_token}")]
}

fn page_ws_url() -> String {
    let location = window().location();
    ws_url(
        &location.protocol().unwrap_or_default(),
        &location.host().unwrap_or_default(),
    )
}

async fn run(
    api: Api,
    mut rx: UnboundedReceiver<Control>,
    on_event: Rc<dyn Fn(SocketEvent)>,
    ready: Rc<Cell<bool>>,
) {
    let mut backoff = Backoff::default();
    let mut last_failed_early = false;
    // Renewals in a row without a `ready` in between: a second one falls back to the backoff,
    // so a server that keeps closing with 4001 is never hammered.
    let mut renewals_unanswered = 0u32;
    'connect: loop {
        on_event(SocketEvent::Status(ConnStatus::Connecting));
        let ended = connect_once(
            &api,
            &mut rx,
            &on_event,
            &ready,
            &mut backoff,
            last_failed_early,
        )
        .await;
        ready.set(false);
        match ended {
            Ended::Stopped | Ended::SignedOut => break 'connect,
            Ended::Closed { was_ready } => {
                if was_ready {
                    on_event(SocketEvent::Lost);
                }
                last_failed_early = !was_ready;
            }
            Ended::Renew {
                was_ready,
                revoked,
                token,
            } => {
                if was_ready {
                    on_event(SocketEvent::Lost);
                    renewals_unanswered = 0;
                }
                renewals_unanswered += 1;
                if renewals_unanswered <= 1 {
                    match renew_after_close(&api, revoked, &token).await {
                        Ok(()) => {
                            last_failed_early = false;
                            continue 'connect;
                        }
                        Err(ApiError::SignedOut) => break 'connect,
                        Err(_) => last_failed_early = true,
                    }
                } else {
                    last_failed_early = true;
                }
            }
        }

        let delay = backoff.next_delay(js_sys::Math::random());
        on_event(SocketEvent::Status(ConnStatus::Offline {
            retry_at_ms: js_sys::Date::now() + f64::from(delay),
        }));
        let mut sleep = TimeoutFuture::new(delay);
        loop {
            match select(&mut sleep, rx.next()).await {
                Either::Left(((), _)) => break,
                Either::Right((Some(Control::RetryNow), _)) => break,
                // Not connected: commands are dropped; the outbox resends messages later.
                Either::Right((Some(Control::Send(_)), _)) => {}
                Either::Right((Some(Control::Stop) | None, _)) => break 'connect,
            }
        }
    }
    on_event(SocketEvent::Status(ConnStatus::Stopped));
}

async fn connect_once(
    api: &Api,
    rx: &mut UnboundedReceiver<Control>,
    on_event: &Rc<dyn Fn(SocketEvent)>,
    ready: &Rc<Cell<bool>>,
    backoff: &mut Backoff,
    probe_first: bool,
) -> Ended {
    // A browser cannot see why an upgrade failed (401 and "server down" look the same), so after
    // a failed attempt ask the REST API first: it renews an expired token, or fails fast while
    // the server is unreachable.
    if probe_first {
        match api.me().await {
            Ok(_) => {}
            Err(ApiError::SignedOut) => return Ended::SignedOut,
            Err(_) => return Ended::Closed { was_ready: false },
        }
    }
    let token = match api.session().fresh_access_token().await {
        Ok(t) => t,
        Err(ApiError::SignedOut) => return Ended::SignedOut,
        Err(_) => return Ended::Closed { was_ready: false },
    };
    let protocols = ws_protocols(&token);
    let protocols = protocols.each_ref().map(String::as_str);
    let Ok(ws) = WebSocket::open_with_protocols(&page_ws_url(), &protocols) else {
        return Ended::Closed { was_ready: false };
    };
    let (mut sink, mut stream) = ws.split();
    let mut heartbeat = Heartbeat::new(js_sys::Date::now());
    // One timer at a time, made again only when it fires (not once per frame).
    let mut tick = TimeoutFuture::new(CHECK_EVERY_MS);
    loop {
        let next = select(select(stream.next(), rx.next()), &mut tick).await;
        let now = js_sys::Date::now();
        let outgoing = match next {
            Either::Right(((), _)) => {
                tick = TimeoutFuture::new(CHECK_EVERY_MS);
                if !ready.get() {
                    continue;
                }
                match heartbeat.check(now) {
                    Beat::Nothing => continue,
                    Beat::Ask => ClientCommand::Ping {},
                    Beat::Stalled => {
                        on_event(SocketEvent::Status(ConnStatus::Stalled));
                        continue;
                    }
                    // Dropping both halves closes it; what was missed is fetched on reconnect.
                    Beat::GiveUp => return Ended::Closed { was_ready: true },
                }
            }
            Either::Left((Either::Left((frame, _)), _)) => match frame {
                Some(Ok(Message::Text(text))) => {
                    if heartbeat.heard(now) && ready.get() {
                        on_event(SocketEvent::Status(ConnStatus::Online));
                    }
                    match serde_json::from_str::<ServerEvent>(&text) {
                        Ok(ServerEvent::Pong) => {}
                        Ok(event) => {
                            if matches!(event, ServerEvent::Ready { .. }) {
                                ready.set(true);
                                backoff.reset();
                                on_event(SocketEvent::Status(ConnStatus::Online));
                            }
                            on_event(SocketEvent::Server(Box::new(event)));
                        }
                        Err(e) => leptos::logging::warn!("unreadable frame from the server: {e}"),
                    }
                    continue;
                }
                Some(Ok(Message::Bytes(_))) => {
                    heartbeat.heard(now);
                    continue;
                }
                Some(Err(WebSocketError::ConnectionClose(close))) if close.code == CLOSE_RENEW => {
                    return Ended::Renew {
                        was_ready: ready.get(),
                        revoked: close.reason == "session_revoked",
                        token,
                    };
                }
                Some(Err(_)) | None => {
                    return Ended::Closed {
                        was_ready: ready.get(),
                    };
                }
            },
            Either::Left((Either::Right((control, _)), _)) => match control {
                Some(Control::Send(command)) if ready.get() => command,
                Some(Control::Send(_) | Control::RetryNow) => continue,
                Some(Control::Stop) | None => {
                    // Dropping both halves closes the socket.
                    return Ended::Stopped;
                }
            },
        };
        let frame = match serde_json::to_string(&outgoing) {
            Ok(f) => f,
            Err(e) => {
                leptos::logging::warn!("cannot encode a command: {e}");
                continue;
            }
        };
        if sink.send(Message::Text(frame)).await.is_err() {
            return Ended::Closed { was_ready: true };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{ws_protocols, ws_url};

    #[test]
    fn socket_urls_follow_the_page_and_carry_no_token() {
        assert_eq!(ws_url("http:", "127.0.0.1:8080"), "ws://127.0.0.1:8080/ws");
        assert_eq!(ws_url("https:", "chat.example"), "wss://chat.example/ws");
        assert_eq!(ws_protocols("abc.def"), ["chat", "token.abc.def"]);
    }
}
