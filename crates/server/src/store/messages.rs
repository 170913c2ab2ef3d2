//! Messages: storing with a per-chat gapless `seq`, idempotent retries by `client_id`, edits,
//! tombstone deletes, and paged history.

use chat_protocol::limits::{PAGE_DEFAULT, PAGE_MAX};
use chat_protocol::{HistoryQuery, Message, MessagePage, User};
use diesel::prelude::*;
use uuid::Uuid;

use super::chats::{member_ids, require_member};
use super::{now, parse_id, to_utc, write_tx};
use crate::db::AnyConnection;
use crate::db::schema::{chat_members, chats, messages, users};
use crate::error::{AppError, AppResult};

#[derive(Debug, Clone, Queryable)]
pub struct MessageRow {
    pub id: i64,
    pub chat_id: String,
    pub seq: i64,
    pub sender_id: String,
    pub content: String,
    pub client_id: Option<String>,
    pub created_at: chrono::NaiveDateTime,
    pub edited_at: Option<chrono::NaiveDateTime>,
    pub deleted: bool,
}

impl MessageRow {
    pub fn into_message(self, sender_name: &str) -> AppResult<Message> {
        Ok(Message {
            id: self.id,
            chat_id: parse_id(&self.chat_id)?,
            seq: self.seq,
            sender: User {
                id: parse_id(&self.sender_id)?,
                username: sender_name.to_owned(),
            },
            // A tombstone never carries its old text, whatever the row still holds.
            content: if self.deleted {
                String::new()
            } else {
                self.content
            },
            client_id: self
                .client_id
                .as_deref()
                .and_then(|c| Uuid::parse_str(c).ok()),
            created_at: to_utc(self.created_at),
            edited_at: self.edited_at.map(to_utc),
            deleted: self.deleted,
        })
    }
}

/// A stored message and who must hear about it.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub message: Message,
    pub members: Vec<Uuid>,
}

/// What storing one message came to, for its sender.
#[derive(Debug)]
pub enum PostOutcome {
    /// Newly stored; fan out to `members`.
    Stored(Delivery),
    /// The sender's `client_id` was already stored: answer the sender with that message only.
    Duplicate(Message),
}

fn by_client_id(
    conn: &mut AnyConnection,
    sender: Uuid,
    client_id: Uuid,
) -> AppResult<Option<Message>> {
    let row: Option<(MessageRow, String)> = messages::table
        .inner_join(users::table)
        .filter(messages::sender_id.eq(sender.to_string()))
        .filter(messages::client_id.eq(client_id.to_string()))
        .select((messages::all_columns, users::username))
        .first(conn)
        .optional()?;
    row.map(|(m, name)| m.into_message(&name)).transpose()
}

/// One message waiting in a batch.
#[derive(Debug, Clone)]
pub struct NewPost {
    pub chat: Uuid,
    pub sender: User,
    pub content: String,
    pub client_id: Uuid,
}

/// What became of one message of a batch.
#[derive(Debug)]
pub enum BatchOutcome {
    Stored(Delivery),
    /// Already stored under this `client_id`; fetch it after the batch commits.
    Duplicate,
    /// No such chat, or the sender is not a member.
    NotFound,
}

/// Stores a batch of messages in one transaction (one commit, one fsync). Each message takes
/// the next seq of its chat from the chat row, in this same transaction, so seqs are gapless
/// and unique however many writers (or instances) race; the same statement checks that the
/// sender is a member. A message that cannot be stored leaves no trace.
/// An error means nothing of the batch was stored.
pub fn post_batch(conn: &mut AnyConnection, batch: &[NewPost]) -> AppResult<Vec<BatchOutcome>> {
    let at = now();
    let rows = match conn {
        AnyConnection::Postgresql(c) => store_rows_pg(c, batch, at)?,
        // BEGIN IMMEDIATE takes the write lock up front (see `write_tx`).
        AnyConnection::Sqlite(c) => store_rows_sqlite(c, batch, at)?,
    };
    rows.into_iter()
        .zip(batch)
        .map(|(row, post)| {
            Ok(match row {
                BatchRow::Stored(row, members) => BatchOutcome::Stored(Delivery {
                    message: row.into_message(&post.sender.username)?,
                    members: members
                        .iter()
                        .map(|m| parse_id(m))
                        .collect::<AppResult<_>>()?,
                }),
                BatchRow::Duplicate => BatchOutcome::Duplicate,
                BatchRow::NotFound => BatchOutcome::NotFound,
            })
        })
        .collect()
}

