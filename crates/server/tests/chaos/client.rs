//! A chat client that behaves like the web app under faults: it keeps one socket open to
//! whichever instance answers, sends messages with a `client_id` and retries the unanswered
//! ones, edits and deletes some of its own, resumes every chat after a reconnect or a `resync`
//! (`after_seq`, then `after_version`), and logs every delivery for the judgement.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chat_protocol::{ChatId, ClientCommand, Message, MessageId, ServerEvent, UserId};
use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message as Frame;
use uuid::Uuid;

use crate::log::ChatLog;

/// Between two messages of one client.
const SEND_EVERY: Duration = Duration::from_millis(60);
/// An unanswered send is sent again after this long (same `client_id`).
const RETRY_AFTER: Duration = Duration::from_secs(2);
const PAGE: u32 = 100;

struct Pending {
    chat: ChatId,
    content: String,
    sent_at: Instant,
}

/// What the client did and received, read by the test while it runs and at the end.
#[derive(Default)]
pub(crate) struct Record {
    pub(crate) chats: HashMap<ChatId, ChatLog>,
    /// Sends whose echo (or retry answer) arrived: client id → seq.
    pub(crate) acked: HashMap<Uuid, (ChatId, i64)>,
    pub(crate) sent: u64,
    pub(crate) edits: u64,
    pub(crate) deletes: u64,
    pub(crate) reconnects: u64,
    pending: HashMap<Uuid, Pending>,
    /// Sends sent more than once: their answers come outside the chat's order.
    retried: HashSet<Uuid>,
    /// Own acknowledged messages still there, for edits and deletes.
    mine: Vec<MessageId>,
}

impl Record {
    pub(crate) fn pending(&self) -> usize {
        self.pending.len()
    }

    /// Sends that had to be sent again.
    pub(crate) fn retries(&self) -> usize {
        self.retried.len()
    }
}

pub(crate) struct Client {
    pub(crate) user: UserId,
    pub(crate) token: String,
    pub(crate) chats: Vec<ChatId>,
    /// The instances' socket URLs; `preferred` is tried first.
    pub(crate) urls: Vec<String>,
    pub(crate) preferred: usize,
    pub(crate) record: Arc<Mutex<Record>>,
    pub(crate) sending: Arc<AtomicBool>,
    pub(crate) stop: Arc<AtomicBool>,
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

impl Client {
    fn record(&self) -> std::sync::MutexGuard<'_, Record> {
        self.record.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs until `stop`: connects, resumes, talks, and reconnects whenever the socket ends.
    pub(crate) async fn run(self) {
        {
            let mut record = self.record();
            for chat in &self.chats {
                record.chats.entry(*chat).or_default();
            }
        }
        let mut attempt = 0usize;
        let mut first = true;
        while !self.stop.load(Ordering::Relaxed) {
            let url = &self.urls[(self.preferred + attempt) % self.urls.len()];
            attempt += 1;
            let Some(socket) = self.open(url).await else {
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            };
            attempt = 0;
            if !first {
                self.record().reconnects += 1;
            }
            first = false;
            self.talk(socket).await;
        }
    }

    async fn open(&self, url: &str) -> Option<Socket> {
        let url = format!("{url}?access_token={}", self.token);
        let connect = tokio_tungstenite::connect_async(url);
        let (mut socket, _) = tokio::time::timeout(Duration::from_secs(2), connect)
            .await
            .ok()?
            .ok()?;
        let first = tokio::time::timeout(Duration::from_secs(5), socket.next())
            .await
            .ok()??
            .ok()?;
        let text = first.into_text().ok()?;
        match serde_json::from_str::<ServerEvent>(&text).ok()? {
            ServerEvent::Ready { .. } => Some(socket),
            _ => None,
        }
    }

