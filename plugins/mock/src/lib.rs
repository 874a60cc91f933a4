//! The `mock` engine: a real engine library whose behaviour is scripted, for tests and
//! benchmarks.
//!
//! Every job reaches its final status `run_ms` after launch. Any verb can be made to fail,
//! panic, hang or answer garbage, and cancel can answer "not yet" any number of times. The
//! script comes from the engine's plugins.toml table (`[engines.NAME.config.script]`, the
//! defaults) and from each job's configs (`mock.*` keys, which override them).
//!
//! The engine keeps no state a restart would lose: the launch time is part of the engine job
//! id (`mock-<job execution id>-<launch ms>`), and the script is in the job's configs. Only
//! cancel and suspend answers are remembered in memory.

mod config;
mod engine;
mod script;

pub use config::MockConfig;
pub use engine::MockEngine;
pub use script::{Script, Verb};

use edp_plugin_api::{Capabilities, EngineError, Host, JobType, Plugin, PluginManifest, export_plugin, parse_config};

/// The mock plugin.
pub struct MockPlugin;

impl Plugin for MockPlugin {
    type Engine = MockEngine;

    fn manifest() -> PluginManifest {
        PluginManifest {
            name: "mock",
            version: env!("CARGO_PKG_VERSION"),
            description: "scriptable engine for tests and benchmarks",
            job_types: &JobType::ALL,
            capabilities: Capabilities::SUSPEND | Capabilities::RESUME | Capabilities::SCHEDULED,
            config_schema: config::schema(),
        }
    }

    fn new_engine(config_json: &str, host: Host) -> Result<MockEngine, EngineError> {
        let config: MockConfig = parse_config(config_json)?;
        if config.panic_on_new {
            panic!("mock engine told to panic in new_engine");
        }
        if config.fail_on_new {
            return Err(EngineError::invalid_config("mock engine told to fail in new_engine"));
        }
        Ok(MockEngine::new(config, host))
    }
}

export_plugin!(MockPlugin);
