//! An engine's ordinary `tracing` events reach the host's log, tagged with the engine's name
//! and filtered by the host's level.

use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use edp_plugin_api::JobStatus;
use serde_json::json;
use tracing::field::{Field, Visit};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::{Context, SubscriberExt as _};

use crate::support::{self, MemoryContext};

#[derive(Debug, Clone, Default)]
pub(crate) struct Captured {
    level: String,
    target: String,
    fields: Vec<(String, String)>,
}

impl Captured {
    fn field(&self, name: &str) -> Option<&str> {
        self.fields.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

impl Visit for Captured {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.fields.push((field.name().to_owned(), value.to_owned()));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.fields.push((field.name().to_owned(), format!("{value:?}")));
    }
}

struct Capture(Arc<Mutex<Vec<Captured>>>);

impl<S: tracing::Subscriber> Layer<S> for Capture {
    fn on_event(&self, event: &tracing::Event<'_>, _ctx: Context<'_, S>) {
        let mut captured = Captured {
            level: event.metadata().level().to_string(),
            target: event.metadata().target().to_owned(),
            ..Captured::default()
        };
        event.record(&mut captured);
        self.0.lock().unwrap_or_else(PoisonError::into_inner).push(captured);
    }
}

/// The events the host logged in this test binary, from a global subscriber at INFO. Every
/// registry in this binary is loaded after it is installed (see `support::load_registry`), so
/// every engine sees the same host level.
pub(crate) fn host_log() -> Arc<Mutex<Vec<Captured>>> {
    static LOG: OnceLock<Arc<Mutex<Vec<Captured>>>> = OnceLock::new();
    LOG.get_or_init(|| {
        let events = Arc::new(Mutex::new(Vec::new()));
        let subscriber = tracing_subscriber::registry()
            .with(Capture(Arc::clone(&events)).with_filter(tracing_subscriber::filter::LevelFilter::INFO));
        tracing::subscriber::set_global_default(subscriber).expect("the only global subscriber of this binary");
        events
    })
    .clone()
}

#[test]
fn plugin_log_lines_reach_the_host_log_with_the_engine_name() {
    let log = host_log();
    let dir = tempfile::tempdir().expect("temp dir");
    let engine_name = support::unique("chatty");
    let config = support::write_config(
        dir.path(),
        &format!(
            "[engines.{engine_name}]\nlibrary = {:?}\n",
            support::engine_library("edp_engine_mock").display().to_string()
        ),
    );
    let context = Arc::new(MemoryContext::default());
    let (_, registry) = support::load_registry(&config, Arc::clone(&context));
    let engine = registry.engine(&engine_name).expect("loaded").clone();
    context.set_status("je-log", JobStatus::PENDING);
    let runtime = support::runtime();
    let job = support::job("je-log", "Pig", "t", json!({}), &[]);
    let launch = runtime.block_on(engine.run_job(job.clone())).expect("launched");
    runtime.block_on(engine.get_job_status(support::launched(job, launch.engine_job_id))).expect("status");

    let events = log.lock().unwrap_or_else(PoisonError::into_inner).clone();
    let ours: Vec<&Captured> = events.iter().filter(|e| e.field("engine") == Some(engine_name.as_str())).collect();
    let launched = ours
        .iter()
        .find(|e| e.field("message") == Some("mock job launched"))
        .unwrap_or_else(|| panic!("the plugin's info line is in the host log: {ours:#?}"));
    assert_eq!(launched.level, "INFO");
    assert_eq!(launched.target, "edp::plugin");
    assert_eq!(launched.field("plugin_target"), Some("edp_engine_mock::engine"));
    assert!(launched.field("fields").is_some_and(|f| f.contains("job=je-log")), "{launched:?}");
    assert!(
        !ours.iter().any(|e| e.field("message") == Some("mock status computed")),
        "the plugin's debug line is below the host's level and must not appear: {ours:#?}"
    );
}
