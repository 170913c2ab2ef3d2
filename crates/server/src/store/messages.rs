//! Messages: storing with a per-chat gapless `seq`, idempotent retries by `client_id`, edits,
//! tombstone deletes, and paged history.

use std::collections::HashMap;
use std::sync::Arc;

use chat_protocol::limits::{PAGE_DEFAULT, PAGE_MAX};
use chat_protocol::{ChatId, HistoryQuery, Message, MessageId, MessagePage, UserId};
use diesel::prelude::*;
use uuid::Uuid;

pub(crate) use super::batch_rows::NewPost;
use super::batch_rows::{BatchRow, StoredRow};
use super::members::{member_ids, require_member};
use super::message_parts::{forget, render, reply_preview, store_mentions};
use super::rows::MessageRow;
use super::{now, write_tx};
use crate::db::schema::{chat_members, chats, messages, uploads, users};
use crate::db::{AnyConnection, ClientKey};
use crate::error::{AppError, AppResult};

/// A stored message and who must hear about it.
#[derive(Debug, Clone)]
pub(crate) struct Delivery {
    pub message: Message,
    pub members: Vec<UserId>,
}

/// What storing one message came to, for its sender.
#[derive(Debug)]
pub(crate) enum PostOutcome {
    /// Newly stored; fan out to `members`.
    Stored(Delivery),
    /// The sender's `client_id` was already stored: that message, published again.
    Duplicate(Delivery),
}

fn by_client_id(
    conn: &mut AnyConnection,
    sender: UserId,
    client_id: Uuid,
) -> AppResult<Option<Message>> {
    let row: Option<(MessageRow, String)> = messages::table
        .inner_join(users::table)
        .filter(messages::sender_id.eq(sender))
        .filter(messages::client_id.eq(ClientKey(client_id)))
        .select((messages::all_columns, users::username))
        .first(conn)
        .optional()?;
    Ok(render(conn, row.into_iter().collect())?.pop())
}

/// What became of one message of a batch.
#[derive(Debug)]
pub(crate) enum BatchOutcome {
    Stored(Box<Delivery>),
    /// Already stored under this `client_id`; fetch it after the batch commits.
    Duplicate,
    /// No such chat, or the sender is not a member.
    NotFound,
    /// A direct chat closed by a block.
    Blocked,
    /// `reply_to` is not a message of this chat.
    BadReply,
    /// An attachment is not one of the sender's uploads waiting to be attached.
    BadAttachment,
}

/// Stores a batch of messages in one transaction (one commit, one fsync). Each message takes
/// the next seq of its chat from the chat row, in this same transaction, so seqs are gapless
/// and unique however many writers (or instances) race; the same statement checks that the
/// sender is a member. A message that cannot be stored leaves no trace.
/// An error means nothing of the batch was stored.
pub(crate) fn post_batch(
    conn: &mut AnyConnection,
    batch: &[NewPost],
) -> AppResult<Vec<BatchOutcome>> {
    let at = now();
    // Every writer locks chat rows in chat-id order, so two instances' batches never wait on
    // each other's rows (on PostgreSQL that was a deadlock, resolved after a second). The sort
    // is stable: a chat's messages keep their arrival order, hence their seqs.
    let mut order: Vec<usize> = (0..batch.len()).collect();
    order.sort_by_key(|&i| batch[i].chat);
    let sorted: Vec<&NewPost> = order.iter().map(|&i| &batch[i]).collect();
    let stored = match conn {
        // One statement, one round trip (see `message_batch_pg`).
        AnyConnection::Postgresql(c) => super::message_batch_pg::store_rows(c, &sorted, at)?,
        // BEGIN IMMEDIATE takes the write lock up front (see `write_tx`).
        AnyConnection::Sqlite(c) => store_rows_sqlite(c, &sorted, at)?,
    };
    let mut rows: Vec<Option<BatchRow>> = (0..batch.len()).map(|_| None).collect();
    for (i, row) in order.into_iter().zip(stored) {
        rows[i] = Some(row);
    }
    // The stored messages' attachments, signed for the echo: one query, and only when some
    // message of the batch carries files (after commit: an attached upload never changes).
    let with_files: Vec<MessageId> = rows
        .iter()
        .zip(batch)
        .filter(|(_, post)| !post.attachments.is_empty())
        .filter_map(|(row, _)| match row {
            Some(BatchRow::Stored(stored)) => Some(stored.row.id),
            _ => None,
        })
        .collect();
    let mut attachments = if with_files.is_empty() {
        HashMap::new()
    } else {
        super::uploads::attachments_of(conn, &with_files)?
    };
    Ok(rows
        .into_iter()
        .zip(batch)
        .map(|(row, post)| match row.unwrap_or(BatchRow::NotFound) {
            BatchRow::Stored(stored) => {
                let mut message = stored.row.into_message(&post.sender.username);
                message.reply_to = stored.reply_to;
                message.mentions = stored.mentions;
                message.attachments = attachments.remove(&message.id).unwrap_or_default();
                BatchOutcome::Stored(Box::new(Delivery {
                    message,
                    members: stored.members.as_ref().clone(),
                }))
            }
            BatchRow::Duplicate => BatchOutcome::Duplicate,
            BatchRow::BadReply => BatchOutcome::BadReply,
            BatchRow::BadAttachment => BatchOutcome::BadAttachment,
            BatchRow::NotFound => BatchOutcome::NotFound,
            BatchRow::Blocked => BatchOutcome::Blocked,
        })
        .collect())
}

