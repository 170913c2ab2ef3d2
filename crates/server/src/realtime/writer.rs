//! Group commit for new messages. Writer threads each own a shard of chats (one thread for
//! SQLite, which has a single writer anyway; several for PostgreSQL) and keep one connection
//! (its page cache stays warm). A writer takes every message waiting for its shard, stores them
//! in one transaction (one commit, one fsync), and only then passes the batch to its publisher
//! thread, which encodes the events and hands them to the broker in commit order (so each
//! chat's events go out in seq order) while the writer already stores the next batch.
//! Durability is unchanged: nothing is echoed before its commit.

use std::sync::Arc;

use chat_protocol::ServerEvent;
use diesel::r2d2::R2D2Connection;
use tokio::sync::{mpsc, oneshot};

use super::broker::Broker;

use crate::db::{AnyConnection, Pool, PooledConnection};
use crate::error::{AppError, AppResult};
use crate::metrics::Metrics;
use crate::store::messages::{self, BatchOutcome, Delivery, NewPost, PostOutcome};

/// Messages one transaction may carry.
const MAX_BATCH: usize = 512;

struct Job {
    post: NewPost,
    reply: oneshot::Sender<AppResult<PostOutcome>>,
}

pub(super) struct MessageWriter {
    shards: Vec<mpsc::UnboundedSender<Job>>,
}

/// Called on a writer's publisher thread for each newly stored message, after its event went
/// to the broker; it must not block (Web Push queues the message and returns).
pub(crate) type StoredHook = Box<dyn Fn(&Delivery) + Send + Sync>;

/// What the writer threads need to publish after commit.
pub(super) struct Publisher {
    pub broker: Arc<Broker>,
    pub metrics: Arc<Metrics>,
    pub on_stored: Option<StoredHook>,
}

impl MessageWriter {
    pub(super) fn start(pool: Pool, shards: usize, publish: Publisher) -> Self {
        let publish = Arc::new(publish);
        let shards = (0..shards.max(1))
            .map(|i| {
                let (tx, rx) = mpsc::unbounded_channel();
                let pool = pool.clone();
                let publish = publish.clone();
                let (committed_tx, committed_rx) = std::sync::mpsc::channel();
                std::thread::Builder::new()
                    .name(format!("msg-writer-{i}"))
                    .spawn(move || supervise(&pool, rx, &committed_tx))
                    .expect("spawn message writer thread");
                std::thread::Builder::new()
                    .name(format!("msg-publish-{i}"))
                    .spawn(move || publish_committed(committed_rx, &publish))
                    .expect("spawn message publisher thread");
                tx
            })
            .collect();
        Self { shards }
    }

    /// Queues a message; resolves once it is committed and published (or refused).
    pub(super) fn post(&self, post: NewPost) -> oneshot::Receiver<AppResult<PostOutcome>> {
        let (reply, done) = oneshot::channel();
        let index = post.chat.as_uuid().as_u128() % self.shards.len() as u128;
        let shard = &self.shards[usize::try_from(index).unwrap_or(0)];
        let job = Job { post, reply };
        if let Err(mpsc::error::SendError(job)) = shard.send(job) {
            let _ = job
                .reply
                .send(Err(AppError::internal("message writer stopped")));
        }
        done
    }
}

/// A stored batch: each job with its outcome, and how long storing took.
type Committed = (Vec<(Job, AppResult<PostOutcome>)>, std::time::Duration);

/// Runs a writer thread's loop, and runs it again if it panics: a shard whose writer died
/// would fail every message of its chats while the instance still looked ready. Posts of the
/// batch that was being stored get an internal error (their sender retries with the same
/// `client_id`, so nothing is stored twice).
fn supervise(
    pool: &Pool,
    mut queue: mpsc::UnboundedReceiver<Job>,
    committed: &std::sync::mpsc::Sender<Committed>,
) {
    loop {
        let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            store_batches(pool, &mut queue, committed);
        }));
        match run {
            // The queue or the publisher closed: the server is stopping.
            Ok(()) => return,
            Err(_) => tracing::error!("message writer panicked; restarting it"),
        }
    }
}

