//! Chats and their membership. Every read takes the viewer and answers `NotFound` when the viewer
//! is not a member, so a chat's existence never leaks to outsiders.

use chat_protocol::{Chat, ChatId, ChatKind, Message, UpdateChatRequest, User, UserId};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use uuid::Uuid;

use super::blocks::between;
use super::chat_cursor::ChatCursor;
use super::chat_views;
pub(crate) use super::members::lock;
use super::members::{self, is_member, require_member};
use super::message_parts::render;
use super::rows::ChatRow;
use super::system_lines::{self, StoredLine};
use super::users::find_by_name;
use super::{OnUnique, direct_key, now, write_tx};
use crate::db::AnyConnection;
use crate::db::schema::{chat_members, chats};
use crate::error::{AppError, AppResult};

fn find_row(conn: &mut AnyConnection, chat: ChatId) -> AppResult<Option<ChatRow>> {
    Ok(chats::table
        .find(chat)
        .select(ChatRow::as_select())
        .first(conn)
        .optional()?)
}

/// The chat as `viewer` sees it; `NotFound` for non-members.
pub(crate) fn get(conn: &mut AnyConnection, chat: ChatId, viewer: UserId) -> AppResult<Chat> {
    require_member(conn, chat, viewer)?;
    render_unchecked(conn, chat, viewer)
}

/// The chat as `viewer` would see it, member or not: for telling someone who just left.
/// Never hand this to a request path without a membership check.
pub(crate) fn render_unchecked(
    conn: &mut AnyConnection,
    chat: ChatId,
    viewer: UserId,
) -> AppResult<Chat> {
    let row = find_row(conn, chat)?.ok_or(AppError::NotFound("no such chat"))?;
    chat_views::render(conn, &[row], viewer)?
        .pop()
        .ok_or(AppError::internal("a rendered chat vanished"))
}

/// The chat as each of `viewers` would see it, members or not (a leaver is told too), rendered
/// once. Never hand this to a request path without a membership check.
pub(crate) fn render_for_viewers(
    conn: &mut AnyConnection,
    chat: ChatId,
    viewers: &[UserId],
) -> AppResult<chat_views::ChatForViewers> {
    let row = find_row(conn, chat)?.ok_or(AppError::NotFound("no such chat"))?;
    chat_views::render_for_viewers(conn, &row, viewers)
}

/// All the viewer's chats, most recent activity first.
pub(crate) fn list(conn: &mut AnyConnection, viewer: UserId) -> AppResult<Vec<Chat>> {
    Ok(list_page(conn, viewer, None, None)?.0)
}

/// The viewer's chats, most recent activity first: all of them, or (with `limit`) a page
/// after `before` and the next page's cursor when more follow. A fixed number of queries
/// whatever the number of chats (one for the page, then `chat_views::render`).
pub(crate) fn list_page(
    conn: &mut AnyConnection,
    viewer: UserId,
    limit: Option<u32>,
    before: Option<ChatCursor>,
) -> AppResult<(Vec<Chat>, Option<ChatCursor>)> {
    let mut query = chats::table
        .inner_join(chat_members::table)
        .filter(chat_members::user_id.eq(viewer))
        .order((chats::last_activity_at.desc(), chats::id.asc()))
        .select((ChatRow::as_select(), chats::last_activity_at))
        .into_boxed();
    if let Some(after) = before {
        query = query.filter(
            chats::last_activity_at
                .lt(after.activity)
                .or(chats::last_activity_at
                    .eq(after.activity)
                    .and(chats::id.gt(after.id))),
        );
    }
    if let Some(limit) = limit {
        // One more than asked tells whether a next page exists.
        query = query.limit(i64::from(limit) + 1);
    }
    let mut rows: Vec<(ChatRow, NaiveDateTime)> = query.load(conn)?;
    let next = match limit {
        Some(limit) if rows.len() > limit as usize => {
            rows.truncate(limit as usize);
            rows.last().map(|(row, activity)| ChatCursor {
                activity: *activity,
                id: row.id,
            })
        }
        _ => None,
    };
    let rows: Vec<ChatRow> = rows.into_iter().map(|(row, _)| row).collect();
    Ok((chat_views::render(conn, &rows, viewer)?, next))
}

