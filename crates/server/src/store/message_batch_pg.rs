//! The message writer's batch on PostgreSQL in one statement, hence one round trip: on
//! loopback each round trip cost ~170–200 µs while PostgreSQL's own work per message is a
//! fraction of that, and the per-message path took ~3 of them per message (BENCHMARKS.md).
//!
//! The statement is its own transaction (no BEGIN/COMMIT around it, which would be two more
//! round trips): PostgreSQL runs a lone statement atomically and has committed it when the
//! result comes back, so nothing is echoed before its commit, and an error leaves nothing of
//! the batch behind. Inside a transaction the caller opened, it is part of that one.
//!
//! The guarantees of the per-message path, and how the statement keeps them:
//! - gapless seq and version per chat: the chat rows are locked (`FOR UPDATE`, in chat-id
//!   order like every writer, so two instances never deadlock) and read at their latest
//!   committed values; each accepted message takes the next numbers in arrival order, and the
//!   chat row is set to the last of them;
//! - membership, blocked direct chats and `reply_to` (same chat) are judged per message, in
//!   the order the per-message path judged them, so each refusal is the same;
//! - idempotent `client_id`: a key already stored, or repeated earlier in the same batch, is a
//!   duplicate and takes no seq. A retry committed by another instance after this statement's
//!   snapshot makes the insert fail on the unique index: the writer then stores the batch one
//!   message at a time, and the retry is seen;
//! - mentions are resolved against the chat's members and stored in the same statement;
//! - attachments: each listed upload must be the sender's and not attached (judged last, as on
//!   SQLite, on rows locked `FOR UPDATE` so two batches cannot both take one), and is attached
//!   in the same statement. A batch listing one upload twice refuses the later message in Rust
//!   before the statement (a single UPDATE cannot give one row to two messages).

use std::collections::HashMap;
use std::sync::Arc;

use chat_protocol::{ChatId, MessageId, User, UserId};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Bool, Integer, Nullable, Text, Timestamp};

use super::batch_rows::{BatchRow, NewPost, StoredRow};
use super::message_parts::{mentioned_names, quote};
use super::rows::MessageRow;
use crate::db::ClientKey;

const STORE_BATCH: &str = r#"
WITH input AS (
    SELECT t.ord, t.chat_id, t.sender_id, t.content, t.client_id, t.reply_to_id
    FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[])
         WITH ORDINALITY AS t(chat_id, sender_id, content, client_id, reply_to_id, ord)
),
attach AS (
    SELECT a.ord, a.upload_id, a.position
    FROM unnest($9::bigint[], $10::text[], $11::integer[]) AS a(ord, upload_id, position)
),
free_uploads AS (
    SELECT u.id, u.owner_id
    FROM uploads u
    WHERE u.id IN (SELECT upload_id FROM attach) AND u.message_id IS NULL
    ORDER BY u.id
    FOR UPDATE
),
locked AS (
    SELECT c.id, c.last_seq, c.last_version, c.blocked
    FROM chats c
    WHERE c.id IN (SELECT chat_id FROM input)
    ORDER BY c.id
    FOR UPDATE
),
judged AS (
    SELECT i.*,
        CASE
            WHEN l.id IS NULL OR NOT EXISTS (
                SELECT 1 FROM chat_members m WHERE m.chat_id = i.chat_id AND m.user_id = i.sender_id
            ) THEN 'not_found'
            WHEN i.reply_to_id IS NOT NULL AND NOT EXISTS (
                SELECT 1 FROM messages r WHERE r.id = i.reply_to_id AND r.chat_id = i.chat_id
            ) THEN 'bad_reply'
            WHEN l.blocked THEN 'blocked'
            WHEN EXISTS (
                SELECT 1 FROM messages d WHERE d.sender_id = i.sender_id AND d.client_id = i.client_id
            ) THEN 'duplicate'
            WHEN (SELECT count(*) FROM attach a WHERE a.ord = i.ord) <> (
                SELECT count(*) FROM attach a JOIN free_uploads f ON f.id = a.upload_id
                WHERE a.ord = i.ord AND f.owner_id = i.sender_id
            ) THEN 'bad_attachment'
            ELSE 'accepted'
        END AS verdict
    FROM input i LEFT JOIN locked l ON l.id = i.chat_id
),
first_of_key AS (
    SELECT j.*, row_number() OVER (PARTITION BY j.sender_id, j.client_id ORDER BY j.ord) AS nth
    FROM judged j
    WHERE j.verdict = 'accepted'
),
numbered AS (
    SELECT f.ord, f.chat_id, f.sender_id, f.content, f.client_id, f.reply_to_id,
        row_number() OVER w AS rank,
        l.last_seq + row_number() OVER w AS seq,
        l.last_version + row_number() OVER w AS version
    FROM first_of_key f JOIN locked l ON l.id = f.chat_id
    WHERE f.nth = 1
    WINDOW w AS (PARTITION BY f.chat_id ORDER BY f.ord)
),
stored AS (
    INSERT INTO messages
        (chat_id, seq, sender_id, content, client_id, created_at, deleted, version, reply_to_id)
    SELECT chat_id, seq, sender_id, content, client_id, $6, FALSE, version, reply_to_id
    FROM numbered
    RETURNING id, chat_id, seq
),
attached AS (
    UPDATE uploads u SET message_id = s.id, position = a.position
    FROM attach a
    JOIN numbered n ON n.ord = a.ord
    JOIN stored s ON s.chat_id = n.chat_id AND s.seq = n.seq
    WHERE u.id = a.upload_id AND u.message_id IS NULL
    RETURNING u.id
),
bumped AS (
    UPDATE chats c
    SET last_seq = n.last_seq, last_version = n.last_version, last_activity_at = $6
    FROM (
        SELECT chat_id, max(seq) AS last_seq, max(version) AS last_version
        FROM numbered GROUP BY chat_id
    ) n
    WHERE c.id = n.chat_id
    RETURNING c.id
),
mentioned AS (
    INSERT INTO message_mentions (message_id, user_id, chat_id, seq)
    SELECT s.id, u.id, s.chat_id, s.seq
    FROM unnest($7::bigint[], $8::text[]) AS w(ord, name)
    JOIN numbered n ON n.ord = w.ord
    JOIN stored s ON s.chat_id = n.chat_id AND s.seq = n.seq
    JOIN users u ON u.username_lower = w.name
    JOIN chat_members cm ON cm.chat_id = n.chat_id AND cm.user_id = u.id
    WHERE u.id <> n.sender_id
    RETURNING message_id, user_id
)
SELECT j.ord,
    CASE WHEN j.verdict = 'accepted' AND s.id IS NULL THEN 'duplicate' ELSE j.verdict END AS verdict,
    s.id, n.seq, n.version,
    CASE WHEN n.rank = 1 THEN
        (SELECT array_agg(cm.user_id) FROM chat_members cm WHERE cm.chat_id = j.chat_id)
    END AS members,
    (SELECT array_agg(m.user_id ORDER BY m.user_id) FROM mentioned m WHERE m.message_id = s.id)
        AS mentions,
    r.seq AS reply_seq, r.sender_id AS reply_sender, ru.username AS reply_sender_name,
    r.content AS reply_content, r.deleted AS reply_deleted
