//! The caller's own account (added to the contract): change the password, export everything
//! it holds, delete it.

use actix_web::{HttpResponse, web};
use chat_protocol::limits::check_password;
use chat_protocol::{
    AccountExport, ChangePasswordRequest, DeleteAccountRequest, ServerEvent, UserId,
};

use super::extract::AuthUser;
use crate::auth::password;
use crate::error::{AppError, AppResult};
use crate::services::chat_events::notify_chat_updated;
use crate::state::AppState;
use crate::store::{chats, contacts, members, messages, sessions, users};

/// Checks `given` against the caller's password, off the async threads.
async fn confirm_password(state: &AppState, caller: &AuthUser, given: String) -> AppResult<()> {
    let id = caller.id;
    let row = state
        .db(move |c| users::find_by_id(c, id))
        .await?
        .ok_or(AppError::Unauthorized("account no longer exists"))?;
    let _slot = password::hashing_slot().await?;
    let matches = web::block(move || password::verify(&given, &row.password_hash))
        .await
        .map_err(AppError::internal)?;
    if matches {
        Ok(())
    } else {
        Err(AppError::Forbidden("the password is wrong"))
    }
}

/// Ends `ended` here at once (their sockets close with 4001); other instances follow from the
/// database within about a second.
fn end_sessions(state: &AppState, ended: Vec<chat_protocol::SessionId>) {
    for session in ended {
        state.realtime().end_session(session);
    }
}

pub(super) async fn change_password(
    state: web::Data<AppState>,
    caller: AuthUser,
    body: web::Json<ChangePasswordRequest>,
) -> AppResult<HttpResponse> {
    let ChangePasswordRequest {
        current_password,
        new_password,
    } = body.into_inner();
    check_password(&new_password).map_err(AppError::Validation)?;
    confirm_password(&state, &caller, current_password).await?;
    let hash = {
        let _slot = password::hashing_slot().await?;
        web::block(move || password::hash(&new_password))
            .await
            .map_err(AppError::internal)??
    };
    let (id, keep) = (caller.id, caller.session());
    let ended = state
        .db(move |c| {
            users::set_password(c, id, &hash)?;
            sessions::revoke_all(c, id, Some(keep))
        })
        .await?;
    // The files of the erased messages go with them.
    state.uploads().wake_sweep();
    end_sessions(&state, ended);
    Ok(HttpResponse::NoContent().finish())
}

pub(super) async fn export(
    state: web::Data<AppState>,
    caller: AuthUser,
) -> AppResult<HttpResponse> {
    let user = caller.0.user.clone();
    let id = user.id;
    let (contacts, chats, messages) = state
        .db(move |c| {
            Ok((
                contacts::list(c, id)?,
                chats::list(c, id)?,
                messages::all_of(c, id)?,
            ))
        })
        .await?;
    let archive = AccountExport {
        user,
        exported_at: chrono::Utc::now(),
        contacts,
        chats,
        messages,
    };
    Ok(HttpResponse::Ok()
        .insert_header((
            actix_web::http::header::CONTENT_DISPOSITION,
            "attachment; filename=\"chat-export.json\"",
        ))
        .json(archive))
}

pub(super) async fn delete_account(
    state: web::Data<AppState>,
    caller: AuthUser,
    body: web::Json<DeleteAccountRequest>,
) -> AppResult<HttpResponse> {
    confirm_password(&state, &caller, body.into_inner().password).await?;
    let id = caller.id;
    let (ended, gone, chats) = state
        .db(move |c| {
            let ended = sessions::revoke_all(c, id, None)?;
            let (gone, _) = users::erase_account(c, id)?;
            let mut chats = Vec::new();
            for chat in members::chats_of(c, id)? {
                let others: Vec<UserId> = members::member_ids(c, chat)?
                    .into_iter()
                    .filter(|m| *m != id)
                    .collect();
                chats.push((chat, others));
            }
            Ok((ended, gone, chats))
        })
        .await?;
    for delivery in gone {
        let message = delivery.message;
        state.realtime().publish(
            &delivery.members,
            &ServerEvent::MessageDeleted {
                chat_id: message.chat_id,
                message_id: message.id,
                seq: message.seq,
                version: message.version,
            },
        );
    }
    // The files of the erased messages go with them.
    state.uploads().wake_sweep();
    end_sessions(&state, ended);
    // Every chat it was in now shows a placeholder name, and the groups it ran another admin:
    // the other members' copies are rendered again, after the answer (there may be many).
    let announcer = state.clone();
    actix_web::rt::spawn(async move {
        for (chat, others) in chats {
            notify_chat_updated(&announcer, chat, others).await;
        }
    });
    Ok(HttpResponse::NoContent().finish())
}
