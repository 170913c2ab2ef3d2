//! Message search: any substring of the current text, case-insensitively, in any script, only
//! in the searcher's chats, newest first. Each database answers from its own index (SQLite: an
//! FTS5 trigram table; PostgreSQL: a pg_trgm GIN index kept in step by every write). SQLite's
//! index takes new messages in bulk a moment after they commit ([`index_pending`]); the few
//! newer ones are read directly, in the same read transaction, so a search always sees the
//! committed text (see the conversations migration for why).

use chat_protocol::limits::{SEARCH_PAGE_DEFAULT, SEARCH_PAGE_MAX, check_search};
use chat_protocol::{ChatId, MessageId, SearchQuery, SearchResults, UserId};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text};

use super::message_parts::render;
use super::rooms::contains_pattern;
use super::rows::MessageRow;
use crate::db::AnyConnection;
use crate::db::schema::{messages, users};
use crate::error::{AppError, AppResult};

#[derive(QueryableByName)]
struct Hit {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// A message newer than SQLite's index reaches, to be matched here.
#[derive(QueryableByName)]
struct Unindexed {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Text)]
    content: String,
}

/// Shorter needles have no trigram: SQLite then scans the searcher's chats with LIKE.
const TRIGRAM: usize = 3;

/// `q` as an FTS5 phrase: quoted, so every character (`*`, `:`, `-`, `AND`…) is text.
fn fts_phrase(q: &str) -> String {
    format!("\"{}\"", q.replace('"', "\"\""))
}

// The caller's messages the index does not reach yet: at most a moment's worth. The
// watermark is bound as a value so the id range drives the query (as a subquery, SQLite
// without statistics walked each of the caller's chats whole: 110 ms at 1M messages).
const SQLITE_UNINDEXED: &str = "SELECT m.id, m.content FROM messages m \
    CROSS JOIN chat_members cm ON cm.chat_id = m.chat_id AND cm.user_id = ? \
    WHERE m.id > ? AND m.deleted = 0 AND m.id < ? AND (? IS NULL OR m.chat_id = ?) \
    ORDER BY m.id DESC";

#[derive(QueryableByName)]
struct Watermark {
    #[diesel(sql_type = BigInt)]
    indexed_upto: i64,
}

// Ordered by the index's own rowid, newest first: FTS5 hands matches out in that order, so a
// common word stops after the first page's worth of the caller's messages instead of sorting
// every match in every chat (1M messages: "meeting" p50 77 ms when sorted by m.id).
const SQLITE_FTS: &str = "SELECT m.id FROM messages_fts f \
    JOIN messages m ON m.id = f.rowid \
    JOIN chat_members cm ON cm.chat_id = m.chat_id AND cm.user_id = ? \
    WHERE messages_fts MATCH ? AND m.deleted = 0 AND f.rowid < ? \
    AND (? IS NULL OR m.chat_id = ?) \
    ORDER BY f.rowid DESC LIMIT ?";

// LIKE is case-insensitive for ASCII only in SQLite; needles this short are rare.
const SQLITE_SCAN: &str = "SELECT m.id FROM messages m \
    JOIN chat_members cm ON cm.chat_id = m.chat_id AND cm.user_id = ? \
    WHERE m.content LIKE ? ESCAPE '\\' AND m.deleted = 0 AND m.id < ? \
    AND (? IS NULL OR m.chat_id = ?) \
    ORDER BY m.id DESC LIMIT ?";

// `m.id + 0`: ordered by the key's value, not by walking the key's index backwards. Told it
// may walk `messages_pkey` until it has a page, the planner does so for common words and
// reads every newer message of every chat (1.1 s at 1M messages when the searcher's chats
// are quiet); this way it asks the (chat, trigram) index for the searcher's chats only.
const POSTGRES: &str = "SELECT m.id FROM messages m \
    JOIN chat_members cm ON cm.chat_id = m.chat_id AND cm.user_id = $1 \
    WHERE lower(m.content) LIKE $2 ESCAPE '\\' AND m.deleted = FALSE AND m.id < $3 \
    AND ($4::text IS NULL OR m.chat_id = $5) \
    ORDER BY m.id + 0 DESC LIMIT $6";