/// A writer thread: takes every job waiting for its shard, stores them in one transaction,
/// passes the batch on to its publisher.
fn store_batches(
    pool: &Pool,
    queue: &mut mpsc::UnboundedReceiver<Job>,
    committed: &std::sync::mpsc::Sender<Committed>,
) {
    let mut conn: Option<PooledConnection> = None;
    let mut jobs = Vec::with_capacity(MAX_BATCH);
    while queue.blocking_recv().map(|job| jobs.push(job)).is_some() {
        while jobs.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(job) => jobs.push(job),
                Err(_) => break,
            }
        }
        let started = std::time::Instant::now();
        let outcomes = store(pool, &mut conn, &jobs);
        tracing::debug!(
            messages = jobs.len(),
            micros = started.elapsed().as_micros() as u64,
            "batch committed"
        );
        let took = started.elapsed();
        let batch: Committed = (jobs.drain(..).zip(outcomes).collect(), took);
        if committed.send(batch).is_err() {
            return;
        }
    }
}

/// Encodes and publishes committed messages in commit order, then answers their senders.
fn publish_committed(committed: std::sync::mpsc::Receiver<Committed>, publish: &Publisher) {
    for (batch, took) in committed {
        publish
            .metrics
            .write_batch_messages
            .observe(batch.len() as f64);
        publish
            .metrics
            .write_batch_duration
            .observe(took.as_secs_f64());
        for (job, outcome) in batch {
            // With other instances, a retried message is published again too: if the
            // original's publish was lost (its instance died after the commit), this is how
            // the others get it. Hubs that already delivered the seq drop the repeat. Alone,
            // the original's publish cannot have been lost.
            let to_publish = match &outcome {
                Ok(PostOutcome::Stored(delivery)) => {
                    publish.metrics.messages_stored.inc();
                    Some(delivery)
                }
                Ok(PostOutcome::Duplicate(delivery)) if publish.broker.is_shared() => {
                    Some(delivery)
                }
                _ => None,
            };
            if let Some(delivery) = to_publish {
                publish.broker.publish(
                    &delivery.members,
                    &ServerEvent::NewMessage {
                        message: delivery.message.clone(),
                    },
                );
            }
            if let (Ok(PostOutcome::Stored(delivery)), Some(hook)) = (&outcome, &publish.on_stored)
            {
                hook(delivery);
            }
            let _ = job.reply.send(outcome);
        }
    }
}

/// Stores the batch in one transaction; if that fails as a whole (e.g. another instance raced
/// a retry into the unique index), stores each message on its own so one cannot sink the rest.
fn store(
    pool: &Pool,
    held: &mut Option<PooledConnection>,
    jobs: &[Job],
) -> Vec<AppResult<PostOutcome>> {
    // The writer keeps its connection between batches; a broken one is replaced.
    if held.as_mut().is_some_and(|c| c.is_broken()) {
        *held = None;
    }
    let conn = match held {
        Some(conn) => conn,
        None => match pool.get() {
            Ok(conn) => held.insert(conn),
            Err(e) => {
                let e = AppError::from(e);
                return jobs.iter().map(|_| Err(AppError::internal(&e))).collect();
            }
        },
    };
    let posts: Vec<NewPost> = jobs.iter().map(|j| j.post.clone()).collect();
    match messages::post_batch(conn, &posts) {
        Ok(outcomes) => posts
            .iter()
            .zip(outcomes)
            .map(|(post, outcome)| resolve(conn, post, outcome))
            .collect(),
        Err(batch_error) if posts.len() == 1 => vec![Err(batch_error)],
        Err(batch_error) => {
            tracing::debug!(error = %batch_error, "batch failed; storing one by one");
            posts
                .iter()
                .map(|post| {
                    let mut outcome = messages::post_batch(conn, std::slice::from_ref(post))?;
                    resolve(conn, post, outcome.remove(0))
                })
                .collect()
        }
    }
}

/// What a message's sender hears back for its outcome in a batch.
fn resolve(
    conn: &mut AnyConnection,
    post: &NewPost,
    outcome: BatchOutcome,
) -> AppResult<PostOutcome> {
    match outcome {
        BatchOutcome::Stored(delivery) => Ok(PostOutcome::Stored(*delivery)),
        BatchOutcome::NotFound => Err(AppError::NotFound("no such chat")),
        BatchOutcome::BadReply => Err(AppError::Validation(
            "reply_to must be a message of the same chat".into(),
        )),
        BatchOutcome::BadAttachment => Err(AppError::Validation(
            "attachments must be your own uploads, not attached to a message yet".into(),
        )),
        BatchOutcome::Blocked => Err(AppError::Forbidden(
            "this conversation is closed: one of you blocked the other",
        )),
        BatchOutcome::Duplicate => {
            let message = messages::stored_retry(conn, post.sender.id, post.client_id)?;
            let members = crate::store::members::member_ids(conn, message.chat_id)?;
            Ok(PostOutcome::Duplicate(Delivery { message, members }))
        }
    }
}