/// `read_up_to`: what the newcomer counts as read; what was said before they came is not news
/// to them (0 for a new chat's first members).
fn insert_member(
    conn: &mut AnyConnection,
    chat: ChatId,
    user: UserId,
    admin: bool,
    read_up_to: i64,
) -> QueryResult<usize> {
    diesel::insert_into(chat_members::table)
        .values((
            chat_members::chat_id.eq(chat),
            chat_members::user_id.eq(user),
            chat_members::joined_at.eq(now()),
            chat_members::last_read_seq.eq(read_up_to),
            chat_members::admin.eq(admin),
        ))
        .execute(conn)
}

fn insert_chat(
    conn: &mut AnyConnection,
    kind: ChatKind,
    name: Option<&str>,
    key: Option<&str>,
    public: bool,
    member_ids: &[UserId],
) -> QueryResult<ChatId> {
    let id = ChatId::from(Uuid::new_v4());
    let at = now();
    diesel::insert_into(chats::table)
        .values((
            chats::id.eq(id),
            chats::kind.eq(kind),
            chats::name.eq(name),
            chats::direct_key.eq(key),
            chats::created_at.eq(at),
            chats::last_seq.eq(0i64),
            chats::last_activity_at.eq(at),
            chats::public.eq(public),
        ))
        .execute(conn)?;
    // A group's creator (named first) is its admin; a direct chat has none.
    for (i, member) in member_ids.iter().enumerate() {
        insert_member(conn, id, *member, kind == ChatKind::Group && i == 0, 0)?;
    }
    Ok(id)
}

/// Resolves usernames to users; `NotFound` names the first unknown one.
fn resolve(conn: &mut AnyConnection, usernames: &[String]) -> AppResult<Vec<User>> {
    usernames
        .iter()
        .map(|name| {
            find_by_name(conn, name)?
                .map(|row| row.to_user())
                .ok_or(AppError::NotFound("no such user"))
        })
        .collect()
}

/// The direct chat of `me` and `other`, created if needed; `true` when it was created now.
pub(crate) fn open_direct(
    conn: &mut AnyConnection,
    me: UserId,
    other: &str,
) -> AppResult<(Chat, bool)> {
    let other = find_by_name(conn, other)?
        .ok_or(AppError::NotFound("no such user"))?
        .to_user();
    if other.id == me {
        return Err(AppError::Validation(
            "a direct chat needs another person; name a group to talk to yourself".into(),
        ));
    }
    // Blocked either way: answered as for someone who does not exist.
    if between(conn, me, other.id)? {
        return Err(AppError::NotFound("no such user"));
    }
    let key = direct_key(me, other.id);
    let existing = |c: &mut AnyConnection| -> AppResult<Option<ChatId>> {
        Ok(chats::table
            .filter(chats::direct_key.eq(&key))
            .select(chats::id)
            .first::<ChatId>(c)
            .optional()?)
    };
    if let Some(id) = existing(conn)? {
        return Ok((get(conn, id, me)?, false));
    }
    let created = write_tx(conn, |c| {
        insert_chat(
            c,
            ChatKind::Direct,
            None,
            Some(&key),
            false,
            &[me, other.id],
        )
    });
    match created {
        Ok(id) => Ok((get(conn, id, me)?, true)),
        // Both sides opened the chat at the same moment: theirs won, use it.
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => {
            let id = existing(conn)?.ok_or(AppError::internal("direct chat vanished"))?;
            Ok((get(conn, id, me)?, false))
        }
        Err(e) => Err(e.into()),
    }
}

