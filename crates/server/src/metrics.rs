//! A few process counters, rendered in Prometheus text format at `GET /metrics`. Counts only:
//! whoever owns a counter increments it; nothing here reads the database or the network.

use std::fmt::Write;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

#[derive(Default)]
pub(crate) struct Counter(AtomicU64);

impl Counter {
    pub(crate) fn inc(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

#[derive(Default)]
pub(crate) struct Gauge(AtomicI64);

impl Gauge {
    pub(crate) fn inc(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn dec(&self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }

    pub(crate) fn get(&self) -> i64 {
        self.0.load(Ordering::Relaxed)
    }
}

#[derive(Default)]
pub(crate) struct Metrics {
    pub http_requests: Counter,
    pub http_server_errors: Counter,
    pub sockets_open: Gauge,
    pub messages_stored: Counter,
}

impl Metrics {
    /// `extra` carries counters owned elsewhere (the hub's), as (name, help, value); `gauges`
    /// values measured for this scrape.
    pub(crate) fn render(
        &self,
        extra: &[(&str, &str, u64)],
        gauges: &[(&str, &str, i64)],
    ) -> String {
        let mut out = String::new();
        let mut line = |name: &str, kind: &str, help: &str, value: String| {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}"
            );
        };
        line(
            "chat_http_requests_total",
            "counter",
            "HTTP requests served",
            self.http_requests.get().to_string(),
        );
        line(
            "chat_http_server_errors_total",
            "counter",
            "HTTP responses with a 5xx status",
            self.http_server_errors.get().to_string(),
        );
        line(
            "chat_websockets_open",
            "gauge",
            "WebSocket connections open on this instance",
            self.sockets_open.get().to_string(),
        );
        line(
            "chat_messages_stored_total",
            "counter",
            "Messages committed by this instance",
            self.messages_stored.get().to_string(),
        );
        for (name, help, value) in extra {
            line(name, "counter", help, value.to_string());
        }
        for (name, help, value) in gauges {
            line(name, "gauge", help, value.to_string());
        }
        out
    }
}