enum BatchRow {
    Stored(MessageRow, std::sync::Arc<Vec<String>>),
    Duplicate,
    NotFound,
}

/// The body of [`post_batch`], written once and compiled for each backend's connection.
macro_rules! store_rows_body {
    ($c:ident, $batch:ident, $at:ident) => {{
        let mut members_of: std::collections::HashMap<Uuid, std::sync::Arc<Vec<String>>> =
            Default::default();
        let mut rows = Vec::with_capacity($batch.len());
        for post in $batch {
            let chat_key = post.chat.to_string();
            let sender_key = post.sender.id.to_string();
            let is_member = chat_members::table
                .filter(chat_members::chat_id.eq(&chat_key))
                .filter(chat_members::user_id.eq(&sender_key));
            // Locks the chat row (PostgreSQL) until commit: concurrent senders queue here.
            let seq: Option<i64> = diesel::update(
                chats::table
                    .filter(chats::id.eq(&chat_key))
                    .filter(diesel::dsl::exists(is_member)),
            )
            .set((
                chats::last_seq.eq(chats::last_seq + 1),
                chats::last_activity_at.eq($at),
            ))
            .returning(chats::last_seq)
            .get_result($c)
            .optional()?;
            let Some(seq) = seq else {
                rows.push(BatchRow::NotFound);
                continue;
            };
            let inserted: Option<MessageRow> = diesel::insert_into(messages::table)
                .values((
                    messages::chat_id.eq(&chat_key),
                    messages::seq.eq(seq),
                    messages::sender_id.eq(&sender_key),
                    messages::content.eq(&post.content),
                    messages::client_id.eq(post.client_id.to_string()),
                    messages::created_at.eq($at),
                    messages::deleted.eq(false),
                ))
                .on_conflict_do_nothing()
                .returning(messages::all_columns)
                .get_result($c)
                .optional()?;
            let Some(row) = inserted else {
                // A retry: give the seq back (the chat row is ours until commit).
                diesel::update(chats::table.filter(chats::id.eq(&chat_key)))
                    .set(chats::last_seq.eq(chats::last_seq - 1))
                    .execute($c)?;
                rows.push(BatchRow::Duplicate);
                continue;
            };
            let members = match members_of.get(&post.chat) {
                Some(m) => m.clone(),
                None => {
                    let m: Vec<String> = chat_members::table
                        .filter(chat_members::chat_id.eq(&chat_key))
                        .select(chat_members::user_id)
                        .load($c)?;
                    let m = std::sync::Arc::new(m);
                    members_of.insert(post.chat, m.clone());
                    m
                }
            };
            rows.push(BatchRow::Stored(row, members));
        }
        Ok::<_, diesel::result::Error>(rows)
    }};
}

fn store_rows_pg(
    c: &mut diesel::PgConnection,
    batch: &[NewPost],
    at: chrono::NaiveDateTime,
) -> QueryResult<Vec<BatchRow>> {
    c.transaction(|c| store_rows_body!(c, batch, at))
}

fn store_rows_sqlite(
    c: &mut diesel::SqliteConnection,
    batch: &[NewPost],
    at: chrono::NaiveDateTime,
) -> QueryResult<Vec<BatchRow>> {
    c.immediate_transaction(|c| store_rows_body!(c, batch, at))
}

/// The stored message a retried `client_id` refers to.
pub fn stored_retry(conn: &mut AnyConnection, sender: Uuid, client_id: Uuid) -> AppResult<Message> {
    by_client_id(conn, sender, client_id)?.ok_or(AppError::internal("duplicate client_id vanished"))
}

/// Loads a message the `author` may change: it exists in a chat they belong to (else
/// `NotFound`), they wrote it (else `Forbidden`), and it is not deleted (else `NotFound`).
fn own_message(conn: &mut AnyConnection, author: Uuid, id: i64) -> AppResult<(MessageRow, String)> {
    let row: Option<(MessageRow, String)> = messages::table
        .inner_join(users::table)
        .filter(messages::id.eq(id))
        .select((messages::all_columns, users::username))
        .first(conn)
        .optional()?;
    let (row, name) = row.ok_or(AppError::NotFound("no such message"))?;
    require_member(conn, parse_id(&row.chat_id)?, author)
        .map_err(|_| AppError::NotFound("no such message"))?;
    if row.sender_id != author.to_string() {
        return Err(AppError::Forbidden("you can only change your own messages"));
    }
    if row.deleted {
        return Err(AppError::NotFound("message was deleted"));
    }
    Ok((row, name))
}