/// Whether a message's attachments may be attached (SQLite path; PostgreSQL judges the same
/// in its statement).
enum Attachable {
    Yes,
    /// The sender's `client_id` is stored already: a retry, whose files are attached to the
    /// original (checked first, so a retry is answered as one).
    Retry,
    /// Some upload is not the sender's or is attached already (the same answer for both, so
    /// nobody learns whether someone else's upload id exists).
    No,
}

macro_rules! attachable {
    ($c:ident, $post:ident) => {{
        let retry: bool = diesel::select(diesel::dsl::exists(
            messages::table
                .filter(messages::sender_id.eq($post.sender.id))
                .filter(messages::client_id.eq(ClientKey($post.client_id))),
        ))
        .get_result($c)?;
        if retry {
            Ok::<_, diesel::result::Error>(Attachable::Retry)
        } else {
            let free: i64 = uploads::table
                .filter(uploads::id.eq_any(&$post.attachments))
                .filter(uploads::owner_id.eq($post.sender.id))
                .filter(uploads::message_id.is_null())
                .count()
                .get_result($c)?;
            Ok(
                if usize::try_from(free).ok() == Some($post.attachments.len()) {
                    Attachable::Yes
                } else {
                    Attachable::No
                },
            )
        }
    }};
}

/// The body of [`post_batch`] on SQLite: a statement or two per message, which costs little
/// there (no round trips: SQLite runs in the process).
macro_rules! store_rows_body {
    ($c:ident, $batch:ident, $at:ident) => {{
        let mut members_of: HashMap<ChatId, Arc<Vec<UserId>>> = HashMap::new();
        let mut rows = Vec::with_capacity($batch.len());
        for post in $batch {
            let chat = post.chat;
            // The original must be in the same chat: a reply never quotes another chat.
            let mut reply_to = None;
            if let Some(original) = post.reply_to {
                let found: Option<(MessageRow, String)> = messages::table
                    .inner_join(users::table)
                    .filter(messages::id.eq(original))
                    .filter(messages::chat_id.eq(chat))
                    .select((messages::all_columns, users::username))
                    .first($c)
                    .optional()?;
                match found {
                    Some((row, name)) => reply_to = Some(reply_preview(&row, &name)),
                    None => {
                        let member: bool = diesel::select(diesel::dsl::exists(
                            chat_members::table
                                .filter(chat_members::chat_id.eq(chat))
                                .filter(chat_members::user_id.eq(post.sender.id)),
                        ))
                        .get_result($c)?;
                        rows.push(if member {
                            BatchRow::BadReply
                        } else {
                            BatchRow::NotFound
                        });
                        continue;
                    }
                }
            }
            let is_member = chat_members::table
                .filter(chat_members::chat_id.eq(chat))
                .filter(chat_members::user_id.eq(post.sender.id));
            // Locks the chat row (PostgreSQL) until commit: concurrent senders queue here.
            let seq: Option<(i64, i64)> = diesel::update(
                chats::table
                    .filter(chats::id.eq(chat))
                    .filter(chats::blocked.eq(false))
                    .filter(diesel::dsl::exists(is_member)),
            )
            .set((
                chats::last_seq.eq(chats::last_seq + 1),
                chats::last_version.eq(chats::last_version + 1),
                chats::last_activity_at.eq($at),
            ))
            .returning((chats::last_seq, chats::last_version))
            .get_result($c)
            .optional()?;
            let Some((seq, version)) = seq else {
                // Rare: tell a closed direct chat (its member may know) from no chat at all.
                let blocked = chats::table
                    .filter(chats::id.eq(chat))
                    .filter(chats::blocked.eq(true))
                    .filter(diesel::dsl::exists(
                        chat_members::table
                            .filter(chat_members::chat_id.eq(chat))
                            .filter(chat_members::user_id.eq(post.sender.id)),
                    ));
                let blocked: bool = diesel::select(diesel::dsl::exists(blocked)).get_result($c)?;
                rows.push(if blocked {
                    BatchRow::Blocked
                } else {
                    BatchRow::NotFound
                });
                continue;
            };
            // Judged after membership and blocks, as on PostgreSQL, so each refusal is the same.
            let refused = if post.attachments.is_empty() {
                None
            } else {
                match attachable!($c, post)? {
                    Attachable::Yes => None,
                    Attachable::Retry => Some(BatchRow::Duplicate),
                    Attachable::No => Some(BatchRow::BadAttachment),
                }
            };
            if let Some(refused) = refused {
                // Give the seq and version back (the chat row is ours until commit).
                diesel::update(chats::table.filter(chats::id.eq(chat)))
                    .set((
                        chats::last_seq.eq(chats::last_seq - 1),
                        chats::last_version.eq(chats::last_version - 1),
                    ))
                    .execute($c)?;
                rows.push(refused);
                continue;
            }
            let inserted: Option<MessageRow> = diesel::insert_into(messages::table)
                .values((
                    messages::chat_id.eq(chat),
                    messages::seq.eq(seq),
                    messages::sender_id.eq(post.sender.id),
                    messages::content.eq(&post.content),
                    messages::client_id.eq(ClientKey(post.client_id)),
                    messages::created_at.eq($at),
                    messages::deleted.eq(false),
                    messages::version.eq(version),
                    messages::reply_to_id.eq(post.reply_to),
                ))
                .on_conflict_do_nothing()
                .returning(messages::all_columns)
                .get_result($c)
                .optional()?;
            let Some(row) = inserted else {
                // A retry: give the seq and version back (the chat row is ours until commit).
                diesel::update(chats::table.filter(chats::id.eq(chat)))
                    .set((
                        chats::last_seq.eq(chats::last_seq - 1),
                        chats::last_version.eq(chats::last_version - 1),
                    ))
                    .execute($c)?;
                rows.push(BatchRow::Duplicate);
                continue;
            };
            let members = match members_of.get(&chat) {
                Some(m) => m.clone(),
                None => {
                    let m: Vec<UserId> = chat_members::table
                        .filter(chat_members::chat_id.eq(chat))
                        .select(chat_members::user_id)
                        .load($c)?;
                    let m = Arc::new(m);
                    members_of.insert(chat, m.clone());
                    m
                }
            };
            // In the message's own transaction: the files are attached exactly when it is stored.
            for (position, upload) in post.attachments.iter().enumerate() {
                diesel::update(
                    uploads::table
                        .filter(uploads::id.eq(*upload))
                        .filter(uploads::message_id.is_null()),
                )
                .set((
                    uploads::message_id.eq(row.id),
                    uploads::position.eq(i32::try_from(position).unwrap_or(i32::MAX)),
                ))
                .execute($c)?;
            }
            let mentions = store_mentions!($c, row.id, chat, seq, post.sender.id, &post.content)?;
            rows.push(BatchRow::Stored(Box::new(StoredRow {
                row,
                members,
                reply_to,
                mentions,
            })));
        }
        Ok::<_, diesel::result::Error>(rows)
    }};
}

