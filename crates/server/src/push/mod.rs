//! Web Push: browsers subscribe (`http::push`), and every new direct message or mention is
//! pushed, encrypted end to end, to the recipients' subscribed browsers when they have no socket
//! open anywhere. Sending happens off the message path: the writer hands each stored message to
//! a bounded queue (dropping, and counting, when it is full), and one task here decides who gets
//! a push and sends them with bounded concurrency, so a slow push service never slows chat.

pub(crate) mod endpoint;
mod notice;
mod sender;
pub(crate) mod vapid;

use std::sync::Arc;

use chat_protocol::{Message, UserId};
use tokio::sync::{Semaphore, mpsc};

use crate::realtime::StoredHook;
use crate::state::AppState;
use crate::store::messages::Delivery;
use crate::store::push_subscriptions::{self, Subscription};
pub(crate) use sender::PushClient;
use sender::Sent;
pub(crate) use vapid::{Vapid, VapidError};

/// Messages waiting to be considered for a push; beyond this they are dropped (and counted).
const QUEUE: usize = 4096;
/// Pushes in flight at once.
const CONCURRENT_SENDS: usize = 32;

/// A stored message that may need pushes.
pub(crate) struct PushJob {
    message: Message,
    members: Vec<UserId>,
}

/// What receives [`PushJob`]s; handed to [`deliver_forever`].
pub(crate) struct PushJobs(mpsc::Receiver<PushJob>);

/// The writer's hook that queues stored messages for pushes, and the receiving end.
pub(crate) fn queue(metrics: Arc<crate::metrics::Metrics>) -> (StoredHook, PushJobs) {
    let (tx, rx) = mpsc::channel(QUEUE);
    let hook: StoredHook = Box::new(move |delivery: &Delivery| {
        if !notice::may_push(&delivery.message, &delivery.members) {
            return;
        }
        let job = PushJob {
            message: delivery.message.clone(),
            members: delivery.members.clone(),
        };
        if tx.try_send(job).is_err() {
            metrics.push_outcome("dropped").inc();
        }
    });
    (hook, PushJobs(rx))
}

/// Takes queued messages one by one for as long as the server runs.
pub(crate) async fn deliver_forever(state: Arc<AppState>, jobs: PushJobs) {
    let PushJobs(mut jobs) = jobs;
    let sends = Arc::new(Semaphore::new(CONCURRENT_SENDS));
    while let Some(job) = jobs.recv().await {
        if let Err(e) = consider(&state, &sends, job).await {
            tracing::warn!(error = %e, "web push: could not look up recipients");
        }
    }
}

/// Finds who gets a push about one message and starts the sends.
async fn consider(
    state: &Arc<AppState>,
    sends: &Arc<Semaphore>,
    job: PushJob,
) -> crate::error::AppResult<()> {
    let chat = job.message.chat_id;
    let candidates: Vec<UserId> = job
        .members
        .iter()
        .copied()
        .filter(|m| *m != job.message.sender.id)
        .collect();
    let Some(targets) = state
        .db(move |c| push_subscriptions::targets(c, chat, &candidates))
        .await?
    else {
        return Ok(());
    };
    let recipients = notice::recipients(&job.message, targets.kind, &job.members);
    let mut subscriptions: Vec<(Subscription, chat_protocol::PushReason)> = targets
        .subscriptions
        .into_iter()
        .filter_map(|s| {
            let reason = recipients.iter().find(|(u, _)| *u == s.user_id)?.1;
            Some((s, reason))
        })
        .collect();
    if subscriptions.is_empty() {
        return Ok(());
    }
    // Someone with the app open anywhere is told by the app itself.
    let mut users: Vec<UserId> = subscriptions.iter().map(|(s, _)| s.user_id).collect();
    users.sort_unstable();
    users.dedup();
    let online = state.realtime().online(&users).await;
    subscriptions.retain(|(s, _)| {
        users
            .iter()
            .position(|u| *u == s.user_id)
            .is_some_and(|i| !online.get(i).copied().unwrap_or(false))
    });
    for (subscription, reason) in subscriptions {
        let plaintext = match serde_json::to_vec(&notice::notice(
            &job.message,
            targets.chat_name.clone(),
            reason,
        )) {
            Ok(bytes) => bytes,
            Err(e) => return Err(crate::error::AppError::internal(e)),
        };
        let Ok(permit) = sends.clone().acquire_owned().await else {
            return Ok(());
        };
        let state = state.clone();
        actix_web::rt::spawn(async move {
            let sent = state.push().client.send(&subscription, &plaintext).await;
            drop(permit);
            settle(&state, &subscription, sent).await;
        });
    }
    Ok(())
}

/// Counts the outcome; forgets a subscription its push service no longer knows.
async fn settle(state: &AppState, subscription: &Subscription, sent: Sent) {
    match sent {
        Sent::Delivered => {
            state.metrics().push_outcome("sent").inc();
        }
        Sent::Gone => {
            state.metrics().push_outcome("gone").inc();
            let endpoint = subscription.endpoint.clone();
            if let Err(e) = state
                .db(move |c| push_subscriptions::forget_endpoint(c, &endpoint))
                .await
            {
                tracing::warn!(error = %e, "web push: could not forget a gone subscription");
            }
        }
        Sent::Failed(why) => {
            state.metrics().push_outcome("failed").inc();
            tracing::info!(reason = %why, "web push not delivered");
        }
    }
}
