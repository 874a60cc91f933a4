//! # edp-engine-local: the `local` engine
//!
//! The embedded default engine of edp: it runs Shell and Java jobs as processes on the host
//! machine, without a cluster. Each job execution gets a work directory under the engine's
//! work dir (`<work_dir>/<job execution id>/`) holding its binaries, its `stdout` and `stderr`,
//! and the engine's state files; status and cancel work from those files and `/proc` alone,
//! so they keep working after a host restart.
//!
//! The process machinery is the shared `edp-process-supervisor` crate:
//!
//! - A job runs under a fixed supervisor script (`/bin/sh`) that records its exit code; the
//!   job's program and arguments are passed as positional parameters, never as shell text.
//! - The supervisor leads a new process group; cancelling sends SIGTERM to the group and
//!   SIGKILL after `grace_period_secs`, so children of the job stop too.
//! - The engine job id is `<pid>@<start time>`, so a reused pid is never taken for the job.
//!
//! Configuration (the engine's plugins.toml table):
//!
//! ```toml
//! java = "java"             # the java binary for Java jobs
//! grace_period_secs = 10    # SIGTERM -> SIGKILL delay when cancelling
//! shell = "/bin/sh"         # interpreter for Shell scripts without a #! line
//! ```

mod command;
mod config;
mod engine;
mod health;

#[cfg(test)]
mod engine_tests;
#[cfg(test)]
mod tests;

use edp_plugin_api::{Capabilities, EngineError, Host, JobType, Plugin, PluginManifest, export_plugin};

pub use engine::LocalEngine;

use config::LocalConfig;

/// The `local` plugin: its manifest, and how to build a [`LocalEngine`].
pub struct LocalPlugin;

impl Plugin for LocalPlugin {
    type Engine = LocalEngine;

    fn manifest() -> PluginManifest {
        PluginManifest {
            name: "local",
            version: env!("CARGO_PKG_VERSION"),
            description: "runs Shell and Java jobs as processes on the host machine",
            job_types: &[JobType::Shell, JobType::Java],
            capabilities: Capabilities::NONE,
            config_schema: LocalConfig::schema(),
        }
    }

    fn new_engine(config_json: &str, host: Host) -> Result<LocalEngine, EngineError> {
        Ok(LocalEngine::new(LocalConfig::parse(config_json)?, host))
    }
}

export_plugin!(LocalPlugin);