fn store_rows_sqlite(
    c: &mut SqliteConnection,
    batch: &[&NewPost],
    at: chrono::NaiveDateTime,
) -> QueryResult<Vec<BatchRow>> {
    c.immediate_transaction(|c| store_rows_body!(c, batch, at))
}

/// Messages `from..=to` (by seq) of `chat`, in seq order, for fan-out that missed them. No
/// viewer: the caller delivers only to the chat's members.
pub(crate) fn by_seq_range(
    conn: &mut AnyConnection,
    chat: ChatId,
    from: i64,
    to: i64,
) -> AppResult<Vec<Message>> {
    let rows: Vec<(MessageRow, String)> = messages::table
        .inner_join(users::table)
        .filter(messages::chat_id.eq(chat))
        .filter(messages::seq.ge(from))
        .filter(messages::seq.le(to))
        .order(messages::seq.asc())
        .select((messages::all_columns, users::username))
        .load(conn)?;
    render(conn, rows)
}

/// The messages of `chat` up to seq `to` stored after `since`, in seq order: what may still be
/// on its way from other instances when a hub first sees the chat.
pub(crate) fn stored_since(
    conn: &mut AnyConnection,
    chat: ChatId,
    to: i64,
    since: chrono::NaiveDateTime,
) -> AppResult<Vec<Message>> {
    let rows: Vec<(MessageRow, String)> = messages::table
        .inner_join(users::table)
        .filter(messages::chat_id.eq(chat))
        .filter(messages::seq.le(to))
        .filter(messages::created_at.gt(since))
        .order(messages::seq.asc())
        .select((messages::all_columns, users::username))
        .load(conn)?;
    render(conn, rows)
}

