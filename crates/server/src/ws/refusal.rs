//! Answers for frames that are not valid commands, and the fields an `error` event echoes so a
//! client can match it to what it sent (command name, `client_id`, `request_id`).

use chat_protocol::{ClientCommand, ErrorCode, ServerEvent};
use serde_json::Value;
use uuid::Uuid;

/// What an `error` event echoes back.
#[derive(Debug, Default, Clone)]
pub(super) struct ErrorEcho {
    command: Option<String>,
    client_id: Option<Uuid>,
    request_id: Option<String>,
}

impl ErrorEcho {
    pub(super) fn of_command(command: &ClientCommand) -> Self {
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

    /// What a frame that did not parse as a command still carries; an unknown command name is
    /// never echoed.
    fn of_frame(frame: &Value) -> Self {
        let text = |key: &str| frame.get(key).and_then(Value::as_str).map(str::to_owned);
        Self {
            command: text("command").filter(|c| ClientCommand::NAMES.contains(&c.as_str())),
            client_id: text("client_id").and_then(|c| Uuid::parse_str(&c).ok()),
            request_id: text("request_id"),
        }
    }

    pub(super) fn error(self, code: ErrorCode, message: impl Into<String>) -> ServerEvent {
        ServerEvent::Error {
            code,
            message: message.into(),
            command: self.command,
            client_id: self.client_id,
            request_id: self.request_id,
        }
    }
}

/// The error event for a frame that did not parse as a command: what was wrong with it, and
/// whatever it carried that lets the client match the refusal.
pub(super) fn refusal(frame: &str) -> ServerEvent {
    let Ok(value) = serde_json::from_str::<Value>(frame) else {
        return ErrorEcho::default().error(ErrorCode::BadRequest, "frame is not valid JSON");
    };
    let echo = ErrorEcho::of_frame(&value);
    if !value.is_object() {
        return echo.error(ErrorCode::BadRequest, "frame must be a JSON object");
    }
    if echo.command.is_none() {
        let message = match value.get("command") {
            None => "missing \"command\"".to_owned(),
            Some(other) => format!("unknown command {other}"),
        };
        return echo.error(ErrorCode::BadRequest, message);
    }
    let reason = match serde_json::from_value::<ClientCommand>(value) {
        Err(e) => e.to_string(),
        // The caller's strict parse of the same text failed; serde_json agrees on a value.
        Ok(_) => "invalid command".to_owned(),
    };
    echo.error(ErrorCode::ValidationFailed, reason)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(event: ServerEvent) -> (ErrorCode, Option<String>, Option<Uuid>) {
        match event {
            ServerEvent::Error {
                code,
                command,
                client_id,
                ..
            } => (code, command, client_id),
            other => panic!("not an error: {other:?}"),
        }
    }

    #[test]
    fn says_what_is_wrong_and_echoes_what_it_can() {
        assert_eq!(parts(refusal("{nope")).0, ErrorCode::BadRequest);
        assert_eq!(parts(refusal("[1]")).0, ErrorCode::BadRequest);
        assert_eq!(
            parts(refusal(r#"{"command":"launch"}"#)),
            (ErrorCode::BadRequest, None, None),
            "an unknown command is not echoed"
        );
        let id = Uuid::new_v4();
        let frame = format!(r#"{{"command":"new_message","client_id":"{id}","chat_id":7}}"#);
        assert_eq!(
            parts(refusal(&frame)),
            (
                ErrorCode::ValidationFailed,
                Some("new_message".to_owned()),
                Some(id)
            )
        );
    }
}