pub(crate) fn create_group(
    conn: &mut AnyConnection,
    me: UserId,
    usernames: &[String],
    name: &str,
    public: bool,
) -> AppResult<Chat> {
    let mut ids = vec![me];
    for user in resolve(conn, usernames)? {
        if between(conn, me, user.id)? {
            return Err(AppError::NotFound("no such user"));
        }
        if !ids.contains(&user.id) {
            ids.push(user.id);
        }
    }
    let id = write_tx(conn, |c| {
        insert_chat(c, ChatKind::Group, Some(name.trim()), None, public, &ids)
    })?;
    get(conn, id, me)
}

/// Adds someone to a group (any member may); returns the chat and the "added" line.
pub(crate) fn add_member(
    conn: &mut AnyConnection,
    chat: ChatId,
    actor: UserId,
    username: &str,
    max_members: usize,
) -> AppResult<(Chat, Message)> {
    require_member(conn, chat, actor)?;
    let row = find_row(conn, chat)?.ok_or(AppError::NotFound("no such chat"))?;
    if row.kind != ChatKind::Group {
        return Err(AppError::Validation(
            "members can only be added to group chats".into(),
        ));
    }
    let newcomer = find_by_name(conn, username)?.ok_or(AppError::NotFound("no such user"))?;
    if between(conn, actor, newcomer.id)? {
        return Err(AppError::NotFound("no such user"));
    }
    let line = write_tx(conn, |c| {
        admit(c, row.id, newcomer.id, actor, max_members)?
            .ok_or(AppError::Conflict("already a member"))
    })?;
    Ok((get(conn, chat, actor)?, line))
}

/// Writes a system line into the caller's write transaction (the chat row already taken) and
/// renders it.
fn write_line(
    c: &mut AnyConnection,
    chat: ChatId,
    actor: UserId,
    line: &StoredLine,
) -> AppResult<Message> {
    let row = system_lines::record(c, chat, actor, line)?;
    render(c, vec![row])?
        .pop()
        .ok_or(AppError::internal("a system line vanished"))
}

/// Makes `user` a member of group `chat` within the caller's write transaction, unless the
/// group is full (`Validation`), with a line in its history ("joined" when `actor` is `user`,
/// else "added"); `None` when they already were one.
pub(crate) fn admit(
    c: &mut AnyConnection,
    chat: ChatId,
    user: UserId,
    actor: UserId,
    max_members: usize,
) -> AppResult<Option<Message>> {
    // Concurrent joins count one after the other, so none overshoots.
    lock(c, chat)?;
    if is_member(c, chat, user)? {
        return Ok(None);
    }
    let members: i64 = chat_members::table
        .filter(chat_members::chat_id.eq(chat))
        .count()
        .get_result(c)?;
    if usize::try_from(members).unwrap_or(usize::MAX) >= max_members {
        return Err(AppError::Validation(format!(
            "a group has at most {max_members} members"
        )));
    }
    let event = if actor == user {
        StoredLine::joined()
    } else {
        StoredLine::added(user)
    };
    let line = write_line(c, chat, actor, &event)?;
    // Joining (or coming back) starts with nothing unread, their own arrival included: the
    // history is there to scroll through, but it was not written to them.
    insert_member(c, chat, user, false, line.seq)
        .on_unique(AppError::Conflict("already a member"))?;
    Ok(Some(line))
}

/// `user` joins the public group `chat` (`NotFound` for any other chat, so private groups stay
/// hidden); with the "joined" line when they were not a member before.
pub(crate) fn join_public(
    conn: &mut AnyConnection,
    chat: ChatId,
    user: UserId,
    max_members: usize,
) -> AppResult<(Chat, Option<Message>)> {
    let joined = write_tx(conn, |c| {
        let public = chats::table
            .find(chat)
            .filter(chats::kind.eq(ChatKind::Group))
            .filter(chats::public.eq(true));
        if !diesel::select(diesel::dsl::exists(public)).get_result::<bool>(c)? {
            return Err(AppError::NotFound("no such room"));
        }
        admit(c, chat, user, user, max_members)
    })?;
    Ok((get(conn, chat, user)?, joined))
}