/// At most `limit` messages of `chat` changed (sent, edited, deleted) after `version`, in
/// version order, for fan-out that may have missed the changes. No viewer: the caller
/// delivers only to the chat's members.
pub(crate) fn changed_after(
    conn: &mut AnyConnection,
    chat: ChatId,
    version: i64,
    limit: usize,
) -> AppResult<Vec<Message>> {
    let rows: Vec<(MessageRow, String)> = messages::table
        .inner_join(users::table)
        .filter(messages::chat_id.eq(chat))
        .filter(messages::version.gt(version))
        .order(messages::version.asc())
        .limit(i64::try_from(limit).unwrap_or(i64::MAX))
        .select((messages::all_columns, users::username))
        .load(conn)?;
    render(conn, rows)
}

/// The stored message a retried `client_id` refers to.
pub(crate) fn stored_retry(
    conn: &mut AnyConnection,
    sender: UserId,
    client_id: Uuid,
) -> AppResult<Message> {
    by_client_id(conn, sender, client_id)?.ok_or(AppError::internal("duplicate client_id vanished"))
}

/// Loads a message the `author` may change: it exists in a chat they belong to (else
/// `NotFound`), they wrote it (else `Forbidden`), it is not deleted (else `NotFound`) and it is
/// not a system line (else `Validation`).
fn own_message(
    conn: &mut AnyConnection,
    author: UserId,
    id: MessageId,
) -> AppResult<(MessageRow, String)> {
    let row: Option<(MessageRow, String)> = messages::table
        .inner_join(users::table)
        .filter(messages::id.eq(id))
        .select((messages::all_columns, users::username))
        .first(conn)
        .optional()?;
    let (row, name) = row.ok_or(AppError::NotFound("no such message"))?;
    require_member(conn, row.chat_id, author).map_err(|_| AppError::NotFound("no such message"))?;
    if row.sender_id != author {
        return Err(AppError::Forbidden("you can only change your own messages"));
    }
    if row.deleted {
        return Err(AppError::NotFound("message was deleted"));
    }
    if row.system_event.is_some() {
        return Err(AppError::Validation(
            "a line about the group's members or name cannot be edited or deleted".into(),
        ));
    }
    Ok((row, name))
}

/// Takes the chat's next version for a change made in this transaction. On PostgreSQL this locks
/// the chat row, like storing a message does (same lock order: chat, then message).
pub(crate) fn next_version(conn: &mut AnyConnection, chat: ChatId) -> AppResult<i64> {
    Ok(diesel::update(chats::table.filter(chats::id.eq(chat)))
        .set(chats::last_version.eq(chats::last_version + 1))
        .returning(chats::last_version)
        .get_result(conn)?)
}

/// Applies `changes` to a message that is not deleted. A delete that committed since
/// `own_message` read the row (another request, another instance) leaves nothing to change:
/// `NotFound`, and the transaction, version included, rolls back, so an edit can never put
/// text back on a tombstone.
fn change_live_message<V>(conn: &mut AnyConnection, id: MessageId, changes: V) -> AppResult<()>
where
    V: AsChangeset<Target = messages::table>,
    V::Changeset: diesel::query_builder::QueryFragment<crate::db::MultiBackend>,
{
    let changed = diesel::update(
        messages::table
            .filter(messages::id.eq(id))
            .filter(messages::deleted.eq(false)),
    )
    .set(changes)
    .execute(conn)?;
    if changed == 1 {
        Ok(())
    } else {
        Err(AppError::NotFound("message was deleted"))
    }
}

