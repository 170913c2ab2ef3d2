//! Real-time delivery, as one facade ([`Realtime`]) over the parts: the local hub of open
//! sockets, the per-chat reorder buffer, the broker that fans events out (in process, or
//! through Redis across instances), presence, the group-commit message writer, and the
//! per-user send limits. It never sees HTTP, sockets' frames or the application state.
//!
//! A message's path: `ws::commands` → [`Realtime::post_message`] → `writer` (one transaction
//! per batch assigns each `seq` and inserts) → `Broker::publish` → `Hub` → each member socket's
//! bounded queue.

mod broker;
mod ended;
mod events;
mod hub;
mod order;
mod presence;
mod redis;
mod reorder;
mod writer;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use chat_protocol::{ChatId, ServerEvent, SessionId, UserId};
use tokio::sync::{oneshot, watch};

use crate::db::Pool;
use crate::error::AppResult;
use crate::limits::{Budget, Rate, RateLimiter, TypingThrottle};
use crate::metrics::Metrics;
use crate::store::messages::{self, NewPost, PostOutcome};
use crate::store::{self, chats, members};
use broker::Broker;
use ended::EndedSessions;
use hub::Hub;
use presence::Presence;
use redis::{RedisBroker, RedisLink, RedisPresence};
pub(crate) use writer::StoredHook;
use writer::{MessageWriter, Publisher};

pub(crate) use events::{ChatUpdatedTemplate, encode};
pub(crate) use hub::{SocketLink, TooManySockets};
pub(crate) use redis::RedisError;
pub(crate) use reorder::Gap;
use reorder::{IN_FLIGHT, Tracked};

/// At most this many missed edits and deletes of one chat are resent after a possible loss;
/// past that its members are told to `resync`.
const RESEND_LIMIT: usize = 200;

/// Redis settings when several instances share the work.
pub(crate) struct SharedSettings {
    pub url: String,
    pub prefix: String,
    /// How long a crashed instance's users stay online at most.
    pub presence_ttl: Duration,
}

pub(crate) struct Settings {
    pub redis: Option<SharedSettings>,
    pub writer_shards: usize,
    /// Sends (and edits) per second per user; 0 is off.
    pub message_rate_limit: u32,
    /// A socket silent for this long is dropped; the server pings at a third of it.
    pub idle_timeout: Duration,
    pub max_sockets_per_user: usize,
    /// Commands per second per socket; 0 is off.
    pub command_rate_limit: u32,
    /// How long an ended session must be remembered: the access-token lifetime.
    pub access_token_ttl: Duration,
    /// Told of every newly stored message (Web Push).
    pub on_stored: Option<StoredHook>,
}

pub(crate) struct Realtime {
    pool: Pool,
    hub: Arc<Hub>,
    broker: Arc<Broker>,
    presence: Presence,
    send_limiter: RateLimiter<UserId>,
    typing: TypingThrottle,
    writer: MessageWriter,
    ended: EndedSessions,
    idle_timeout: Duration,
    max_sockets_per_user: usize,
    command_rate: Rate,
    possible_loss: AtomicBool,
    /// Flips to `true` when the server drains; sockets close with 1001.
    shutdown: watch::Receiver<bool>,
}

impl Realtime {
    /// Starts the writer threads and, with Redis, the publisher and subscriber tasks (so it
    /// must run inside the runtime).
    pub(crate) fn start(
        pool: Pool,
        settings: Settings,
        metrics: Arc<Metrics>,
        shutdown: watch::Receiver<bool>,
    ) -> Result<Self, RedisError> {
        let hub = Arc::new(if settings.redis.is_some() {
            Hub::shared_with_other_instances()
        } else {
            Hub::default()
        });
        let (broker, presence) = match settings.redis {
            None => (Broker::Local(hub.clone()), Presence::local()),
            Some(shared) => {
                let link = RedisLink::new(&shared.url, &shared.prefix)?;
                tracing::info!(instance = %link.instance, "fan-out and presence through Redis");
                (
                    Broker::Redis(Box::new(RedisBroker::start(link.clone(), hub.clone()))),
                    Presence::shared(RedisPresence::new(link, shared.presence_ttl)),
                )
            }
        };
        let broker = Arc::new(broker);
        let writer = MessageWriter::start(
            pool.clone(),
            settings.writer_shards,
            Publisher {
                broker: broker.clone(),
                metrics,
                on_stored: settings.on_stored,
            },
        );
        Ok(Self {
            pool,
            hub,
            broker,
            presence,
            send_limiter: RateLimiter::new(settings.message_rate_limit),
            typing: TypingThrottle::new(Duration::from_secs(1)),
            writer,
            ended: EndedSessions::new(settings.access_token_ttl),
            idle_timeout: settings.idle_timeout,
            max_sockets_per_user: settings.max_sockets_per_user,
            command_rate: Rate::per_second(settings.command_rate_limit),
            possible_loss: AtomicBool::new(false),
            shutdown,
        })
    }