/// Changes a chat: any member mutes or unmutes it for themself; in a group any member may
/// rename it, and only its admins may make it public or private or set how long its messages
/// are kept. Direct chats have none of these but the mute. A new name comes with a "renamed"
/// line in the group's history.
pub(crate) fn update(
    conn: &mut AnyConnection,
    chat: ChatId,
    actor: UserId,
    changes: &UpdateChatRequest,
) -> AppResult<(Chat, Option<Message>)> {
    require_member(conn, chat, actor)?;
    let row = find_row(conn, chat)?.ok_or(AppError::NotFound("no such chat"))?;
    let group_change =
        changes.name.is_some() || changes.public.is_some() || changes.retention_days.is_some();
    if row.kind != ChatKind::Group && group_change {
        return Err(AppError::Validation(
            "only a group has a name, a retention period and can be public".into(),
        ));
    }
    if (changes.public.is_some() || changes.retention_days.is_some())
        && !members::is_admin(conn, chat, actor)?
    {
        return Err(AppError::Forbidden(
            "only a group's admins may change whether it is public or how long it keeps messages",
        ));
    }
    let line = write_tx(conn, |c| {
        // The chat row first, as every change of a chat's members does: one lock order, so
        // two changes of one chat wait for each other instead of deadlocking.
        lock(c, chat)?;
        let mut line = None;
        if let Some(muted) = changes.muted {
            diesel::update(
                chat_members::table
                    .filter(chat_members::chat_id.eq(chat))
                    .filter(chat_members::user_id.eq(actor)),
            )
            .set(chat_members::muted.eq(muted))
            .execute(c)?;
        }
        if let Some(name) = &changes.name {
            let name = name.trim();
            // Read under the lock: a rename to the current name is no event.
            let current: Option<String> =
                chats::table.find(chat).select(chats::name).get_result(c)?;
            if current.as_deref() != Some(name) {
                diesel::update(chats::table.find(chat))
                    .set(chats::name.eq(name))
                    .execute(c)?;
                line = Some(write_line(c, chat, actor, &StoredLine::renamed(name))?);
            }
        }
        if let Some(public) = changes.public {
            diesel::update(chats::table.find(chat))
                .set(chats::public.eq(public))
                .execute(c)?;
        }
        if let Some(days) = changes.retention_days {
            let days = days.map(|d| i32::try_from(d).unwrap_or(i32::MAX));
            diesel::update(chats::table.find(chat))
                .set(chats::retention_days.eq(days))
                .execute(c)?;
        }
        Ok::<_, AppError>(line)
    })?;
    Ok((get(conn, chat, actor)?, line))
}

/// Removes `target` from a group: anyone may leave; an admin may remove anyone else. A group
/// whose last admin leaves gets a new one (its longest-standing member), so it is never left
/// without. Returns the "left" or "removed" line, for the members who remain.
pub(crate) fn remove_member(
    conn: &mut AnyConnection,
    chat: ChatId,
    actor: UserId,
    target: UserId,
) -> AppResult<Message> {
    require_member(conn, chat, actor)?;
    let row = find_row(conn, chat)?.ok_or(AppError::NotFound("no such chat"))?;
    if target != actor {
        if !is_member(conn, chat, target)? {
            return Err(AppError::NotFound("not a member of this chat"));
        }
        if row.kind != ChatKind::Group || !members::is_admin(conn, chat, actor)? {
            return Err(AppError::Forbidden(
                "only a group's admins may remove someone else",
            ));
        }
    } else if row.kind != ChatKind::Group {
        return Err(AppError::Forbidden("you cannot leave a direct chat"));
    }
    write_tx(conn, |c| {
        lock(c, chat)?;
        diesel::delete(
            chat_members::table
                .filter(chat_members::chat_id.eq(chat))
                .filter(chat_members::user_id.eq(target)),
        )
        .execute(c)?;
        members::ensure_admin(c, chat)?;
        let event = if target == actor {
            StoredLine::left()
        } else {
            StoredLine::removed(target)
        };
        write_line(c, chat, actor, &event)
    })
}

