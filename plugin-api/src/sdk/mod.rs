//! The plugin SDK: what a plugin author writes against.
//!
//! Implement [`Plugin`] and [`Engine`] in ordinary Rust, then call [`crate::export_plugin!`]
//! once. The SDK builds the root module, wraps every entry point in a panic guard (a panic
//! that escaped into abi_stable would end the host with `exit(1)`), and forwards the plugin's
//! `tracing` events to the host's log.

mod guard;
mod host;
mod log_bridge;

#[doc(hidden)]
pub mod export;

pub use host::Host;
pub use log_bridge::LogScope;

use serde::de::DeserializeOwned;

use crate::error::EngineError;
use crate::job_type::JobType;
use crate::types::{Capabilities, HealthReport, JobExecution, RunOutcome, StatusReport};

/// What a plugin declares about itself.
#[derive(Debug, Clone)]
pub struct PluginManifest {
    /// The name the engine is registered under when discovered, e.g. `local`.
    pub name: &'static str,
    /// The plugin's version; use `env!("CARGO_PKG_VERSION")`.
    pub version: &'static str,
    /// One line for people.
    pub description: &'static str,
    /// The job types the engine runs.
    pub job_types: &'static [JobType],
    /// The optional verbs the engine implements.
    pub capabilities: Capabilities,
    /// A JSON Schema of the engine's plugins.toml table.
    pub config_schema: serde_json::Value,
}

/// A plugin: its manifest and how to build an engine.
pub trait Plugin: 'static {
    /// The engine this plugin builds.
    type Engine: Engine;

    /// The plugin's manifest.
    fn manifest() -> PluginManifest;

    /// Build an engine from its configuration (the plugins.toml table as JSON text; `{}` when
    /// there is none) and the host's services. Use [`parse_config`] for the JSON.
    fn new_engine(config_json: &str, host: Host) -> Result<Self::Engine, EngineError>;
}

/// The verbs of a job engine, in ordinary Rust. Calls must be short: the host runs each on a
/// blocking thread with a timeout, and a call that overruns it keeps its thread busy.
pub trait Engine: Send + Sync + 'static {
    /// Launch the job. Re-check [`Host::job_execution_status`] just before the irreversible
    /// step, and return [`RunOutcome::killed_before_launch`] if it is `TOBEKILLED`.
    fn run_job(&self, job: &JobExecution) -> Result<RunOutcome, EngineError>;

    /// The job's status, or `None` for "nothing new".
    fn get_job_status(&self, job: &JobExecution) -> Result<Option<StatusReport>, EngineError>;

    /// Ask for the job to stop; `None` means "not yet, ask again".
    fn cancel_job(&self, job: &JobExecution) -> Result<Option<StatusReport>, EngineError>;

    /// Check that the job can run, before anything is persisted. Accepts everything by default.
    fn validate_job_execution(&self, job: &JobExecution) -> Result<(), EngineError> {
        let _ = job;
        Ok(())
    }

    /// Sahara's config hints for `job_type`, as JSON. None by default.
    fn get_possible_job_config(&self, job_type: &str) -> Result<Option<String>, EngineError> {
        let _ = job_type;
        Ok(None)
    }

    /// Whether the engine can reach its execution system. Healthy by default.
    fn health(&self) -> Result<HealthReport, EngineError> {
        Ok(HealthReport::healthy())
    }

    /// Suspend a job; declare [`Capabilities::SUSPEND`] when implemented.
    fn suspend_job(&self, job: &JobExecution) -> Result<Option<StatusReport>, EngineError> {
        let _ = job;
        Err(EngineError::not_supported("suspend_job"))
    }

    /// Resume a job; declare [`Capabilities::RESUME`] when implemented.
    fn resume_job(&self, job: &JobExecution) -> Result<Option<StatusReport>, EngineError> {
        let _ = job;
        Err(EngineError::not_supported("resume_job"))
    }

    /// Launch a scheduled job; declare [`Capabilities::SCHEDULED`] when implemented.
    fn run_scheduled_job(&self, job: &JobExecution) -> Result<RunOutcome, EngineError> {
        let _ = job;
        Err(EngineError::not_supported("run_scheduled_job"))
    }
}

/// Parses an engine's configuration JSON into `T`; errors become `invalid_config`.
pub fn parse_config<T: DeserializeOwned>(config_json: &str) -> Result<T, EngineError> {
    serde_json::from_str(config_json).map_err(|err| EngineError::invalid_config(strip_json_position(&err)))
}

/// serde_json appends "at line 1 column N", which points into JSON the host generated, not
/// into plugins.toml; the host adds the plugins.toml position itself.
fn strip_json_position(err: &serde_json::Error) -> String {
    let text = err.to_string();
    match text.rfind(" at line ") {
        Some(at) => text[..at].to_owned(),
        None => text,
    }
}
