//! One handler per client command. Each returns the reply for the socket that sent the command
//! (if any); events for others go through the broker, only after the database committed.

use chat_protocol::limits::check_content;
use chat_protocol::{ClientCommand, ErrorCode, HistoryQuery, ServerEvent, User};
use serde_json::Value;
use uuid::Uuid;

use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::store::messages::PostOutcome;
use crate::store::{chats, messages, with_db};
use futures_util::future::LocalBoxFuture;

const KNOWN_COMMANDS: [&str; 6] = [
    "fetch_messages",
    "new_message",
    "edit_message",
    "delete_message",
    "typing",
    "mark_read",
];

/// What an `error` event echoes back so the client can match it to what it sent.
#[derive(Debug, Default, Clone)]
struct Echo {
    command: Option<String>,
    client_id: Option<Uuid>,
    request_id: Option<String>,
}

impl Echo {
    fn of_command(command: &ClientCommand) -> Self {
        let (client_id, request_id) = match command {
            ClientCommand::NewMessage { client_id, .. } => (Some(*client_id), None),
            ClientCommand::FetchMessages { request_id, .. } => (None, request_id.clone()),
            _ => (None, None),
        };
        Self {
            command: Some(command.name().to_owned()),
            client_id,
            request_id,
        }
    }

    fn of(frame: &Value) -> Self {
        let text = |key: &str| frame.get(key).and_then(Value::as_str).map(str::to_owned);
        Self {
            command: text("command").filter(|c| KNOWN_COMMANDS.contains(&c.as_str())),
            client_id: text("client_id").and_then(|c| Uuid::parse_str(&c).ok()),
            request_id: text("request_id"),
        }
    }

    fn error(self, code: ErrorCode, message: impl Into<String>) -> ServerEvent {
        ServerEvent::Error {
            code,
            message: message.into(),
            command: self.command,
            client_id: self.client_id,
            request_id: self.request_id,
        }
    }
}