pub(crate) fn search(
    conn: &mut AnyConnection,
    viewer: UserId,
    query: &SearchQuery,
) -> AppResult<SearchResults> {
    check_search(&query.q).map_err(AppError::Validation)?;
    let limit = query.limit.unwrap_or(SEARCH_PAGE_DEFAULT);
    if !(1..=SEARCH_PAGE_MAX).contains(&limit) {
        return Err(AppError::Validation(format!(
            "limit must be between 1 and {SEARCH_PAGE_MAX}"
        )));
    }
    let limit = i64::from(limit);
    let before = query.before.map_or(i64::MAX, MessageId::get);
    let chat: Option<ChatId> = query.chat_id;
    let q = query.q.as_str();
    let hits: Vec<Hit> = match conn {
        AnyConnection::Sqlite(c) if q.chars().count() < TRIGRAM => diesel::sql_query(SQLITE_SCAN)
            .bind::<Text, _>(viewer)
            .bind::<Text, _>(contains_pattern(q))
            .bind::<BigInt, _>(before)
            .bind::<Nullable<Text>, _>(chat)
            .bind::<Nullable<Text>, _>(chat)
            .bind::<BigInt, _>(limit + 1)
            .load(c)?,
        // One read transaction: the index and the newer messages as of one moment.
        AnyConnection::Sqlite(c) => c.transaction(|c| {
            let folded = q.to_lowercase();
            let watermark: Watermark =
                diesel::sql_query("SELECT indexed_upto FROM messages_fts_progress")
                    .get_result(c)?;
            let mut hits: Vec<Hit> = diesel::sql_query(SQLITE_UNINDEXED)
                .bind::<Text, _>(viewer)
                .bind::<BigInt, _>(watermark.indexed_upto)
                .bind::<BigInt, _>(before)
                .bind::<Nullable<Text>, _>(chat)
                .bind::<Nullable<Text>, _>(chat)
                .load::<Unindexed>(c)?
                .into_iter()
                .filter(|m| m.content.to_lowercase().contains(&folded))
                .map(|m| Hit { id: m.id })
                .take(usize::try_from(limit + 1).unwrap_or(usize::MAX))
                .collect();
            let wanted = limit + 1 - i64::try_from(hits.len()).unwrap_or(0);
            if wanted > 0 {
                hits.extend(
                    diesel::sql_query(SQLITE_FTS)
                        .bind::<Text, _>(viewer)
                        .bind::<Text, _>(fts_phrase(q))
                        .bind::<BigInt, _>(before)
                        .bind::<Nullable<Text>, _>(chat)
                        .bind::<Nullable<Text>, _>(chat)
                        .bind::<BigInt, _>(wanted)
                        .load::<Hit>(c)?,
                );
            }
            Ok::<_, diesel::result::Error>(hits)
        })?,
        AnyConnection::Postgresql(c) => diesel::sql_query(POSTGRES)
            .bind::<Text, _>(viewer)
            .bind::<Text, _>(contains_pattern(&q.to_lowercase()))
            .bind::<BigInt, _>(before)
            .bind::<Nullable<Text>, _>(chat)
            .bind::<Nullable<Text>, _>(chat)
            .bind::<BigInt, _>(limit + 1)
            .load(c)?,
    };
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let more = hits.len() > limit;
    let ids: Vec<MessageId> = hits
        .into_iter()
        .take(limit)
        .map(|h| MessageId::from(h.id))
        .collect();
    let rows: Vec<(MessageRow, String)> = messages::table
        .inner_join(users::table)
        .filter(messages::id.eq_any(&ids))
        .order(messages::id.desc())
        .select((messages::all_columns, users::username))
        .load(conn)?;
    let results = render(conn, rows)?;
    let next_before = if more {
        results.last().map(|m| m.id)
    } else {
        None
    };
    Ok(SearchResults {
        results,
        next_before,
    })
}

/// Messages the index takes per transaction: ~8 us each in bulk, so the message writer waits
/// at most ~40 ms for the lock.
const INDEX_BATCH: i64 = 5_000;

/// SQLite: adds messages committed since the last call to the search index, up to
/// [`INDEX_BATCH`] in one transaction; how many. PostgreSQL indexes as it writes: 0.
pub(crate) fn index_pending(conn: &mut AnyConnection) -> AppResult<usize> {
    let AnyConnection::Sqlite(c) = conn else {
        return Ok(0);
    };
    Ok(c.immediate_transaction(|c| {
        #[derive(QueryableByName)]
        struct Upto {
            #[diesel(sql_type = Nullable<BigInt>)]
            id: Option<i64>,
        }
        // ids only grow, and SQLite commits one writer at a time: nothing can appear later
        // below the highest id seen now.
        let range: Upto = diesel::sql_query(
            "SELECT MAX(id) AS id FROM (SELECT id FROM messages WHERE id > \
             (SELECT indexed_upto FROM messages_fts_progress) ORDER BY id LIMIT ?)",
        )
        .bind::<BigInt, _>(INDEX_BATCH)
        .get_result(c)?;
        let Some(upto) = range.id else {
            return Ok(0);
        };
        let indexed = diesel::sql_query(
            "INSERT INTO messages_fts(rowid, content) SELECT id, content FROM messages \
             WHERE id > (SELECT indexed_upto FROM messages_fts_progress) AND id <= ?",
        )
        .bind::<BigInt, _>(upto)
        .execute(c)?;
        diesel::sql_query("UPDATE messages_fts_progress SET indexed_upto = ?")
            .bind::<BigInt, _>(upto)
            .execute(c)?;
        Ok::<_, diesel::result::Error>(indexed)
    })?)
}

#[cfg(test)]
mod tests {
    use super::fts_phrase;

    #[test]
    fn fts_syntax_is_quoted_away() {
        assert_eq!(fts_phrase("a*b"), "\"a*b\"");
        assert_eq!(fts_phrase("say \"hi\" OR"), "\"say \"\"hi\"\" OR\"");
    }
}
