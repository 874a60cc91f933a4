//! Process-wide metrics, rendered in Prometheus' text format by the API's `/metrics`: engine
//! call latency by engine and verb, engine errors and panics, and poll pass durations.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::Duration;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 30.0, 120.0];

#[derive(Debug, Clone, Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

impl Histogram {
    fn observe(&mut self, seconds: f64) {
        for (bound, count) in BUCKETS.iter().zip(self.counts.iter_mut()) {
            if seconds <= *bound {
                *count += 1;
            }
        }
        self.count += 1;
        self.sum += seconds;
    }

    fn render(&self, out: &mut String, name: &str, labels: &str) {
        for (bound, count) in BUCKETS.iter().zip(self.counts) {
            let _ = writeln!(out, "{name}_bucket{{{labels},le=\"{bound}\"}} {count}");
        }
        let _ = writeln!(out, "{name}_bucket{{{labels},le=\"+Inf\"}} {}", self.count);
        let _ = writeln!(out, "{name}_sum{{{labels}}} {}", self.sum);
        let _ = writeln!(out, "{name}_count{{{labels}}} {}", self.count);
    }
}

/// How an engine call ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallOutcome {
    /// An answer.
    Ok,
    /// An error from the engine, a timeout or an invalid answer.
    Error,
    /// The engine panicked.
    Panic,
}

impl CallOutcome {
    /// The outcome of an engine's own answer.
    pub fn of<T>(answer: &Result<T, edp_plugin_api::EngineError>) -> Self {
        match answer {
            Ok(_) => Self::Ok,
            Err(error) if error.kind == edp_plugin_api::ErrorKind::PANICKED => Self::Panic,
            Err(_) => Self::Error,
        }
    }
}

#[derive(Default)]
struct Registry {
    calls: BTreeMap<(String, &'static str), Histogram>,
    errors: BTreeMap<String, u64>,
    panics: BTreeMap<String, u64>,
    poll_passes: Histogram,
}

/// The metrics of this process.
pub struct Metrics {
    registry: Mutex<Registry>,
}

/// The metrics of this process.
pub fn metrics() -> &'static Metrics {
    static METRICS: OnceLock<Metrics> = OnceLock::new();
    METRICS.get_or_init(|| Metrics { registry: Mutex::new(Registry::default()) })
}

impl Metrics {
    fn registry(&self) -> std::sync::MutexGuard<'_, Registry> {
        self.registry.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Records one engine call.
    pub fn engine_call(&self, engine: &str, verb: &'static str, elapsed: Duration, outcome: CallOutcome) {
        let mut registry = self.registry();
        registry.calls.entry((engine.to_owned(), verb)).or_default().observe(elapsed.as_secs_f64());
        match outcome {
            CallOutcome::Ok => {}
            CallOutcome::Error => *registry.errors.entry(engine.to_owned()).or_default() += 1,
            CallOutcome::Panic => *registry.panics.entry(engine.to_owned()).or_default() += 1,
        }
    }

    /// Records one poll pass.
    pub fn poll_pass(&self, elapsed: Duration) {
        self.registry().poll_passes.observe(elapsed.as_secs_f64());
    }

    /// The metrics in Prometheus' text format.
    pub fn render(&self) -> String {
        let registry = self.registry();
        let mut out = String::new();
        out.push_str("# HELP edp_engine_call_seconds Engine call latency by engine and verb.\n# TYPE edp_engine_call_seconds histogram\n");
        for ((engine, verb), histogram) in &registry.calls {
            histogram.render(
                &mut out,
                "edp_engine_call_seconds",
                &format!("engine=\"{}\",verb=\"{verb}\"", escape(engine)),
            );
        }
        out.push_str("# HELP edp_engine_errors_total Engine calls that failed (errors, timeouts, invalid answers).\n# TYPE edp_engine_errors_total counter\n");
        for (engine, count) in &registry.errors {
            let _ = writeln!(out, "edp_engine_errors_total{{engine=\"{}\"}} {count}", escape(engine));
        }
        out.push_str(
            "# HELP edp_engine_panics_total Engine calls that panicked.\n# TYPE edp_engine_panics_total counter\n",
        );
        for (engine, count) in &registry.panics {
            let _ = writeln!(out, "edp_engine_panics_total{{engine=\"{}\"}} {count}", escape(engine));
        }
        out.push_str("# HELP edp_poll_pass_seconds Duration of poll passes over the active executions.\n# TYPE edp_poll_pass_seconds histogram\n");
        registry.poll_passes.render(&mut out, "edp_poll_pass_seconds", "host=\"self\"");
        out
    }
}

/// Escapes a Prometheus label value.
pub fn escape(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}
