//! A WebSocket test client over tokio-tungstenite that speaks the protocol crate's types.

use std::time::Duration;

use chat_protocol::{ClientCommand, ServerEvent};
use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::{Error as WsError, Message as Frame};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async};
use uuid::Uuid;

use chat_protocol::{AuthResponse, Chat, ChatId};

use super::{Api, TestServer};

pub const WAIT: Duration = Duration::from_secs(10);

pub struct Socket {
    inner: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

/// How an upgrade attempt ended.
pub enum Upgrade {
    Open(Box<Socket>),
    Refused(u16),
}

/// What [`TestServer::duo`] makes: `(alice, a, bob, b, chat, sa, sb)`, as the tests name them.
pub type Duo = (Api, AuthResponse, Api, AuthResponse, Chat, Socket, Socket);

impl TestServer {
    /// Alice and Bob (fresh users: their clients and sign-ins), the direct chat Alice opened
    /// with Bob, and a socket each, opened after the chat was made.
    pub async fn duo(&self) -> Duo {
        let (alice, a) = self.user("alice").await;
        let (bob, b) = self.user("bob").await;
        let chat = alice.create_chat(&[&b.user], None).await;
        let sa = self.socket(&a.access_token).await;
        let sb = self.socket(&b.access_token).await;
        (alice, a, bob, b, chat, sa, sb)
    }

    /// Opens a socket with `?access_token=` and waits for `ready`.
    pub async fn socket(&self, token: &str) -> Socket {
        let url = format!("{}?access_token={token}", self.ws_url());
        let mut socket = match Socket::connect(url.into_client_request().expect("url")).await {
            Upgrade::Open(s) => *s,
            Upgrade::Refused(status) => panic!("socket refused with {status}"),
        };
        match socket.next_event().await {
            ServerEvent::Ready { .. } => socket,
            other => panic!("expected ready first, got {other:?}"),
        }
    }
}

impl Socket {
    pub async fn connect(
        request: tokio_tungstenite::tungstenite::handshake::client::Request,
    ) -> Upgrade {
        match connect_async(request).await {
            Ok((inner, _)) => Upgrade::Open(Box::new(Self { inner })),
            Err(WsError::Http(resp)) => Upgrade::Refused(resp.status().as_u16()),
            Err(e) => panic!("connect failed: {e}"),
        }
    }

    pub async fn send(&mut self, command: &ClientCommand) {
        let text = serde_json::to_string(command).expect("serialize");
        self.send_raw(Frame::text(text)).await;
    }

    /// Sends a `new_message` with a fresh `client_id`; returns that id.
    pub async fn send_message(&mut self, chat_id: ChatId, content: &str) -> Uuid {
        let (command, client_id) = super::events::send(chat_id, content);
        self.send(&command).await;
        client_id
    }

    pub async fn send_raw(&mut self, frame: Frame) {
        self.inner.send(frame).await.expect("send frame");
    }

    /// The next event, failing the test after 10 s or on close.
    pub async fn next_event(&mut self) -> ServerEvent {
        match self.next_within(WAIT).await {
            Some(event) => event,
            None => panic!("no event within {WAIT:?}"),
        }
    }

    /// The next event within `wait`, or `None` if nothing came.
    pub async fn next_within(&mut self, wait: Duration) -> Option<ServerEvent> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let frame = tokio::time::timeout_at(deadline, self.inner.next())
                .await
                .ok()?;
            match frame {
                Some(Ok(Frame::Text(text))) => {
                    return Some(
                        serde_json::from_str(&text)
                            .unwrap_or_else(|e| panic!("event does not parse ({e}): {text}")),
                    );
                }
                Some(Ok(Frame::Close(frame))) => panic!("socket closed: {frame:?}"),
                Some(Ok(_)) => continue,
                Some(Err(e)) => panic!("socket error: {e}"),
                None => panic!("socket ended"),
            }
        }
    }

    /// Skips events until one matches, failing after 10 s.
    pub async fn wait_for<T>(&mut self, mut pick: impl FnMut(ServerEvent) -> Option<T>) -> T {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let event = self
                .next_within(left)
                .await
                .expect("expected event did not arrive within 10 s");
            if let Some(found) = pick(event) {
                return found;
            }
        }
    }

    /// Asserts that nothing but pings arrives for `wait`.
    pub async fn assert_quiet(&mut self, wait: Duration) {
        if let Some(event) = self.next_within(wait).await {
            panic!("expected no event, got {event:?}");
        }
    }

    /// Asserts that nothing but presence changes (of people connecting meanwhile) arrives.
    pub async fn assert_no_chat_events(&mut self, wait: Duration) {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.next_within(left).await {
                None => return,
                Some(ServerEvent::Presence { .. }) => continue,
                Some(event) => panic!("expected no chat event, got {event:?}"),
            }
        }
    }

    /// Waits for the server to close the socket; returns the close frame.
    pub async fn closed(&mut self) -> Option<CloseFrame> {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            match tokio::time::timeout_at(deadline, self.inner.next()).await {
                Err(_) => panic!("socket not closed within {WAIT:?}"),
                Ok(Some(Ok(Frame::Close(frame)))) => return frame,
                Ok(Some(Ok(_))) => continue,
                Ok(Some(Err(_))) | Ok(None) => return None,
            }
        }
    }

    /// Closes from the client side and waits until the server acknowledged.
    pub async fn close(mut self) {
        let _ = self.inner.close(None).await;
        while let Ok(Some(Ok(_))) = tokio::time::timeout(WAIT, self.inner.next()).await {}
    }
}
