//! The result of a run, as text for people and JSON for scripts.

use hdrhistogram::Histogram;
use serde::Serialize;
use serde_json::Value;

use crate::stats::Receipts;

#[derive(Debug, Default, Serialize)]
pub(crate) struct Percentiles {
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub p999: f64,
    pub max: f64,
    pub mean: f64,
    pub samples: u64,
}

impl Percentiles {
    /// From a histogram of microseconds, in milliseconds.
    pub(crate) fn from_us(h: &Histogram<u64>) -> Option<Self> {
        if h.is_empty() {
            return None;
        }
        let ms = |us: u64| us as f64 / 1000.0;
        Some(Self {
            p50: ms(h.value_at_quantile(0.50)),
            p90: ms(h.value_at_quantile(0.90)),
            p99: ms(h.value_at_quantile(0.99)),
            p999: ms(h.value_at_quantile(0.999)),
            max: ms(h.max()),
            mean: h.mean() / 1000.0,
            samples: h.len(),
        })
    }
}

#[derive(Debug, Default, Serialize)]
pub(crate) struct Report {
    pub label: String,
    pub scenario: String,
    pub params: Value,
    pub duration_s: f64,
    pub sent: u64,
    pub expected: u64,
    pub delivered: u64,
    pub lost: u64,
    pub duplicated: u64,
    pub out_of_order: u64,
    /// Deliveries (or round trips, for `history`) per second.
    pub per_second: f64,
    pub latency_ms: Option<Percentiles>,
    pub extra: serde_json::Map<String, Value>,
}

impl Report {
    /// A delivery run's report: `expected` deliveries against what the receivers recorded,
    /// over `active_s` seconds (the run's start to its last delivery).
    pub(crate) fn deliveries(
        scenario: &str,
        params: Value,
        sent: u64,
        expected: u64,
        received: &Receipts,
        active_s: f64,
    ) -> Self {
        Self {
            scenario: scenario.into(),
            params,
            duration_s: active_s,
            sent,
            expected,
            delivered: received.delivered,
            lost: expected.saturating_sub(received.delivered),
            duplicated: received.duplicated,
            out_of_order: received.out_of_order,
            per_second: received.delivered as f64 / active_s.max(1e-9),
            latency_ms: Percentiles::from_us(&received.latency_us),
            ..Self::default()
        }
    }

    pub(crate) fn errors_found(&self) -> bool {
        self.lost + self.duplicated + self.out_of_order > 0
    }

    pub(crate) fn print(&self, json: bool) {
        if json {
            println!("{}", serde_json::to_string(self).unwrap_or_default());
            return;
        }
        println!("scenario    {} {}", self.scenario, self.label);
        println!("params      {}", self.params);
        println!("duration    {:.2} s", self.duration_s);
        println!(
            "messages    sent {}  expected deliveries {}  delivered {}",
            self.sent, self.expected, self.delivered
        );
        println!(
            "errors      lost {}  duplicated {}  out-of-order {}",
            self.lost, self.duplicated, self.out_of_order
        );
        println!("rate        {:.0} /s", self.per_second);
        if let Some(l) = &self.latency_ms {
            println!(
                "latency ms  p50 {:.2}  p90 {:.2}  p99 {:.2}  p99.9 {:.2}  max {:.2}  (n={})",
                l.p50, l.p90, l.p99, l.p999, l.max, l.samples
            );
        }
        for (key, value) in &self.extra {
            println!("{key:<11} {value}");
        }
    }
}
