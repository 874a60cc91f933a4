//! # edp-plugin-api: the engine-plugin contract and SDK
//!
//! edp runs data-processing jobs through **engines**: shared libraries the host loads at run
//! time. This crate is the whole contract between the host and an engine, and everything a
//! third party needs to write one. It is the API boundary of edp: its package version is the
//! ABI version abi_stable checks when the host loads a library, and its layouts are frozen
//! within a version (new verbs and services are only ever appended).
//!
//! ## Writing an engine
//!
//! 1. Make a `cdylib` crate that depends on `edp-plugin-api` (nothing else is required: it
//!    re-exports `serde_json` and `tracing`):
//!
//!    ```toml
//!    [lib]
//!    crate-type = ["cdylib"]
//!
//!    [dependencies]
//!    edp-plugin-api = "0.1"
//!    ```
//!
//!    Keep `panic = "unwind"` (the default): the SDK turns panics into errors, which it cannot
//!    do under `panic = "abort"`.
//!
//! 2. Implement [`Plugin`] (name, job types, capabilities, config schema, constructor) and
//!    [`Engine`] (the verbs), then export the plugin with [`export_plugin!`]. A complete engine
//!    that "runs" every Shell job by answering `SUCCEEDED`:
//!
//! ```
//! use edp_plugin_api::{
//!     Capabilities, Engine, EngineError, Host, JobExecution, JobStatus, JobType, Plugin,
//!     PluginManifest, RunOutcome, StatusReport, export_plugin, parse_config,
//! };
//! use serde_json::json;
//!
//! #[derive(serde::Deserialize)]
//! #[serde(deny_unknown_fields)]
//! struct EchoConfig {
//!     #[serde(default)]
//!     greeting: String,
//! }
//!
//! struct EchoEngine {
//!     host: Host,
//!     greeting: String,
//! }
//!
//! impl Engine for EchoEngine {
//!     fn run_job(&self, job: &JobExecution) -> Result<RunOutcome, EngineError> {
//!         // The cancel handshake: do not launch a job the user already cancelled.
//!         if self.host.job_execution_status(&job.id)? == JobStatus::TOBEKILLED {
//!             return Ok(RunOutcome::killed_before_launch());
//!         }
//!         tracing::info!(job = %job.id, "{}", self.greeting); // shows up in the host's log
//!         Ok(RunOutcome::launched(format!("echo-{}", job.id), Some(JobStatus::RUNNING)))
//!     }
//!
//!     fn get_job_status(&self, _job: &JobExecution) -> Result<Option<StatusReport>, EngineError> {
//!         Ok(Some(StatusReport::new(JobStatus::SUCCEEDED, &json!({"echoed": true}))))
//!     }
//!
//!     fn cancel_job(&self, _job: &JobExecution) -> Result<Option<StatusReport>, EngineError> {
//!         Ok(Some(StatusReport::new(JobStatus::KILLED, &json!({}))))
//!     }
//! }
//!
//! struct EchoPlugin;
//!
//! impl Plugin for EchoPlugin {
//!     type Engine = EchoEngine;
//!
//!     fn manifest() -> PluginManifest {
//!         PluginManifest {
//!             name: "echo",
//!             version: env!("CARGO_PKG_VERSION"),
//!             description: "answers SUCCEEDED to every Shell job",
//!             job_types: &[JobType::Shell],
//!             capabilities: Capabilities::NONE,
//!             config_schema: json!({
//!                 "type": "object",
//!                 "properties": {"greeting": {"type": "string"}},
//!                 "additionalProperties": false
//!             }),
//!         }
//!     }
//!
//!     fn new_engine(config_json: &str, host: Host) -> Result<EchoEngine, EngineError> {
//!         let config: EchoConfig = parse_config(config_json)?;
//!         Ok(EchoEngine { host, greeting: config.greeting })
//!     }
//! }
//!
//! export_plugin!(EchoPlugin);
//! # fn main() {}
//! ```
//!
//! 3. Build it (`cargo build --release`) and copy `target/release/libecho.so` into one of the
//!    `plugin_dirs` of the host's plugins.toml. The host discovers it at start and registers it
//!    under the name it declares (`echo`); a route sends a cluster type to it:
//!
//!    ```toml
//!    [[routes]]
//!    cluster_type = "my-cluster-type"
//!    engine = "echo"
//!    ```
//!
//! ## Rules an engine follows
//!
//! - Calls are synchronous and short. The host runs each on a blocking thread with a timeout;
//!   work that takes long (a job) runs in the execution system, not in the call.
//! - The host owns the job-execution records. An engine reads what it needs through [`Host`]
//!   and answers; it never writes a record.
//! - `run_job` re-checks [`Host::job_execution_status`] just before its irreversible step and
//!   returns [`RunOutcome::killed_before_launch`] on `TOBEKILLED`.
//! - The job execution id is stable across host restarts: an engine can tag its job with it so
//!   that a second `run_job` for the same id does not launch twice.
//! - `get_job_status` and `cancel_job` must work from the [`JobExecution`] (its
//!   `engine_job_id`, `extra` and `engine_info`) and what the engine keeps in
//!   [`Host::work_dir`], which persists: the host may have restarted since launch.
//! - Threads an engine starts itself should enter [`Host::log_scope`], so their log lines are
//!   tagged with the right engine when one library serves several engines.
//! - [`Host::from_services`] lets an engine's own tests drive it without a host.
//! - Optional verbs are called only when the matching [`Capabilities`] bit is declared.