    /// Sends `event` to every socket of every recipient, on every instance, without waiting.
    pub(crate) fn publish(&self, recipients: &[UserId], event: &ServerEvent) {
        self.broker.publish(recipients, event);
    }

    /// [`Realtime::publish`] of an event already serialised, one that has no place among its
    /// chat's messages (not a message, edit, delete or reaction: see `order::Order::of`).
    pub(crate) fn publish_encoded(&self, recipients: &[UserId], payload: bytestring::ByteString) {
        self.broker.publish_encoded(recipients, payload);
    }

    /// Queues a message for the writer; resolves once it is committed and published (or
    /// refused). Rate-limited per sender.
    pub(crate) fn post_message(&self, post: NewPost) -> oneshot::Receiver<AppResult<PostOutcome>> {
        self.writer.post(post)
    }

    /// Takes one send (or edit) from `user`'s bucket; false when they are over the limit.
    pub(crate) fn allow_send(&self, user: UserId) -> bool {
        self.send_limiter.allow(user)
    }

    /// Whether `user` announced typing in `chat` within the last second (looks only).
    pub(crate) fn typed_recently(&self, user: UserId, chat: ChatId) -> bool {
        self.typing.recently(user, chat)
    }

    /// Records a `typing` announcement; false when another one got in first.
    pub(crate) fn record_typing(&self, user: UserId, chat: ChatId) -> bool {
        self.typing.record(user, chat)
    }

    /// The per-socket budget for commands of every kind.
    pub(crate) fn command_budget(&self) -> Budget {
        Budget::new(self.command_rate)
    }

    /// Registers a socket of `user` in `session`; its events arrive on the link until the
    /// registration is dropped (or the socket falls too far behind: the receiver then ends),
    /// and the link says when the session ends. Refused beyond the per-user socket cap.
    pub(crate) fn register(
        &self,
        user: UserId,
        session: SessionId,
    ) -> Result<SocketLink, TooManySockets> {
        self.hub.register(user, session, self.max_sockets_per_user)
    }

    /// A session ended (here or, as the database says, on another instance): its access
    /// tokens are refused from now on and its sockets here are told to close.
    pub(crate) fn end_session(&self, session: SessionId) {
        if self.ended.end(session, Instant::now()) {
            self.hub.end_session(session);
        }
    }

    pub(crate) fn is_session_ended(&self, session: SessionId) -> bool {
        self.ended.is_ended(session)
    }

    /// Forgets ended sessions whose access tokens have all expired.
    pub(crate) fn prune_ended_sessions(&self) {
        self.ended.prune(Instant::now());
    }

    pub(crate) fn presence(&self) -> &Presence {
        &self.presence
    }

    /// Whether each of `users` has a socket open on any instance.
    pub(crate) async fn online(&self, users: &[UserId]) -> Vec<bool> {
        self.presence.online(users).await
    }

    pub(crate) fn idle_timeout(&self) -> Duration {
        self.idle_timeout
    }

    pub(crate) fn shutdown_signal(&self) -> watch::Receiver<bool> {
        self.shutdown.clone()
    }

    /// Releases held-back messages whose wait ran out, and returns the gaps to read from the
    /// database ([`Realtime::fill_gap`]).
    pub(crate) fn flush_overdue(&self) -> Vec<Gap> {
        self.hub.flush_overdue()
    }

    /// Something may have kept other instances' messages from arriving here (this
    /// instance's subscriber reconnected, another instance's publishing failed, or another
    /// instance died: its users' presence expired), and no later message may reveal the gap.
    pub(crate) fn note_possible_loss(&self) {
        self.possible_loss.store(true, Ordering::Release);
    }

    /// Whether a loss may have happened since the last call (see
    /// [`Realtime::note_possible_loss`]; a subscriber reconnect counts too).
    pub(crate) fn take_possible_loss(&self) -> bool {
        let noted = self.possible_loss.swap(false, Ordering::AcqRel);
        self.broker.take_resubscribed() || noted
    }

    /// After a possible loss: compares every chat ordered here with the database and delivers
    /// what is behind: new messages in seq order, and edits and deletes by version.
    pub(crate) async fn fill_missed(&self) {
        let tracked = self.hub.tracked();
        let ids: Vec<ChatId> = tracked.iter().map(|t| t.gap.chat).collect();
        let stored = store::with_db(&self.pool, move |c| chats::positions(c, &ids)).await;
        let stored: std::collections::HashMap<ChatId, (i64, i64)> = match stored {
            Ok(stored) => stored
                .into_iter()
                .map(|(chat, seq, version)| (chat, (seq, version)))
                .collect(),
            Err(e) => {
                tracing::warn!(error = %e, "cannot compare chats with the database after a possible loss");
                return;
            }
        };
        for Tracked { gap, version } in tracked {
            let Some(&(last_seq, last_version)) = stored.get(&gap.chat) else {
                continue;
            };
            if last_version > version {
                self.resend_changes(gap.chat, version, gap.from).await;
            }
            let to = gap.to.min(last_seq);
            if to >= gap.from {
                self.fill_gap(Gap { to, ..gap }).await;
            }
        }
    }

