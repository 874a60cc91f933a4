//! # edp-engine-oozie: the `oozie` engine
//!
//! Runs Sahara's Hadoop job types — MapReduce, MapReduce.Streaming, Pig, Hive, Java and Shell —
//! through Apache Oozie, the way Sahara's Oozie engine did, with its known bugs fixed. Nothing
//! of Hadoop is needed on the host: workflows are staged over WebHDFS and run through Oozie's
//! web-services API (v2), both plain HTTP.
//!
//! A launch generates workflow.xml (`workflow.rs`) and the job properties (`properties.rs`),
//! uploads the workflow directory `/user/<hdfs user>/<job name>/<job execution id>` with the
//! job's binaries (`webhdfs.rs`), submits, re-checks the cancel handshake, and starts
//! (`launch.rs`, `oozie.rs`). The engine job id is Oozie's job id; the Oozie application name
//! is `edp-<job execution id>`, which lets the engine find a job whose id the host never
//! recorded. Scheduled runs are Oozie coordinators.
//!
//! Capabilities: suspend, resume, scheduled.
//!
//! Configuration (the engine's plugins.toml table; every key optional):
//!
//! ```toml
//! oozie_url = "http://oozie.example:11000/oozie"   # endpoint defaults; a cluster's info
//! webhdfs_url = "http://namenode.example:9870"     # object overrides each key
//! name_node = "hdfs://namenode.example:8020"
//! resource_manager = "resourcemanager.example:8032"
//! hdfs_user = "hadoop"
//! workflow_postfix = ""          # Sahara's job_workflow_postfix
//! cleanup = "always"             # staged directories after a terminal status: never | on_success | always
//! connect_timeout_secs = 5
//! read_timeout_secs = 15
//! read_retries = 2               # idempotent reads only
//! retry_backoff_secs = 0.25
//! hbase_common_lib = "/user/sahara-hbase-lib"
//! # java_main_wrapper_jar = "/user/hadoop/edp-main-wrapper.jar"   # for edp.java.adapt_for_oozie
//! ```
//!
//! The same endpoint keys in a cluster record's `info` (`{"oozie_url": ..., "hdfs_user": ...}`)
//! point that cluster's jobs at its own servers.

mod config;
mod endpoints;
mod engine;
mod hints;
mod http;
mod launch;
mod oozie;
mod properties;
mod schedule;
mod status;
mod validate;
mod webhdfs;
mod workflow;
mod xml;

#[cfg(test)]
mod golden_tests;

use edp_plugin_api::{Capabilities, EngineError, Host, Plugin, PluginManifest, export_plugin};

pub use engine::OozieEngine;

use config::OozieConfig;

/// The `oozie` plugin: its manifest, and how to build an [`OozieEngine`].
pub struct OoziePlugin;

impl Plugin for OoziePlugin {
    type Engine = OozieEngine;

    fn manifest() -> PluginManifest {
        PluginManifest {
            name: "oozie",
            version: env!("CARGO_PKG_VERSION"),
            description: "runs Hadoop jobs (MapReduce, Streaming, Pig, Hive, Java, Shell) through Apache Oozie",
            job_types: &validate::JOB_TYPES,
            capabilities: Capabilities::SUSPEND | Capabilities::RESUME | Capabilities::SCHEDULED,
            config_schema: OozieConfig::schema(),
        }
    }

    fn new_engine(config_json: &str, host: Host) -> Result<OozieEngine, EngineError> {
        Ok(OozieEngine::new(OozieConfig::parse(config_json)?, host))
    }
}

export_plugin!(OoziePlugin);