    /// One socket's life: resume, then events and the send loop until the socket ends.
    async fn talk(&self, socket: Socket) {
        let (mut sink, mut stream) = socket.split();
        let mut out: Vec<ClientCommand> = Vec::new();
        {
            let mut record = self.record();
            for chat in &self.chats {
                let log = record.chats.entry(*chat).or_default();
                log.reconnected();
                out.extend(resume(*chat, log));
            }
            // Whatever was never answered goes again on the new socket.
            let now = Instant::now();
            let Record {
                pending, retried, ..
            } = &mut *record;
            for (client_id, pending) in pending.iter_mut() {
                pending.sent_at = now;
                retried.insert(*client_id);
                out.push(ClientCommand::NewMessage {
                    chat_id: pending.chat,
                    content: pending.content.clone(),
                    client_id: *client_id,
                    reply_to: None,
                    attachments: Vec::new(),
                });
            }
        }
        let mut tick = tokio::time::interval(SEND_EVERY);
        let mut counter = 0u64;
        loop {
            for command in out.drain(..) {
                let Ok(text) = serde_json::to_string(&command) else {
                    continue;
                };
                if sink.send(Frame::text(text)).await.is_err() {
                    return;
                }
            }
            if self.stop.load(Ordering::Relaxed) {
                let _ = sink.send(Frame::Close(None)).await;
                return;
            }
            tokio::select! {
                frame = stream.next() => match frame {
                    Some(Ok(Frame::Text(text))) => {
                        if let Ok(event) = serde_json::from_str::<ServerEvent>(&text) {
                            self.on_event(event, &mut out);
                        }
                    }
                    Some(Ok(Frame::Close(_)) | Err(_)) | None => return,
                    Some(Ok(_)) => {}
                },
                _ = tick.tick() => {
                    counter += 1;
                    self.on_tick(counter, &mut out);
                }
            }
        }
    }

    fn on_tick(&self, counter: u64, out: &mut Vec<ClientCommand>) {
        let mut record = self.record();
        let now = Instant::now();
        let Record {
            pending, retried, ..
        } = &mut *record;
        for (client_id, pending) in pending.iter_mut() {
            if now.duration_since(pending.sent_at) >= RETRY_AFTER {
                pending.sent_at = now;
                retried.insert(*client_id);
                out.push(ClientCommand::NewMessage {
                    chat_id: pending.chat,
                    content: pending.content.clone(),
                    client_id: *client_id,
                    reply_to: None,
                    attachments: Vec::new(),
                });
            }
        }
        if !self.sending.load(Ordering::Relaxed) {
            return;
        }
        let chat = self.chats[counter as usize % self.chats.len()];
        let client_id = Uuid::new_v4();
        let content = format!("{}:{counter}", self.user);
        record.sent += 1;
        record.pending.insert(
            client_id,
            Pending {
                chat,
                content: content.clone(),
                sent_at: now,
            },
        );
        out.push(ClientCommand::NewMessage {
            chat_id: chat,
            content,
            client_id,
            reply_to: None,
            attachments: Vec::new(),
        });
        // Now and then, change one of its own messages: the oldest is edited, or deleted.
        if counter.is_multiple_of(5)
            && let Some(&message_id) = record.mine.first()
        {
            if counter.is_multiple_of(15) {
                record.mine.remove(0);
                record.deletes += 1;
                out.push(ClientCommand::DeleteMessage { message_id });
            } else {
                record.edits += 1;
                out.push(ClientCommand::EditMessage {
                    message_id,
                    content: format!("edited {counter}"),
                });
            }
        }
    }