pub(crate) fn edit(
    conn: &mut AnyConnection,
    author: UserId,
    id: MessageId,
    content: &str,
) -> AppResult<Delivery> {
    write_tx(conn, |c| {
        let (mut row, name) = own_message(c, author, id)?;
        let version = next_version(c, row.chat_id)?;
        let at = now();
        change_live_message(
            c,
            id,
            (
                messages::content.eq(content),
                messages::edited_at.eq(at),
                messages::version.eq(version),
            ),
        )?;
        let (chat, seq) = (row.chat_id, row.seq);
        forget(c, id, false)?;
        crate::on_native!(&mut *c, |c| store_mentions!(
            c, id, chat, seq, author, content
        ))?;
        row.content = content.to_owned();
        row.edited_at = Some(at);
        row.version = version;
        let members = member_ids(c, row.chat_id)?;
        let message = render(c, vec![(row, name)])?
            .pop()
            .ok_or(AppError::internal("an edited message vanished"))?;
        Ok(Delivery { message, members })
    })
}

/// Turns the message into a tombstone: it keeps its seq; its text is erased from storage.
pub(crate) fn delete(
    conn: &mut AnyConnection,
    author: UserId,
    id: MessageId,
) -> AppResult<Delivery> {
    write_tx(conn, |c| {
        let (mut row, name) = own_message(c, author, id)?;
        let version = next_version(c, row.chat_id)?;
        change_live_message(
            c,
            id,
            (
                messages::content.eq(""),
                messages::deleted.eq(true),
                messages::version.eq(version),
            ),
        )?;
        // A tombstone keeps nothing of what it was: no mentions, no reactions.
        forget(c, id, true)?;
        row.deleted = true;
        row.version = version;
        let members = member_ids(c, row.chat_id)?;
        Ok(Delivery {
            message: row.into_message(&name),
            members,
        })
    })
}

/// Messages of one chat that outlived the retention period and are now tombstones.
pub(crate) struct Expired {
    pub(crate) chat: ChatId,
    pub(crate) members: Vec<UserId>,
    /// (id, seq, version) of each tombstone, in seq order.
    pub(crate) gone: Vec<(MessageId, i64, i64)>,
}

/// Where retention looks: every chat (against the server's period) or one group (against its own).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Scope {
    Everywhere,
    Chat(ChatId),
}

/// Turns up to `limit` messages of one chat (in `scope`) stored before `cutoff` into tombstones (text
/// erased, seq kept), each with a version of its own as a delete has, so resuming clients see
/// them go. One short transaction per call, so writers are never held up for long; `None`
/// when nothing has expired.
pub(crate) fn expire_batch(
    conn: &mut AnyConnection,
    scope: Scope,
    cutoff: chrono::NaiveDateTime,
    limit: i64,
) -> AppResult<Option<Expired>> {
    let expired = messages::table
        .filter(messages::deleted.eq(false))
        .filter(messages::created_at.lt(cutoff));
    let found = match scope {
        Scope::Everywhere => expired.select(messages::chat_id).first::<ChatId>(conn),
        Scope::Chat(chat) => expired
            .filter(messages::chat_id.eq(chat))
            .select(messages::chat_id)
            .first::<ChatId>(conn),
    };
    let Some(chat) = found.optional()? else {
        return Ok(None);
    };
    write_tx(conn, |c| {
        let due: Vec<(MessageId, i64)> = expired
            .filter(messages::chat_id.eq(chat))
            .order(messages::seq.asc())
            .limit(limit)
            .select((messages::id, messages::seq))
            .load(c)?;
        let mut gone = Vec::with_capacity(due.len());
        for (id, seq) in due {
            let version = next_version(c, chat)?;
            change_live_message(
                c,
                id,
                (
                    messages::content.eq(""),
                    messages::deleted.eq(true),
                    messages::version.eq(version),
                ),
            )?;
            // A tombstone keeps nothing of what it was, as a delete leaves it.
            forget(c, id, true)?;
            gone.push((id, seq, version));
        }
        let members = member_ids(c, chat)?;
        Ok(Some(Expired {
            chat,
            members,
            gone,
        }))
    })
}