// abi_stable's derives and `#[sabi_trait]` expand to `unsafe impl`s and unsafe blocks, and to
// items `non_local_definitions` flags. The only hand-written unsafe is `sdk::export::lib_header`.
#![allow(unsafe_code, non_local_definitions)]

mod engine;
mod error;
mod host;
mod job_configs;
mod job_type;
mod module;
pub mod sdk;
mod status;
mod types;

pub use engine::{JobEngine, JobEngine_TO, JobEngineBox, VERB_NAMES};
pub use error::{EngineError, ErrorKind};
pub use host::{HostServices, HostServices_TO, HostServicesArc, LogField, LogLevel, LogRecord};
pub use job_configs::JobConfigs;
pub use job_type::{JobType, UnknownJobType};
pub use module::{API_VERSION, EngineModule, EngineModuleRef};
pub use sdk::{Engine, Host, LogScope, Plugin, PluginManifest, parse_config};
pub use status::{JobStatus, UnknownStatus};
pub use types::{
    Capabilities, ClusterRecord, DataSource, HealthReport, HealthState, JobBinary, JobExecution, JobTemplate,
    PluginInfo, RunOutcome, StatusReport,
};

/// abi_stable, re-exported so plugins and the host use the very same version.
pub use abi_stable;
/// serde_json, re-exported for config schemas and JSON payloads.
pub use serde_json;
/// tracing, re-exported: an engine's `tracing` events reach the host's log through the SDK.
pub use tracing;

/// Exports a [`Plugin`] as this library's engine: generates the root-module symbol the host
/// loads, with every entry point behind the SDK's panic guard. Call it once per library.
#[macro_export]
macro_rules! export_plugin {
    ($plugin:ty) => {
        /// The library header the edp host looks up (abi_stable's root-module loader symbol).
        #[allow(unsafe_code, non_upper_case_globals)]
        #[unsafe(no_mangle)]
        pub static _1as_0lib_1header_0root_bmodule_bloader: $crate::sdk::export::LibHeader =
            $crate::sdk::export::lib_header({
                extern "C" fn edp_load_root_module() -> $crate::sdk::export::RootModuleResult {
                    $crate::sdk::export::load_root_module::<$plugin>()
                }
                edp_load_root_module
            });
    };
}