    fn on_event(&self, event: ServerEvent, out: &mut Vec<ClientCommand>) {
        let mut record = self.record();
        match event {
            ServerEvent::NewMessage { message } => {
                let retry_answer = message.sender.id == self.user
                    && message
                        .client_id
                        .is_some_and(|id| record.retried.contains(&id));
                if let Some(log) = record.chats.get_mut(&message.chat_id) {
                    if retry_answer {
                        log.answer(message.seq, &message.content, message.version);
                    } else {
                        log.live(message.seq, &message.content, message.version);
                    }
                }
                self.acknowledge(&mut record, &message);
            }
            ServerEvent::Messages {
                chat_id,
                messages,
                has_more,
                request_id,
            } => {
                let by_version = request_id.as_deref().is_some_and(|r| r.starts_with('v'));
                let last = messages.last().map(|m| (m.seq, m.version));
                for message in &messages {
                    if let Some(log) = record.chats.get_mut(&chat_id) {
                        log.fetched(
                            message.seq,
                            &message.content,
                            message.deleted,
                            message.version,
                        );
                    }
                    self.acknowledge(&mut record, message);
                }
                let Some(log) = record.chats.get_mut(&chat_id) else {
                    return;
                };
                match (has_more, last) {
                    (true, Some((seq, version))) => out.push(if by_version {
                        by_version_after(chat_id, version)
                    } else {
                        by_seq_after(chat_id, seq)
                    }),
                    _ => log.fetch_done(),
                }
            }
            ServerEvent::MessageUpdated { message } => {
                if let Some(log) = record.chats.get_mut(&message.chat_id) {
                    log.changed(message.seq, &message.content, false, message.version);
                }
            }
            ServerEvent::MessageDeleted {
                chat_id,
                seq,
                version,
                ..
            } => {
                if let Some(log) = record.chats.get_mut(&chat_id) {
                    log.changed(seq, "", true, version);
                }
            }
            ServerEvent::Resync => {
                for chat in &self.chats {
                    if let Some(log) = record.chats.get_mut(chat) {
                        out.extend(resume(*chat, log));
                    }
                }
            }
            ServerEvent::Error {
                client_id,
                request_id,
                ..
            } => {
                // A send that failed goes again at the next tick; a fetch that failed, now.
                if let Some(pending) = client_id.and_then(|id| record.pending.get_mut(&id)) {
                    pending.sent_at = Instant::now() - RETRY_AFTER;
                }
                if let Some(request) = request_id
                    && let Some((kind, chat)) = request.split_once(':')
                    && let Ok(chat) = chat.parse::<Uuid>().map(ChatId::from)
                    && let Some(log) = record.chats.get_mut(&chat)
                {
                    out.push(if kind == "v" {
                        by_version_after(chat, log.max_version())
                    } else {
                        by_seq_after(chat, log.contiguous())
                    });
                }
            }
            _ => {}
        }
    }

    /// Its own message came back (echo, retry answer or a resume): the send is done.
    fn acknowledge(&self, record: &mut Record, message: &Message) {
        if message.sender.id != self.user {
            return;
        }
        let Some(client_id) = message.client_id else {
            return;
        };
        if record.pending.remove(&client_id).is_some() {
            record
                .acked
                .insert(client_id, (message.chat_id, message.seq));
            record.mine.push(message.id);
        }
    }
}

/// A resume of one chat: new messages after the last contiguous seq, then everything changed
/// after the highest version seen.
fn resume(chat: ChatId, log: &mut ChatLog) -> [ClientCommand; 2] {
    log.fetch_started();
    log.fetch_started();
    [
        by_seq_after(chat, log.contiguous()),
        by_version_after(chat, log.max_version()),
    ]
}

fn by_seq_after(chat: ChatId, seq: i64) -> ClientCommand {
    ClientCommand::FetchMessages {
        chat_id: chat,
        before_seq: None,
        after_seq: Some(seq),
        after_version: None,
        limit: Some(PAGE),
        request_id: Some(format!("s:{chat}")),
    }
}

fn by_version_after(chat: ChatId, version: i64) -> ClientCommand {
    ClientCommand::FetchMessages {
        chat_id: chat,
        before_seq: None,
        after_seq: None,
        after_version: Some(version),
        limit: Some(PAGE),
        request_id: Some(format!("v:{chat}")),
    }
}