/// A command's answer to its own socket.
pub enum Reply {
    Nothing,
    Now(Box<ServerEvent>),
    /// A message on its way to the database: the socket keeps reading meanwhile, and sends
    /// what this resolves to (nothing once stored: the broadcast reaches the sender too).
    Later(LocalBoxFuture<'static, Option<ServerEvent>>),
}

/// Parses and runs one text frame from `user`'s socket.
pub async fn handle_frame(state: &AppState, user: &User, frame: &str) -> Reply {
    // Well-formed frames parse straight into a command; only a refused frame is parsed again,
    // loosely, to say what was wrong and echo what it carried.
    let command = match serde_json::from_str::<ClientCommand>(frame) {
        Ok(command) => command,
        Err(_) => return Reply::Now(Box::new(refusal(frame))),
    };
    let echo = Echo::of_command(&command);
    match command {
        ClientCommand::NewMessage {
            chat_id,
            content,
            client_id,
        } => match new_message(state, user, chat_id, content, client_id) {
            Ok(pending) => Reply::Later(Box::pin(async move {
                match pending.await {
                    Ok(Ok(PostOutcome::Stored(_))) => None,
                    Ok(Ok(PostOutcome::Duplicate(message))) => {
                        Some(ServerEvent::NewMessage { message })
                    }
                    Ok(Err(e)) => Some(echo.error(e.code(), e.public_message())),
                    Err(_) => Some(echo.error(ErrorCode::Internal, "internal server error")),
                }
            })),
            Err(e) => Reply::Now(Box::new(echo.error(e.code(), e.public_message()))),
        },
        command => match run(state, user, command).await {
            Ok(Some(reply)) => Reply::Now(Box::new(reply)),
            Ok(None) => Reply::Nothing,
            Err(e) => Reply::Now(Box::new(echo.error(e.code(), e.public_message()))),
        },
    }
}

/// The error event for a frame that is not a valid command.
fn refusal(frame: &str) -> ServerEvent {
    let Ok(value) = serde_json::from_str::<Value>(frame) else {
        return Echo::default().error(ErrorCode::BadRequest, "frame is not valid JSON");
    };
    let echo = Echo::of(&value);
    match parse(value, echo) {
        Err(refusal) => *refusal,
        // Unreachable in practice: the strict parse already failed on this frame.
        Ok(_) => Echo::default().error(ErrorCode::BadRequest, "invalid command"),
    }
}

/// Turns a JSON frame into a command, or into the error event that refuses it.
fn parse(value: Value, echo: Echo) -> Result<ClientCommand, Box<ServerEvent>> {
    if !value.is_object() {
        return Err(Box::new(
            echo.error(ErrorCode::BadRequest, "frame must be a JSON object"),
        ));
    }
    if echo.command.is_none() {
        let message = match value.get("command") {
            None => "missing \"command\"".to_owned(),
            Some(other) => format!("unknown command {other}"),
        };
        return Err(Box::new(echo.error(ErrorCode::BadRequest, message)));
    }
    serde_json::from_value(value)
        .map_err(|e| Box::new(echo.error(ErrorCode::ValidationFailed, e.to_string())))
}

async fn run(
    state: &AppState,
    user: &User,
    command: ClientCommand,
) -> Result<Option<ServerEvent>, AppError> {
    match command {
        ClientCommand::FetchMessages {
            chat_id,
            before_seq,
            after_seq,
            limit,
            request_id,
        } => {
            let query = HistoryQuery {
                before_seq,
                after_seq,
                limit,
            };
            let viewer = user.id;
            let page = with_db(&state.pool, move |c| {
                messages::page(c, chat_id, viewer, &query)
            })
            .await?;
            Ok(Some(ServerEvent::Messages {
                chat_id,
                messages: page.messages,
                has_more: page.has_more,
                request_id,
            }))
        }
        // Answered by `handle_frame` without waiting for the commit.
        ClientCommand::NewMessage { .. } => Ok(None),
        ClientCommand::EditMessage {
            message_id,
            content,
        } => {
            check_content(&content).map_err(AppError::Validation)?;
            if !state.realtime.rate_limiter.allow(user.id) {
                return Err(AppError::RateLimited);
            }
            let author = user.id;
            let delivery = with_db(&state.pool, move |c| {
                messages::edit(c, author, message_id, &content)
            })
            .await?;
            state.realtime.broker.publish(
                &delivery.members,
                &ServerEvent::MessageUpdated {
                    message: delivery.message,
                },
            );
            Ok(None)
        }
        ClientCommand::DeleteMessage { message_id } => {
            let author = user.id;
            let delivery = with_db(&state.pool, move |c| {
                messages::delete(c, author, message_id)
            })
            .await?;
            state.realtime.broker.publish(
                &delivery.members,
                &ServerEvent::MessageDeleted {
                    chat_id: delivery.message.chat_id,
                    message_id: delivery.message.id,
                    seq: delivery.message.seq,
                },
            );
            Ok(None)
        }
        ClientCommand::Typing { chat_id } => {
            let me = user.id;
            // Throttled first, so a keystroke storm costs no database work.
            if !state.realtime.typing.allow(me, chat_id) {
                return Ok(None);
            }
            let members = with_db(&state.pool, move |c| chats::member_ids(c, chat_id)).await?;
            if !members.contains(&me) {
                return Err(AppError::NotFound("no such chat"));
            }
            let others: Vec<Uuid> = members.into_iter().filter(|m| *m != me).collect();
            state.realtime.broker.publish(
                &others,
                &ServerEvent::Typing {
                    chat_id,
                    user: user.clone(),
                },
            );
            Ok(None)
        }
        ClientCommand::MarkRead { chat_id, seq } => {
            if seq < 0 {
                return Err(AppError::Validation("seq must not be negative".into()));
            }
            let reader = user.id;
            let moved = with_db(&state.pool, move |c| {
                let moved = chats::mark_read(c, chat_id, reader, seq)?;
                let members = match moved {
                    Some(_) => chats::member_ids(c, chat_id)?,
                    None => Vec::new(),
                };
                Ok(moved.map(|position| (position, members)))
            })
            .await?;
            if let Some((seq, members)) = moved {
                state.realtime.broker.publish(
                    &members,
                    &ServerEvent::Read {
                        chat_id,
                        user_id: reader,
                        seq,
                    },
                );
            }
            Ok(None)
        }
    }
}

/// Checks and queues a message for the writer; the event goes out from there after commit.
fn new_message(
    state: &AppState,
    user: &User,
    chat_id: Uuid,
    content: String,
    client_id: Uuid,
) -> Result<tokio::sync::oneshot::Receiver<AppResult<PostOutcome>>, AppError> {
    check_content(&content).map_err(AppError::Validation)?;
    if !state.realtime.rate_limiter.allow(user.id) {
        return Err(AppError::RateLimited);
    }
    Ok(state
        .realtime
        .writer
        .post(chat_id, user.clone(), content, client_id))
}
