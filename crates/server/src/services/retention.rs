//! Retention: messages older than the server's period (`MESSAGE_RETENTION_DAYS`) or their
//! group's own shorter one (set by its admins) become tombstones (seq kept, text erased) in
//! small batches, each its own short transaction with a pause between, so writers are never
//! held up; members see them go (`message_deleted`) live, or when they resume by version.

use std::sync::Arc;
use std::time::Duration;

use chat_protocol::ServerEvent;

use crate::state::AppState;
use crate::store;
use crate::store::messages::{self, Scope};

/// Messages erased per transaction.
const BATCH: i64 = 200;
/// Between two batches: room for the writers.
const PAUSE: Duration = Duration::from_millis(20);
/// How often the sweep looks for newly expired messages (and once at start).
const SWEEP_EVERY: Duration = Duration::from_secs(600);

pub(crate) async fn sweep_forever(state: Arc<AppState>) {
    let mut tick = tokio::time::interval(SWEEP_EVERY);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            () = state.retention().woken() => {}
        }
        let swept = sweep(&state).await;
        if swept > 0 {
            tracing::info!(messages = swept, "retention: expired messages erased");
            // Their attachments' files go too.
            state.uploads().wake_sweep();
        }
    }
}

/// Erases everything expired now; how many messages that was. Groups with a period of their
/// own shorter than the server's go first.
async fn sweep(state: &AppState) -> usize {
    let server_days = state.retention().server_days();
    let groups = match state
        .db(move |c| store::chats::with_own_retention(c, server_days))
        .await
    {
        Ok(groups) => groups,
        Err(e) => {
            tracing::warn!(error = %e, "retention sweep failed; trying again later");
            return 0;
        }
    };
    let mut swept = 0;
    for (chat, days) in groups {
        swept += sweep_scope(state, Scope::Chat(chat), days).await;
    }
    if let Some(days) = server_days {
        swept += sweep_scope(state, Scope::Everywhere, days).await;
    }
    swept
}

async fn sweep_scope(state: &AppState, scope: Scope, days: u32) -> usize {
    let cutoff = store::now() - chrono::Duration::days(i64::from(days));
    let mut swept = 0;
    loop {
        match state
            .db(move |c| messages::expire_batch(c, scope, cutoff, BATCH))
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
