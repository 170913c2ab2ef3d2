//! One function per client command, and the dispatch that runs a text frame through them.
//! Each answers its own socket (if at all); events for others go through the broker, only
//! after the database committed.

use chat_protocol::limits::{check_content, check_post};
use chat_protocol::{
    ChatId, ClientCommand, ErrorCode, HistoryQuery, MessageId, ServerEvent, User, UserId,
};
use futures_util::future::LocalBoxFuture;

use super::refusal::{ErrorEcho, refusal};
use crate::error::{AppError, AppResult};
use crate::limits::Budget;
use crate::state::AppState;
use crate::store::messages::{NewPost, PostOutcome};
use crate::store::{chats, members, messages, reactions};

/// A command's answer to its own socket.
pub(super) enum Reply {
    Nothing,
    Now(Box<ServerEvent>),
    /// A message on its way to the database: the socket keeps reading meanwhile, and sends
    /// what this resolves to (nothing once stored: the broadcast reaches the sender too).
    Later(LocalBoxFuture<'static, Option<ServerEvent>>),
}

impl Reply {
    fn now(event: ServerEvent) -> Self {
        Self::Now(Box::new(event))
    }
}

/// Parses and runs one text frame from `user`'s socket, if the socket's command budget allows.
pub(super) async fn handle_frame(
    state: &AppState,
    user: &User,
    budget: &mut Budget,
    frame: &str,
) -> Reply {
    // Well-formed frames parse straight into a command; only a refused frame is parsed again,
    // loosely, to say what was wrong and echo what it carried.
    let command = match serde_json::from_str::<ClientCommand>(frame) {
        Ok(command) => command,
        Err(_) => return Reply::now(refusal(frame)),
    };
    let echo = ErrorEcho::of_command(&command);
    if !budget.allow() {
        state.metrics().ws_rate_limited.inc();
        return Reply::now(echo.error(ErrorCode::RateLimited, AppError::RateLimited.to_string()));
    }
    let outcome = match command {
        ClientCommand::FetchMessages {
            chat_id,
            before_seq,
            after_seq,
            after_version,
            limit,
            request_id,
        } => {
            let query = HistoryQuery {
                before_seq,
                after_seq,
                after_version,
                limit,
            };
            fetch_messages(state, user.id, chat_id, query, request_id)
                .await
                .map(Reply::now)
        }
        ClientCommand::NewMessage {
            chat_id,
            content,
            client_id,
            reply_to,
            attachments,
        } => new_message(
            state,
            user,
            NewPost {
                chat: chat_id,
                sender: user.clone(),
                content,
                client_id,
                reply_to,
                attachments,
            },
            echo.clone(),
        ),
        ClientCommand::EditMessage {
            message_id,
            content,
        } => edit_message(state, user.id, message_id, content).await,
        ClientCommand::DeleteMessage { message_id } => {
            delete_message(state, user.id, message_id).await
        }
        ClientCommand::Typing { chat_id } => typing(state, user, chat_id).await,
        ClientCommand::MarkRead { chat_id, seq } => mark_read(state, user.id, chat_id, seq).await,
        ClientCommand::React {
            message_id,
            emoji,
            on,
        } => react(state, user.id, message_id, emoji, on).await,
        ClientCommand::Ping {} => Ok(Reply::now(ServerEvent::Pong)),
    };
    outcome.unwrap_or_else(|e| Reply::now(echo.error(e.code(), e.public_message())))
}

async fn fetch_messages(
    state: &AppState,
    viewer: UserId,
    chat_id: ChatId,
    query: HistoryQuery,
    request_id: Option<String>,
) -> AppResult<ServerEvent> {
    let page = state
        .db(move |c| messages::page(c, chat_id, viewer, &query))
        .await?;
    Ok(ServerEvent::Messages {
        chat_id,
        messages: page.messages,
        has_more: page.has_more,
        request_id,
    })
}

/// Checks and queues a message for the writer; the event goes out from there after commit,
/// and the sender hears back directly only if it was a retry or failed.
fn new_message(state: &AppState, user: &User, post: NewPost, echo: ErrorEcho) -> AppResult<Reply> {
    check_post(&post.content, &post.attachments).map_err(AppError::Validation)?;
    if !state.realtime().allow_send(user.id) {
        return Err(AppError::RateLimited);
    }
    let pending = state.realtime().post_message(post);
    Ok(Reply::Later(Box::pin(async move {
        match pending.await {
            // Stored: the broadcast reaches the sender's sockets too.
            Ok(Ok(PostOutcome::Stored(_))) => None,
            // A retry: hubs that already delivered this seq drop the repeated broadcast, so
            // the sender is answered here (the contract's "answers the sender again").
            Ok(Ok(PostOutcome::Duplicate(delivery))) => Some(ServerEvent::NewMessage {
                message: delivery.message,
            }),
            Ok(Err(e)) => Some(echo.error(e.code(), e.public_message())),
            Err(_) => Some(echo.error(ErrorCode::Internal, "internal server error")),
        }
    })))
}

async fn edit_message(
    state: &AppState,
    author: UserId,
    message_id: MessageId,
    content: String,
) -> AppResult<Reply> {
    check_content(&content).map_err(AppError::Validation)?;
    if !state.realtime().allow_send(author) {
        return Err(AppError::RateLimited);
    }
    let delivery = state
        .db(move |c| messages::edit(c, author, message_id, &content))
        .await?;
    state.realtime().publish(
        &delivery.members,
        &ServerEvent::MessageUpdated {
            message: delivery.message,
        },
    );
    Ok(Reply::Nothing)
}

async fn delete_message(
    state: &AppState,
    author: UserId,
    message_id: MessageId,
) -> AppResult<Reply> {
    let delivery = state
        .db(move |c| messages::delete(c, author, message_id))
        .await?;
    // Its files (if any) go now rather than at the next periodic sweep.
    state.uploads().wake_sweep();
    state.realtime().publish(
        &delivery.members,
        &ServerEvent::MessageDeleted {
            chat_id: delivery.message.chat_id,
            message_id: delivery.message.id,
            seq: delivery.message.seq,
            version: delivery.message.version,
        },
    );
    Ok(Reply::Nothing)
}

async fn typing(state: &AppState, user: &User, chat_id: ChatId) -> AppResult<Reply> {
    let me = user.id;
    // A keystroke storm costs no database work; membership is checked before anything is
    // recorded, so made-up chat ids leave no trace in the throttle.
    if state.realtime().typed_recently(me, chat_id) {
        return Ok(Reply::Nothing);
    }
    let (members, blocked) = state
        .db(move |c| {
            Ok((
                members::member_ids(c, chat_id)?,
                chats::is_blocked(c, chat_id)?,
            ))
        })
        .await?;
    if !members.contains(&me) {
        return Err(AppError::NotFound("no such chat"));
    }
    if blocked {
        return Err(AppError::Forbidden(
            "this conversation is closed: one of you blocked the other",
        ));
    }
    if !state.realtime().record_typing(me, chat_id) {
        return Ok(Reply::Nothing);
    }
    let others: Vec<UserId> = members.into_iter().filter(|m| *m != me).collect();
    state.realtime().publish(
        &others,
        &ServerEvent::Typing {
            chat_id,
            user: user.clone(),
        },
    );
    Ok(Reply::Nothing)
}

async fn mark_read(
    state: &AppState,
    reader: UserId,
    chat_id: ChatId,
    seq: i64,
) -> AppResult<Reply> {
    if seq < 0 {
        return Err(AppError::Validation("seq must not be negative".into()));
    }
    let moved = state
        .db(move |c| {
            let moved = chats::mark_read(c, chat_id, reader, seq)?;
            let members = match moved {
                Some(_) => members::member_ids(c, chat_id)?,
                None => Vec::new(),
            };
            Ok(moved.map(|position| (position, members)))
        })
        .await?;
    if let Some((seq, members)) = moved {
        state.realtime().publish(
            &members,
            &ServerEvent::Read {
                chat_id,
                user_id: reader,
                seq,
            },
        );
    }
    Ok(Reply::Nothing)
}

/// A single emoji of the Unicode set (skin tones and variation selectors included), nothing
/// else: no text, no sequences of several emoji.
fn is_one_emoji(text: &str) -> bool {
    emojis::get(text).is_some()
}

async fn react(
    state: &AppState,
    user: UserId,
    message_id: MessageId,
    emoji: String,
    on: bool,
) -> AppResult<Reply> {
    if !is_one_emoji(&emoji) {
        return Err(AppError::Validation("emoji must be a single emoji".into()));
    }
    if !state.realtime().allow_send(user) {
        return Err(AppError::RateLimited);
    }
    let reacted = emoji.clone();
    let change = state
        .db(move |c| reactions::set(c, user, message_id, &reacted, on))
        .await?;
    let event = ServerEvent::Reaction {
        chat_id: change.chat,
        message_id,
        emoji,
        user_id: user,
        on,
        version: change.version,
    };
    match change.members {
        Some(members) => {
            state.realtime().publish(&members, &event);
            Ok(Reply::Nothing)
        }
        // Already so: nothing to tell the others, but the caller learns the state holds.
        None => Ok(Reply::now(event)),
    }
}

#[cfg(test)]
mod tests {
    use super::is_one_emoji;

    #[test]
    fn one_emoji_only() {
        for ok in ["👍", "👍🏽", "❤️", "🇫🇷", "👨‍👩‍👧", "🎉"] {
            assert!(is_one_emoji(ok), "{ok}");
        }
        for bad in ["", "a", "👍👍", "👍 ", ":+1:", "1", "<b>"] {
            assert!(!is_one_emoji(bad), "{bad:?}");
        }
    }
}
