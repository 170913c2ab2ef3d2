//! Uploads in the database: who uploaded what, and which message holds it. The bytes are in
//! the upload storage (`uploads::storage`); a row is written only once they are stored, and
//! removed (by the sweep) before they are.

use std::collections::HashMap;

use chat_protocol::{Attachment, MessageId, UploadId, UserId};
use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::now;
use crate::db::AnyConnection;
use crate::db::schema::{messages, uploads};
use crate::error::AppResult;
use crate::uploads::Received;
use crate::uploads::signing::{Variant, signer};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = uploads)]
pub(crate) struct UploadRow {
    pub id: UploadId,
    pub owner_id: UserId,
    pub message_id: Option<MessageId>,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub thumbnail_type: Option<String>,
    pub created_at: NaiveDateTime,
}

impl UploadRow {
    /// The wire form, with links signed now: only ever built for someone who may see it.
    pub(crate) fn to_attachment(&self) -> Attachment {
        let at = chrono::Utc::now().timestamp();
        let signer = signer();
        Attachment {
            id: self.id,
            name: self.name.clone(),
            content_type: self.content_type.clone(),
            size: self.size,
            width: self.width.and_then(|w| u32::try_from(w).ok()),
            height: self.height.and_then(|h| u32::try_from(h).ok()),
            url: signer.url(self.id, Variant::Original, at),
            thumbnail_url: self
                .thumbnail_type
                .is_some()
                .then(|| signer.url(self.id, Variant::Thumbnail, at)),
        }
    }
}

/// Records a stored upload of `owner`'s; not attached to anything yet.
pub(crate) fn insert(
    conn: &mut AnyConnection,
    owner: UserId,
    name: &str,
    received: &Received,
) -> AppResult<UploadRow> {
    let row = UploadRow {
        id: received.id,
        owner_id: owner,
        message_id: None,
        name: name.to_owned(),
        content_type: received.content_type.clone(),
        size: i64::try_from(received.size).unwrap_or(i64::MAX),
        width: received.width.and_then(|w| i32::try_from(w).ok()),
        height: received.height.and_then(|h| i32::try_from(h).ok()),
        thumbnail_type: received.thumbnail_type.map(str::to_owned),
        created_at: now(),
    };
    diesel::insert_into(uploads::table)
        .values((
            uploads::id.eq(row.id),
            uploads::owner_id.eq(row.owner_id),
            uploads::name.eq(&row.name),
            uploads::content_type.eq(&row.content_type),
            uploads::size.eq(row.size),
            uploads::width.eq(row.width),
            uploads::height.eq(row.height),
            uploads::thumbnail_type.eq(&row.thumbnail_type),
            uploads::created_at.eq(row.created_at),
        ))
        .execute(conn)?;
    Ok(row)
}

/// The attachments of each of `ids` (messages not deleted), in the order their sender gave.
pub(crate) fn attachments_of(
    conn: &mut AnyConnection,
    ids: &[MessageId],
) -> AppResult<HashMap<MessageId, Vec<Attachment>>> {
    let rows: Vec<UploadRow> = uploads::table
        .filter(uploads::message_id.eq_any(ids))
        .order((uploads::message_id, uploads::position))
        .select(UploadRow::as_select())
        .load(conn)?;
    let mut by_message: HashMap<MessageId, Vec<Attachment>> = HashMap::new();
    for row in rows {
        if let Some(message) = row.message_id {
            by_message
                .entry(message)
                .or_default()
                .push(row.to_attachment());
        }
    }
    Ok(by_message)
}

/// An upload that may still be served: unattached, or held by a message that is not deleted.
/// (A deleted message's files stop being served at once, before the sweep removes them.)
pub(crate) fn servable(conn: &mut AnyConnection, id: UploadId) -> AppResult<Option<UploadRow>> {
    let row: Option<UploadRow> = uploads::table
        .filter(uploads::id.eq(id))
        .select(UploadRow::as_select())
        .first(conn)
        .optional()?;
    let Some(row) = row else {
        return Ok(None);
    };
    if let Some(message) = row.message_id {
        let deleted: bool = messages::table
            .filter(messages::id.eq(message))
            .select(messages::deleted)
            .first(conn)
            .optional()?
            .unwrap_or(true);
        if deleted {
            return Ok(None);
        }
    }
    Ok(Some(row))
}

/// The sweep's condition, as one SQL expression for both the listing and the removal.
macro_rules! due {
    ($stale:expr) => {
        uploads::message_id
            .is_null()
            .and(uploads::created_at.lt($stale))
            .or(diesel::dsl::exists(
                messages::table
                    .filter(messages::id.nullable().eq(uploads::message_id))
                    .filter(messages::deleted.eq(true)),
            ))
    };
}

/// Up to `limit` uploads whose bytes should go: never attached and made before `stale`, or
/// held by a deleted message (deleted by its sender, erased by retention or with an account).
pub(crate) fn sweepable(
    conn: &mut AnyConnection,
    stale: NaiveDateTime,
    limit: i64,
) -> AppResult<Vec<UploadId>> {
    Ok(uploads::table
        .filter(due!(stale))
        .order(uploads::created_at)
        .limit(limit)
        .select(uploads::id)
        .load(conn)?)
}

/// Removes the row of upload `id` if it is still due for the sweep (a message may have taken
/// it since [`sweepable`] listed it); true when removed, and only then may its bytes go.
pub(crate) fn forget_if_sweepable(
    conn: &mut AnyConnection,
    id: UploadId,
    stale: NaiveDateTime,
) -> AppResult<bool> {
    let removed = diesel::delete(
        uploads::table
            .filter(uploads::id.eq(id))
            .filter(due!(stale)),
    )
    .execute(conn)?;
    Ok(removed == 1)
}