    /// Edits and deletes in `chat` after `version` that may never have arrived here (they carry
    /// no seq, so no gap reveals them): sent again, in version order, for the messages already
    /// handed out here (below seq `released_below`; newer ones come with the seq check), or a
    /// `resync` to the chat's members when there are too many to send. A change that did arrive
    /// is sent twice; clients apply a message's state by its version.
    async fn resend_changes(&self, chat: ChatId, version: i64, released_below: i64) {
        let found = store::with_db(&self.pool, move |c| {
            let changed = messages::changed_after(c, chat, version, RESEND_LIMIT + 1)?;
            let members = members::member_ids(c, chat)?;
            Ok((changed, members))
        })
        .await;
        let (changed, members) = match found {
            Ok(found) => found,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read a chat's changes from the database");
                return;
            }
        };
        if changed.len() > RESEND_LIMIT {
            self.hub.deliver(&members, &encode(&ServerEvent::Resync));
            return;
        }
        for message in changed {
            // Not released yet: it goes out as a new message, in its current state. Every
            // other one changed after its release (an edit, a delete, a reaction: a reaction
            // leaves no other trace on the row), and goes out as its current state.
            if message.seq >= released_below {
                continue;
            }
            let version = message.version;
            let event = if message.deleted {
                ServerEvent::MessageDeleted {
                    chat_id: chat,
                    message_id: message.id,
                    seq: message.seq,
                    version,
                }
            } else {
                ServerEvent::MessageUpdated { message }
            };
            self.hub
                .deliver_after(chat, version, members.clone(), encode(&event));
        }
    }

    /// Reads the messages of a gap (publications this instance never received: a Redis
    /// subscriber reconnect, another instance that died between commit and publish) from the
    /// database and hands them to the hub in seq order, which releases what waited behind them.
    pub(crate) async fn fill_gap(&self, gap: Gap) {
        let found = store::with_db(&self.pool, move |c| {
            let messages = if gap.first_sight {
                let since = chrono::Utc::now().naive_utc()
                    - chrono::Duration::from_std(IN_FLIGHT).unwrap_or_default();
                messages::stored_since(c, gap.chat, gap.to, since)?
            } else {
                messages::by_seq_range(c, gap.chat, gap.from, gap.to)?
            };
            let members = members::member_ids(c, gap.chat)?;
            Ok((messages, members))
        })
        .await;
        match found {
            Ok((messages, members)) => {
                tracing::debug!(chat = %gap.chat, from = gap.from, to = gap.to, first_sight = gap.first_sight, found = messages.len(), "seq gap filled from the database");
                if gap.first_sight {
                    let from = messages.first().map_or(gap.to + 1, |m| m.seq);
                    self.hub.settle(gap.chat, from);
                }
                for message in messages {
                    let (chat, seq, version) = (message.chat_id, message.seq, message.version);
                    let stored_at_ms = message.created_at.timestamp_millis();
                    let payload = encode(&ServerEvent::NewMessage { message });
                    self.hub.deliver_in_order(
                        chat,
                        (seq, version),
                        members.clone(),
                        payload,
                        Some(stored_at_ms),
                    );
                }
            }
            Err(e) => tracing::warn!(error = %e, "cannot read a seq gap from the database"),
        }
    }

    /// At shutdown, after the sockets closed and in-flight posts committed: waits (a few
    /// seconds at most) until their events have left for the other instances.
    pub(crate) async fn flush(&self) {
        self.broker.flush(Duration::from_secs(5)).await;
    }

    /// Whether fan-out works right now (for `/readyz`).
    pub(crate) async fn ping(&self) -> bool {
        self.broker.ping().await
    }

    /// Counters for `/metrics`: events queued to local sockets, slow sockets cut loose, events
    /// that never reached the other instances.
    /// The hub's and the broker's counters, read at every scrape of `/metrics`.
    pub(crate) fn readings(&self) -> impl Fn() -> crate::metrics::Readings + Send + Sync + 'static {
        let (hub, broker) = (self.hub.clone(), self.broker.clone());
        move || {
            let (delivered, dropped_slow) = hub.counts();
            vec![
                (
                    "events_delivered",
                    "Events queued to local sockets",
                    delivered,
                ),
                (
                    "slow_sockets_dropped",
                    "Sockets disconnected for not keeping up",
                    dropped_slow,
                ),
                (
                    "redis_publish_failures",
                    "Events that could not be handed to Redis for the other instances",
                    broker.publish_failures(),
                ),
                (
                    "redis_reconnects",
                    "Times the Redis subscription was lost and made again",
                    broker.redis_reconnects(),
                ),
            ]
        }
    }
}
