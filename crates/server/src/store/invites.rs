//! Invite links to groups: a random token that lets whoever holds it join, until it expires,
//! is used up or is revoked.

use chat_protocol::{ChatId, ChatKind, Invite, Message, UserId};
use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::chats::admit;
use super::members::{is_admin, require_member};
use super::{now, to_utc, write_tx};
use crate::db::schema::{chat_invites, chats};
use crate::db::{AnyConnection, MultiBackend};
use crate::error::{AppError, AppResult};
use diesel::sql_types::Bool;

type InviteRow = (String, Option<NaiveDateTime>, Option<i64>, i64);

fn to_invite((token, expires_at, max_uses, uses): InviteRow) -> Invite {
    Invite {
        token,
        expires_at: expires_at.map(to_utc),
        max_uses,
        uses,
    }
}

/// A new link to group `chat`, made by one of its members.
pub(crate) fn create(
    conn: &mut AnyConnection,
    chat: ChatId,
    actor: UserId,
    token: String,
    expires_in_secs: Option<i64>,
    max_uses: Option<i64>,
) -> AppResult<Invite> {
    require_member(conn, chat, actor)?;
    let kind: ChatKind = chats::table.find(chat).select(chats::kind).first(conn)?;
    if kind != ChatKind::Group {
        return Err(AppError::Validation(
            "invite links are for groups; a direct chat has its two people".into(),
        ));
    }
    let at = now();
    let expires_at = expires_in_secs.map(|secs| at + chrono::Duration::seconds(secs));
    diesel::insert_into(chat_invites::table)
        .values((
            chat_invites::token.eq(&token),
            chat_invites::chat_id.eq(chat),
            chat_invites::created_by.eq(actor),
            chat_invites::created_at.eq(at),
            chat_invites::expires_at.eq(expires_at),
            chat_invites::max_uses.eq(max_uses),
            chat_invites::uses.eq(0i64),
        ))
        .execute(conn)?;
    Ok(to_invite((token, expires_at, max_uses, 0)))
}

/// Invites that still admit someone at `at`: not revoked, not expired, not used up.
fn live(
    at: NaiveDateTime,
) -> Box<dyn BoxableExpression<chat_invites::table, MultiBackend, SqlType = Bool>> {
    Box::new(
        chat_invites::revoked_at
            .is_null()
            .and(
                chat_invites::expires_at
                    .is_null()
                    .or(chat_invites::expires_at.assume_not_null().gt(at)),
            )
            .and(
                chat_invites::max_uses
                    .is_null()
                    .or(chat_invites::uses.lt(chat_invites::max_uses.assume_not_null())),
            ),
    )
}

/// The links to `chat` that still work, newest first; members only.
pub(crate) fn list(
    conn: &mut AnyConnection,
    chat: ChatId,
    actor: UserId,
) -> AppResult<Vec<Invite>> {
    require_member(conn, chat, actor)?;
    let rows: Vec<InviteRow> = chat_invites::table
        .filter(chat_invites::chat_id.eq(chat))
        .filter(live(now()))
        .order(chat_invites::created_at.desc())
        .select((
            chat_invites::token,
            chat_invites::expires_at,
            chat_invites::max_uses,
            chat_invites::uses,
        ))
        .load(conn)?;
    Ok(rows.into_iter().map(to_invite).collect())
}

/// Ends a link to `chat`: its creator or one of the group's admins may (another member cannot
/// undo what someone else handed out: `Forbidden`). `NotFound` for a non-member, a token of
/// another chat or one already revoked.
pub(crate) fn revoke(
    conn: &mut AnyConnection,
    chat: ChatId,
    actor: UserId,
    token: &str,
) -> AppResult<()> {
    require_member(conn, chat, actor)?;
    let live = chat_invites::table
        .filter(chat_invites::token.eq(token))
        .filter(chat_invites::chat_id.eq(chat))
        .filter(chat_invites::revoked_at.is_null());
    let creator: Option<UserId> = live
        .select(chat_invites::created_by)
        .first(conn)
        .optional()?;
    let creator = creator.ok_or(AppError::NotFound("no such invite"))?;
    if creator != actor && !is_admin(conn, chat, actor)? {
        return Err(AppError::Forbidden(
            "only whoever made the link or a group admin can revoke it",
        ));
    }
    let revoked = diesel::update(live)
        .set(chat_invites::revoked_at.eq(now()))
        .execute(conn)?;
    if revoked == 1 {
        Ok(())
    } else {
        Err(AppError::NotFound("no such invite"))
    }
}

/// `user` joins the group a live link points to; the link counts a use only when it admitted
/// someone new. `NotFound` for an unknown, expired, used-up or revoked token. Returns the chat
/// and, when `user` joined now, the "joined" line.
pub(crate) fn accept(
    conn: &mut AnyConnection,
    token: &str,
    user: UserId,
    max_members: usize,
) -> AppResult<(ChatId, Option<Message>)> {
    write_tx(conn, |c| {
        let chat: Option<ChatId> = chat_invites::table
            .filter(chat_invites::token.eq(token))
            .filter(live(now()))
            .select(chat_invites::chat_id)
            .first(c)
            .optional()?;
        let chat = chat.ok_or(AppError::NotFound(
            "this invite link is expired, used up or revoked",
        ))?;
        let joined = admit(c, chat, user, user, max_members)?;
        if joined.is_some() {
            // Counted in the same transaction as the join: a link for 1 use admits one person
            // however many accept at once (the row is locked until commit on PostgreSQL, the
            // database on SQLite).
            let counted = diesel::update(
                chat_invites::table
                    .filter(chat_invites::token.eq(token))
                    .filter(live(now())),
            )
            .set(chat_invites::uses.eq(chat_invites::uses + 1))
            .execute(c)?;
            if counted != 1 {
                return Err(AppError::NotFound(
                    "this invite link is expired, used up or revoked",
                ));
            }
        }
        Ok((chat, joined))
    })
}