/// Every message `author` sent that is not deleted, in chat and seq order (an export).
pub(crate) fn all_of(conn: &mut AnyConnection, author: UserId) -> AppResult<Vec<Message>> {
    let rows: Vec<(MessageRow, String)> = messages::table
        .inner_join(users::table)
        .filter(messages::sender_id.eq(author))
        .filter(messages::deleted.eq(false))
        .order((messages::chat_id.asc(), messages::seq.asc()))
        .select((messages::all_columns, users::username))
        .load(conn)?;
    render(conn, rows)
}

/// The ids of what `author` wrote and has not deleted yet (to erase an account).
pub(crate) fn live_ids_of(conn: &mut AnyConnection, author: UserId) -> AppResult<Vec<MessageId>> {
    Ok(messages::table
        .filter(messages::sender_id.eq(author))
        .filter(messages::deleted.eq(false))
        // System lines hold nothing the author wrote; they stay as the group's history.
        .filter(messages::system_event.is_null())
        .order(messages::id.asc())
        .select(messages::id)
        .load(conn)?)
}

/// The page size a query asks for, once its arguments check out: seqs are non-negative and
/// `limit` is 1..=100.
fn page_limit(q: &HistoryQuery) -> AppResult<i64> {
    let limit = q.limit.unwrap_or(PAGE_DEFAULT);
    if !(1..=PAGE_MAX).contains(&limit) {
        return Err(AppError::Validation(format!(
            "limit must be between 1 and {PAGE_MAX}"
        )));
    }
    if q.after_version.is_some() && (q.before_seq.is_some() || q.after_seq.is_some()) {
        return Err(AppError::Validation(
            "after_version cannot be combined with before_seq or after_seq".into(),
        ));
    }
    if q.before_seq.is_some_and(|s| s < 0)
        || q.after_seq.is_some_and(|s| s < 0)
        || q.after_version.is_some_and(|v| v < 0)
    {
        return Err(AppError::Validation(
            "seq cursors must not be negative".into(),
        ));
    }
    Ok(i64::from(limit))
}

/// A page of history. With `after_version`: every message changed since that version (new,
/// edited or deleted), in version order, which is how a client resumes without missing an
/// edit. Otherwise oldest first by seq: with `after_seq` it walks forward from that seq;
/// otherwise back from `before_seq`, or from the latest. `has_more` tells whether the walk
/// could go on in its direction.
pub(crate) fn page(
    conn: &mut AnyConnection,
    chat: ChatId,
    viewer: UserId,
    query: &HistoryQuery,
) -> AppResult<MessagePage> {
    let limit = page_limit(query)?;
    // One statement shape per walk (`seq > lo AND seq < hi`, `version > v`), so each stays
    // prepared.
    let lo = query.after_seq.unwrap_or(-1);
    let hi = query.before_seq.unwrap_or(i64::MAX);
    let forward = query.after_seq.is_some() || query.after_version.is_some();
    let rows: Option<Vec<(MessageRow, String)>> = crate::on_native!(conn, |c| {
        let member: bool = diesel::select(diesel::dsl::exists(
            chat_members::table
                .filter(chat_members::chat_id.eq(chat))
                .filter(chat_members::user_id.eq(viewer)),
        ))
        .get_result(c)?;
        if !member {
            None
        } else if let Some(after) = query.after_version {
            Some(
                messages::table
                    .inner_join(users::table)
                    .filter(messages::chat_id.eq(chat))
                    .filter(messages::version.gt(after))
                    .select((messages::all_columns, users::username))
                    .order(messages::version.asc())
                    .limit(limit + 1)
                    .load(c)?,
            )
        } else {
            let page = messages::table
                .inner_join(users::table)
                .filter(messages::chat_id.eq(chat))
                .filter(messages::seq.gt(lo))
                .filter(messages::seq.lt(hi))
                .select((messages::all_columns, users::username))
                .limit(limit + 1);
            if forward {
                Some(page.order(messages::seq.asc()).load(c)?)
            } else {
                Some(page.order(messages::seq.desc()).load(c)?)
            }
        }
    });
    let mut rows = rows.ok_or(AppError::NotFound("no such chat"))?;
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let has_more = rows.len() > limit;
    rows.truncate(limit);
    if !forward {
        rows.reverse();
    }
    let messages = render(conn, rows)?;
    Ok(MessagePage { messages, has_more })
}