/// Makes `target` an admin of a group or not; admins only. The last admin cannot step down
/// (a group always has one): promote someone else first.
pub(crate) fn set_admin(
    conn: &mut AnyConnection,
    chat: ChatId,
    actor: UserId,
    target: UserId,
    admin: bool,
) -> AppResult<Chat> {
    require_member(conn, chat, actor)?;
    if !is_member(conn, chat, target)? {
        return Err(AppError::NotFound("not a member of this chat"));
    }
    if !members::is_admin(conn, chat, actor)? {
        return Err(AppError::Forbidden(
            "only a group's admins may appoint admins",
        ));
    }
    write_tx(conn, |c| {
        lock(c, chat)?;
        diesel::update(
            chat_members::table
                .filter(chat_members::chat_id.eq(chat))
                .filter(chat_members::user_id.eq(target)),
        )
        .set(chat_members::admin.eq(admin))
        .execute(c)?;
        if members::admin_count(c, chat)? == 0 {
            return Err(AppError::Validation(
                "a group needs an admin: make someone else an admin first".into(),
            ));
        }
        Ok(())
    })?;
    get(conn, chat, actor)
}

/// Groups with a retention period of their own shorter than the server's (any, when the
/// server keeps messages forever), with that period.
pub(crate) fn with_own_retention(
    conn: &mut AnyConnection,
    server_days: Option<u32>,
) -> AppResult<Vec<(ChatId, u32)>> {
    let rows: Vec<(ChatId, Option<i32>)> = chats::table
        .filter(chats::retention_days.is_not_null())
        .select((chats::id, chats::retention_days))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(chat, days)| Some((chat, u32::try_from(days?).ok()?)))
        .filter(|(_, days)| server_days.is_none_or(|server| *days < server))
        .collect())
}

/// The last seq and last version of each of `chats` (for comparing what fan-out delivered with
/// what is stored).
pub(crate) fn positions(
    conn: &mut AnyConnection,
    ids: &[ChatId],
) -> AppResult<Vec<(ChatId, i64, i64)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(chats::table
        .filter(chats::id.eq_any(ids))
        .select((chats::id, chats::last_seq, chats::last_version))
        .load(conn)?)
}

/// Whether `chat` is a direct chat closed by a block (no new messages, no typing).
pub(crate) fn is_blocked(conn: &mut AnyConnection, chat: ChatId) -> AppResult<bool> {
    Ok(chats::table
        .find(chat)
        .select(chats::blocked)
        .first::<bool>(conn)
        .optional()?
        .unwrap_or(false))
}

/// Moves the reader's position forward to `seq` (never back, never past the last message).
/// Returns the new position when it moved.
pub(crate) fn mark_read(
    conn: &mut AnyConnection,
    chat: ChatId,
    reader: UserId,
    seq: i64,
) -> AppResult<Option<i64>> {
    write_tx(conn, |c| {
        let last_seq: Option<i64> = chats::table
            .inner_join(chat_members::table)
            .filter(chats::id.eq(chat))
            .filter(chat_members::user_id.eq(reader))
            .select(chats::last_seq)
            .first(c)
            .optional()?;
        let last_seq = last_seq.ok_or(AppError::NotFound("no such chat"))?;
        let position = seq.min(last_seq);
        let moved = diesel::update(
            chat_members::table
                .filter(chat_members::chat_id.eq(chat))
                .filter(chat_members::user_id.eq(reader))
                .filter(chat_members::last_read_seq.lt(position)),
        )
        .set(chat_members::last_read_seq.eq(position))
        .execute(c)?;
        Ok((moved == 1).then_some(position))
    })
}
