//! One benchmark socket: connects (optionally from a chosen 127.0.0.x source address), writes
//! through a queue that batches frames, and parses events leniently, because the baseline
//! server sends a subset of the contract's fields (no `seq`, integer user ids).

use std::net::{IpAddr, SocketAddr};

use chat_protocol::ClientCommand;
use futures_util::stream::SplitStream;
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use serde::de::IgnoredAny;
use tokio::net::{TcpSocket, TcpStream};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message as Frame;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::{WebSocketStream, client_async_with_config};

use crate::{BenchError, Target};

const CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

pub(crate) type Reader = SplitStream<WebSocketStream<TcpStream>>;

/// Sends frames for a socket; a background task writes them, flushing once per burst.
#[derive(Clone)]
pub(crate) struct Writer(mpsc::UnboundedSender<Frame>);

impl Writer {
    pub(crate) fn command(&self, command: &ClientCommand) -> bool {
        match serde_json::to_string(command) {
            Ok(text) => self.0.send(Frame::text(text)).is_ok(),
            Err(_) => false,
        }
    }

    pub(crate) fn close(&self) {
        let _ = self.0.send(Frame::Close(None));
    }
}

fn small_buffers() -> WebSocketConfig {
    // Idle sockets are the point of some runs: keep the client's own footprint small.
    WebSocketConfig::default()
        .read_buffer_size(4096)
        .write_buffer_size(0)
}

pub(crate) async fn connect(
    target: &Target,
    token: &str,
    source: Option<IpAddr>,
) -> Result<(Writer, Reader), BenchError> {
    let server = SocketAddr::new(target.host, target.port);
    let socket = TcpSocket::new_v4()?;
    if let Some(ip) = source {
        socket.bind(SocketAddr::new(ip, 0))?;
    }
    let url = format!("{}?access_token={token}", target.ws);
    // A server out of descriptors leaves handshakes waiting in its backlog forever.
    let handshake = async {
        let stream = socket.connect(server).await?;
        stream.set_nodelay(true)?;
        let (ws, _) = client_async_with_config(url, stream, Some(small_buffers()))
            .await
            .map_err(Box::new)?;
        Ok::<_, BenchError>(ws)
    };
    let ws = tokio::time::timeout(CONNECT_TIMEOUT, handshake)
        .await
        .map_err(|_| BenchError::Setup("connect timed out".into()))??;
    let (mut sink, reader) = ws.split();
    let (tx, mut rx) = mpsc::unbounded_channel::<Frame>();
    tokio::spawn(async move {
        while let Some(frame) = rx.recv().await {
            let closing = matches!(frame, Frame::Close(_));
            if sink.feed(frame).await.is_err() {
                return;
            }
            while let Ok(frame) = rx.try_recv() {
                if sink.feed(frame).await.is_err() {
                    return;
                }
            }
            if sink.flush().await.is_err() || closing {
                return;
            }
        }
    });
    Ok((Writer(tx), reader))
}

#[derive(Debug, Deserialize)]
pub(crate) struct Event<'a> {
    #[serde(rename = "type", borrow)]
    pub kind: &'a str,
    #[serde(borrow)]
    pub message: Option<EventMessage<'a>>,
    pub messages: Option<Vec<MessageSeq>>,
    pub has_more: Option<bool>,
    #[serde(borrow)]
    pub request_id: Option<&'a str>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct EventMessage<'a> {
    #[serde(borrow)]
    pub chat_id: &'a str,
    pub seq: Option<i64>,
    #[serde(borrow)]
    pub content: &'a str,
}

#[derive(Debug, Deserialize)]
pub(crate) struct MessageSeq {
    pub seq: Option<i64>,
    #[serde(default)]
    pub content: Option<String>,
    #[serde(default)]
    _rest: Option<IgnoredAny>,
}

pub(crate) fn parse(text: &str) -> Option<Event<'_>> {
    serde_json::from_str(text).ok()
}

/// Reads the next text frame; `None` when the socket ended.
pub(crate) async fn next_text(
    reader: &mut Reader,
) -> Option<tokio_tungstenite::tungstenite::Utf8Bytes> {
    loop {
        match reader.next().await? {
            Ok(Frame::Text(text)) => return Some(text),
            Ok(Frame::Close(_)) | Err(_) => return None,
            Ok(_) => continue,
        }
    }
}

/// The bench's message body: who sent it, its number from that sender, and when (ns since the
/// run's start), so receivers can measure latency and check loss, duplicates and order.
pub(crate) fn body(sender: usize, counter: u64, sent_ns: u64) -> String {
    format!("b:{sender}:{counter}:{sent_ns}")
}

pub(crate) fn parse_body(content: &str) -> Option<(usize, u64, u64)> {
    let mut parts = content.strip_prefix("b:")?.split(':');
    Some((
        parts.next()?.parse().ok()?,
        parts.next()?.parse().ok()?,
        parts.next()?.parse().ok()?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_round_trip() {
        assert_eq!(parse_body(&body(7, 42, 123_456)), Some((7, 42, 123_456)));
        assert_eq!(parse_body("hello"), None);
        assert_eq!(parse_body("b:1:2"), None);
    }

    #[test]
    fn parses_both_servers_events() {
        let ours = r#"{"type":"new_message","message":{"id":1,"chat_id":"c","seq":3,"sender":{"id":"u","username":"a"},"content":"b:1:2:3","client_id":null,"created_at":"x","edited_at":null,"deleted":false}}"#;
        let e = parse(ours).unwrap();
        assert_eq!(e.kind, "new_message");
        assert_eq!(e.message.as_ref().unwrap().seq, Some(3));
        let baseline = r#"{"type":"new_message","message":{"id":1,"chat_id":"c","sender":{"id":5,"username":"a"},"content":"b:1:2:3","created_at":"x","client_id":"q"}}"#;
        let e = parse(baseline).unwrap();
        assert_eq!(e.message.unwrap().seq, None);
        let page = r#"{"type":"messages","chat_id":"c","messages":[{"seq":1,"content":"x"}],"has_more":false,"request_id":"r"}"#;
        let e = parse(page).unwrap();
        assert_eq!(e.messages.unwrap().len(), 1);
        assert_eq!(e.request_id, Some("r"));
    }
}