FROM judged j
LEFT JOIN numbered n ON n.ord = j.ord
LEFT JOIN stored s ON s.chat_id = n.chat_id AND s.seq = n.seq
LEFT JOIN messages r ON s.id IS NOT NULL AND r.id = j.reply_to_id
LEFT JOIN users ru ON ru.id = r.sender_id
ORDER BY j.ord
"#;

/// One message's fate as the statement reports it.
#[derive(QueryableByName)]
struct Judged {
    #[diesel(sql_type = BigInt)]
    ord: i64,
    #[diesel(sql_type = Text)]
    verdict: String,
    #[diesel(sql_type = Nullable<BigInt>)]
    id: Option<MessageId>,
    #[diesel(sql_type = Nullable<BigInt>)]
    seq: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    version: Option<i64>,
    /// On the first stored message of each chat only: the others share it.
    #[diesel(sql_type = Nullable<Array<Text>>)]
    members: Option<Vec<UserId>>,
    #[diesel(sql_type = Nullable<Array<Text>>)]
    mentions: Option<Vec<UserId>>,
    #[diesel(sql_type = Nullable<BigInt>)]
    reply_seq: Option<i64>,
    #[diesel(sql_type = Nullable<Text>)]
    reply_sender: Option<UserId>,
    #[diesel(sql_type = Nullable<Text>)]
    reply_sender_name: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    reply_content: Option<String>,
    #[diesel(sql_type = Nullable<Bool>)]
    reply_deleted: Option<bool>,
}

/// The statement answered something this code does not read: a bug, reported as a query
/// error so the batch counts as not stored.
fn malformed(what: &str) -> diesel::result::Error {
    diesel::result::Error::DeserializationError(format!("message batch: {what}").into())
}

