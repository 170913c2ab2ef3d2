//! Retention (`MESSAGE_RETENTION_DAYS`): messages older than the period become tombstones
//! (seq kept, text erased) in small batches, each its own short transaction with a pause
//! between, so writers are never held up; members see them go (`message_deleted`) live, or
//! when they resume by version.

use std::sync::Arc;
use std::time::Duration;

use chat_protocol::ServerEvent;

use crate::state::AppState;
use crate::store::{self, messages};

/// Messages erased per transaction.
const BATCH: i64 = 200;
/// Between two batches: room for the writers.
const PAUSE: Duration = Duration::from_millis(20);
/// How often the sweep looks for newly expired messages (and once at start).
const SWEEP_EVERY: Duration = Duration::from_secs(600);

pub(crate) async fn sweep_forever(state: Arc<AppState>, days: u32) {
    let mut tick = tokio::time::interval(SWEEP_EVERY);
    loop {
        tick.tick().await;
        let swept = sweep(&state, days).await;
        if swept > 0 {
            tracing::info!(messages = swept, days, "retention: expired messages erased");
        }
    }
}

/// Erases everything older than `days` now; how many messages that was.
pub(crate) async fn sweep(state: &AppState, days: u32) -> usize {
    let cutoff = store::now() - chrono::Duration::days(i64::from(days));
    let mut swept = 0;
    loop {
        match state
            .db(move |c| messages::expire_batch(c, cutoff, BATCH))
            .await
        {
            Ok(Some(expired)) => {
                swept += expired.gone.len();
                for (message_id, seq, version) in expired.gone {
                    let event = ServerEvent::MessageDeleted {
                        chat_id: expired.chat,
                        message_id,
                        seq,
                        version,
                    };
                    state.realtime().publish(&expired.members, &event);
                }
                tokio::time::sleep(PAUSE).await;
            }
            Ok(None) => return swept,
            Err(e) => {
                tracing::warn!(error = %e, "retention sweep failed; trying again later");
                return swept;
            }
        }
    }
}