pub fn edit(conn: &mut AnyConnection, author: Uuid, id: i64, content: &str) -> AppResult<Delivery> {
    write_tx(conn, |c| {
        let (mut row, name) = own_message(c, author, id)?;
        let at = now();
        diesel::update(messages::table.find(id))
            .set((messages::content.eq(content), messages::edited_at.eq(at)))
            .execute(c)?;
        row.content = content.to_owned();
        row.edited_at = Some(at);
        let chat = parse_id(&row.chat_id)?;
        Ok(Delivery {
            message: row.into_message(&name)?,
            members: member_ids(c, chat)?,
        })
    })
}

/// Turns the message into a tombstone: it keeps its seq; its text is erased from storage.
pub fn delete(conn: &mut AnyConnection, author: Uuid, id: i64) -> AppResult<Delivery> {
    write_tx(conn, |c| {
        let (mut row, name) = own_message(c, author, id)?;
        diesel::update(messages::table.find(id))
            .set((messages::content.eq(""), messages::deleted.eq(true)))
            .execute(c)?;
        row.deleted = true;
        let chat = parse_id(&row.chat_id)?;
        Ok(Delivery {
            message: row.into_message(&name)?,
            members: member_ids(c, chat)?,
        })
    })
}

/// Checks paging arguments: seqs are non-negative and `limit` is 1..=100.
pub fn validate_query(q: &HistoryQuery) -> AppResult<i64> {
    let limit = q.limit.unwrap_or(PAGE_DEFAULT);
    if !(1..=PAGE_MAX).contains(&limit) {
        return Err(AppError::Validation(format!(
            "limit must be between 1 and {PAGE_MAX}"
        )));
    }
    if q.before_seq.is_some_and(|s| s < 0) || q.after_seq.is_some_and(|s| s < 0) {
        return Err(AppError::Validation(
            "seq cursors must not be negative".into(),
        ));
    }
    Ok(i64::from(limit))
}

/// A page of history, oldest first. With `after_seq` it walks forward from that seq (what a
/// reconnecting client asks); otherwise it walks back from `before_seq`, or from the latest.
/// `has_more` tells whether the walk could go on in its direction.
pub fn page(
    conn: &mut AnyConnection,
    chat: Uuid,
    viewer: Uuid,
    query: &HistoryQuery,
) -> AppResult<MessagePage> {
    let limit = validate_query(query)?;
    let chat_key = chat.to_string();
    let viewer_key = viewer.to_string();
    // One statement shape for every cursor (`seq > lo AND seq < hi`), so it stays prepared.
    let lo = query.after_seq.unwrap_or(-1);
    let hi = query.before_seq.unwrap_or(i64::MAX);
    let forward = query.after_seq.is_some();
    let rows: Option<Vec<(MessageRow, String)>> = crate::on_native!(conn, |c| {
        let member: bool = diesel::select(diesel::dsl::exists(
            chat_members::table
                .filter(chat_members::chat_id.eq(&chat_key))
                .filter(chat_members::user_id.eq(&viewer_key)),
        ))
        .get_result(c)?;
        if member {
            let page = messages::table
                .inner_join(users::table)
                .filter(messages::chat_id.eq(&chat_key))
                .filter(messages::seq.gt(lo))
                .filter(messages::seq.lt(hi))
                .select((messages::all_columns, users::username))
                .limit(limit + 1);
            if forward {
                Some(page.order(messages::seq.asc()).load(c)?)
            } else {
                Some(page.order(messages::seq.desc()).load(c)?)
            }
        } else {
            None
        }
    });
    let mut rows = rows.ok_or(AppError::NotFound("no such chat"))?;
    let has_more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    if !forward {
        rows.reverse();
    }
    let messages = rows
        .into_iter()
        .map(|(m, name)| m.into_message(&name))
        .collect::<AppResult<Vec<_>>>()?;
    Ok(MessagePage { messages, has_more })
}