/// Stores `batch` (sorted by chat, see `post_batch`) and says what became of each message, in
/// the batch's order.
pub(super) fn store_rows(
    c: &mut PgConnection,
    batch: &[&NewPost],
    at: chrono::NaiveDateTime,
) -> QueryResult<Vec<BatchRow>> {
    let chats: Vec<ChatId> = batch.iter().map(|p| p.chat).collect();
    let senders: Vec<UserId> = batch.iter().map(|p| p.sender.id).collect();
    let contents: Vec<&str> = batch.iter().map(|p| p.content.as_str()).collect();
    let keys: Vec<ClientKey> = batch.iter().map(|p| ClientKey(p.client_id)).collect();
    let replies: Vec<Option<MessageId>> = batch.iter().map(|p| p.reply_to).collect();
    // Mentions flattened to (ordinal, name) pairs: PostgreSQL arrays cannot be ragged.
    let (mut mention_ords, mut mention_names) = (Vec::<i64>::new(), Vec::<String>::new());
    for (i, post) in batch.iter().enumerate() {
        for name in mentioned_names(&post.content) {
            mention_ords.push(i64::try_from(i + 1).unwrap_or(i64::MAX));
            mention_names.push(name);
        }
    }
    // Attachments flattened to (ordinal, upload, position) triples. An upload listed by an
    // earlier message of the batch is replaced by an id no upload has, so the later message
    // is refused as the per-message path would refuse it (attached already).
    let (mut attach_ords, mut attach_ids, mut attach_positions) =
        (Vec::<i64>::new(), Vec::<String>::new(), Vec::<i32>::new());
    let mut claimed = std::collections::HashSet::new();
    for (i, post) in batch.iter().enumerate() {
        for (position, upload) in post.attachments.iter().enumerate() {
            attach_ords.push(i64::try_from(i + 1).unwrap_or(i64::MAX));
            attach_ids.push(if claimed.insert(*upload) {
                upload.to_string()
            } else {
                uuid::Uuid::nil().to_string()
            });
            attach_positions.push(i32::try_from(position).unwrap_or(i32::MAX));
        }
    }
    let judged: Vec<Judged> = diesel::sql_query(STORE_BATCH)
        .bind::<Array<Text>, _>(&chats)
        .bind::<Array<Text>, _>(&senders)
        .bind::<Array<Text>, _>(&contents)
        .bind::<Array<Text>, _>(&keys)
        .bind::<Array<Nullable<BigInt>>, _>(&replies)
        .bind::<Timestamp, _>(at)
        .bind::<Array<BigInt>, _>(&mention_ords)
        .bind::<Array<Text>, _>(&mention_names)
        .bind::<Array<BigInt>, _>(&attach_ords)
        .bind::<Array<Text>, _>(&attach_ids)
        .bind::<Array<Integer>, _>(&attach_positions)
        .load(c)?;
    if judged.len() != batch.len() {
        return Err(malformed("not one row per message"));
    }
    let mut members_of: HashMap<ChatId, Arc<Vec<UserId>>> = HashMap::new();
    judged
        .into_iter()
        .zip(batch)
        .enumerate()
        .map(|(i, (row, post))| {
            if usize::try_from(row.ord).ok() != Some(i + 1) {
                return Err(malformed("rows out of order"));
            }
            into_batch_row(row, post, at, &mut members_of)
        })
        .collect()
}

fn into_batch_row(
    row: Judged,
    post: &NewPost,
    at: chrono::NaiveDateTime,
    members_of: &mut HashMap<ChatId, Arc<Vec<UserId>>>,
) -> QueryResult<BatchRow> {
    match row.verdict.as_str() {
        "not_found" => return Ok(BatchRow::NotFound),
        "bad_reply" => return Ok(BatchRow::BadReply),
        "bad_attachment" => return Ok(BatchRow::BadAttachment),
        "blocked" => return Ok(BatchRow::Blocked),
        "duplicate" => return Ok(BatchRow::Duplicate),
        "accepted" => {}
        other => return Err(malformed(&format!("unknown verdict {other}"))),
    }
    let (Some(id), Some(seq), Some(version)) = (row.id, row.seq, row.version) else {
        return Err(malformed("a stored message without id, seq or version"));
    };
    if let Some(members) = row.members {
        members_of.insert(post.chat, Arc::new(members));
    }
    let members = members_of
        .get(&post.chat)
        .cloned()
        .ok_or_else(|| malformed("a chat's first message carried no members"))?;
    let reply_to = match (post.reply_to, row.reply_seq, row.reply_sender) {
        (Some(original), Some(reply_seq), Some(sender)) => Some(quote(
            original,
            reply_seq,
            User {
                id: sender,
                username: row.reply_sender_name.unwrap_or_default(),
            },
            row.reply_content.as_deref().unwrap_or_default(),
            row.reply_deleted.unwrap_or_default(),
        )),
        (Some(_), _, _) => return Err(malformed("an accepted reply without its original")),
        (None, _, _) => None,
    };
    Ok(BatchRow::Stored(Box::new(StoredRow {
        row: MessageRow {
            id,
            chat_id: post.chat,
            seq,
            sender_id: post.sender.id,
            content: post.content.clone(),
            client_id: Some(ClientKey(post.client_id)),
            created_at: at,
            edited_at: None,
            deleted: false,
            version,
            reply_to_id: post.reply_to,
            system_event: None,
        },
        members,
        reply_to,
        mentions: row.mentions.unwrap_or_default(),
    })))
}
