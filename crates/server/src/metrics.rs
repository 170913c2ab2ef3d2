//! The instance's metrics, rendered at `GET /metrics` in the OpenMetrics text format (which
//! Prometheus reads) by `prometheus-client`. Whoever owns a value updates it; counters kept by
//! other parts (the hub's, the broker's) are read at scrape time through [`Metrics::observe`].

use std::sync::{Arc, Mutex};

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric};
use prometheus_client::metrics::counter::{ConstCounter, Counter};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::{Registry, Unit};

/// A request's route as declared (`/api/chats/{id}`, never the ids themselves), method and
/// status code.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(crate) struct RequestLabels {
    pub route: String,
    pub method: String,
    pub status: u16,
}

/// What became of a Web Push: `sent`, `gone` (the subscription was dropped), `failed`, or
/// `dropped` (the queue was full).
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(crate) struct PushLabels {
    pub outcome: &'static str,
}

type Histograms<L> = Family<L, Histogram, fn() -> Histogram>;

fn latency_buckets() -> Histogram {
    // 0.25 ms to ~8 s.
    Histogram::new(exponential_buckets(0.000_25, 2.0, 16))
}

/// Counters read from their owners when scraped: (name without the `chat_` prefix and the
/// `_total` suffix, help, value).
pub(crate) type Readings = Vec<(&'static str, &'static str, u64)>;

pub(crate) struct Metrics {
    registry: Mutex<Registry>,
    pub http_requests: Family<RequestLabels, Counter>,
    pub http_duration: Histograms<RequestLabels>,
    pub sockets_open: Gauge,
    pub messages_stored: Counter,
    pub write_batch_messages: Histogram,
    pub write_batch_duration: Histogram,
    pub ws_rate_limited: Counter,
    pub db_wait: Histogram,
    pub database_bytes: Gauge,
    pub fanout_latency: Histogram,
    pub push_notices: Family<PushLabels, Counter>,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("chat");
        let http_requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests served",
            http_requests.clone(),
        );
        let http_duration: Histograms<RequestLabels> =
            Family::new_with_constructor(latency_buckets);
        registry.register_with_unit(
            "http_request_duration",
            "Time from a request's arrival to its response",
            Unit::Seconds,
            http_duration.clone(),
        );
        let sockets_open = Gauge::default();
        registry.register(
            "websockets_open",
            "WebSocket connections open on this instance",
            sockets_open.clone(),
        );
        let messages_stored = Counter::default();
        registry.register(
            "messages_stored",
            "Messages committed by this instance",
            messages_stored.clone(),
        );
        let write_batch_messages = Histogram::new(exponential_buckets(1.0, 2.0, 10));
        registry.register(
            "write_batch_messages",
            "Messages per commit of the message writer",
            write_batch_messages.clone(),
        );
        let write_batch_duration = latency_buckets();
        registry.register_with_unit(
            "write_batch_duration",
            "Time to store one batch of messages, commit included",
            Unit::Seconds,
            write_batch_duration.clone(),
        );
        let ws_rate_limited = Counter::default();
        registry.register(
            "ws_commands_rate_limited",
            "WebSocket commands refused for exceeding COMMAND_RATE_LIMIT",
            ws_rate_limited.clone(),
        );
        let db_wait = latency_buckets();
        registry.register_with_unit(
            "db_pool_wait",
            "Time a request waited for a database connection",
            Unit::Seconds,
            db_wait.clone(),
        );
        let database_bytes = Gauge::default();
        registry.register(
            "database_bytes",
            "Size of the database on disk, as of the last scrape",
            database_bytes.clone(),
        );
        let fanout_latency = latency_buckets();
        registry.register_with_unit(
            "fanout_latency",
            "Time from a message being stored to its event written to a socket on this instance (one observation per socket)",
            Unit::Seconds,
            fanout_latency.clone(),
        );
        let push_notices = Family::<PushLabels, Counter>::default();
        registry.register(
            "web_pushes",
            "Web Push notices by outcome",
            push_notices.clone(),
        );
        Self {
            registry: Mutex::new(registry),
            http_requests,
            http_duration,
            sockets_open,
            messages_stored,
            write_batch_messages,
            write_batch_duration,
            ws_rate_limited,
            db_wait,
            database_bytes,
            fanout_latency,
            push_notices,
        }
    }
}

/// Counters owned elsewhere, read when scraped.
struct Observed(Arc<dyn Fn() -> Readings + Send + Sync>);

impl std::fmt::Debug for Observed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Observed")
    }
}

impl Collector for Observed {
    fn encode(&self, mut encoder: DescriptorEncoder<'_>) -> Result<(), std::fmt::Error> {
        for (name, help, value) in (self.0)() {
            let counter = ConstCounter::new(value);
            let metric = encoder.encode_descriptor(name, help, None, counter.metric_type())?;
            counter.encode(metric)?;
        }
        Ok(())
    }
}

impl Metrics {
    /// Adds counters kept by another part, read at every scrape.
    pub(crate) fn observe(&self, read: impl Fn() -> Readings + Send + Sync + 'static) {
        if let Ok(mut registry) = self.registry.lock() {
            registry.register_collector(Box::new(Observed(Arc::new(read))));
        }
    }

    /// A new message stored at `stored_at_ms` (Unix milliseconds, possibly by another
    /// instance) was just written to a socket.
    pub(crate) fn observe_fanout(&self, stored_at_ms: i64) {
        let waited_ms = chrono::Utc::now().timestamp_millis() - stored_at_ms;
        // Clocks of two instances may disagree by a little: never a negative latency.
        self.fanout_latency
            .observe(waited_ms.max(0) as f64 / 1000.0);
    }

    /// The counter of Web Pushes that came to `outcome`.
    pub(crate) fn push_outcome(&self, outcome: &'static str) -> Counter {
        self.push_notices
            .get_or_create(&PushLabels { outcome })
            .clone()
    }

    /// Every metric in the OpenMetrics text format.
    pub(crate) fn render(&self) -> String {
        let mut out = String::new();
        if let Ok(registry) = self.registry.lock() {
            let _ = prometheus_client::encoding::text::encode(&mut out, &registry);
        }
        out
    }
}
