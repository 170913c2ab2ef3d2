//! The upload sweep: removes the bytes of uploads nobody attached within
//! `UPLOAD_UNATTACHED_SECS` (a day by default), and of attachments whose message was deleted
//! (by its sender, by retention, with its account). At start, every `UPLOAD_SWEEP_SECS`, and
//! soon after a message is deleted.
//!
//! Each upload's row is removed first, under the same condition that listed it, and its
//! bytes only then: a message that takes the upload in between keeps it (the removal finds
//! nothing to remove), and a row never points at bytes that are gone. A failure to remove
//! bytes after their row leaves an orphan file, logged, never a broken attachment.

use std::sync::Arc;
use std::time::Duration;

use crate::state::AppState;
use crate::store::{self, uploads};

/// Uploads looked at per query.
const BATCH: i64 = 100;

pub(crate) async fn sweep_forever(state: Arc<AppState>, every: Duration, unattached: Duration) {
    let mut tick = tokio::time::interval(every);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            () = state.uploads().woken() => {}
        }
        let removed = sweep(&state, unattached).await;
        if removed > 0 {
            tracing::info!(uploads = removed, "upload sweep: files removed");
        }
    }
}

async fn sweep(state: &AppState, unattached: Duration) -> usize {
    let stale =
        store::now() - chrono::Duration::from_std(unattached).unwrap_or(chrono::Duration::days(1));
    let mut removed = 0;
    loop {
        let due = match state.db(move |c| uploads::sweepable(c, stale, BATCH)).await {
            Ok(due) => due,
            Err(e) => {
                tracing::warn!(error = %e, "upload sweep failed; trying again later");
                return removed;
            }
        };
        let listed = due.len();
        for id in due {
            match state
                .db(move |c| uploads::forget_if_sweepable(c, id, stale))
                .await
            {
                Ok(true) => {}
                Ok(false) => continue,
                Err(e) => {
                    tracing::warn!(error = %e, "upload sweep failed; trying again later");
                    return removed;
                }
            }
            match state.uploads().discard(id).await {
                Ok(()) => removed += 1,
                Err(e) => {
                    tracing::warn!(upload = %id, error = %e, "upload sweep: file left behind")
                }
            }
        }
        if listed < usize::try_from(BATCH).unwrap_or(usize::MAX) {
            return removed;
        }
    }
}
