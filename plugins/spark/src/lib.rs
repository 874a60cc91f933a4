//! # edp-engine-spark: the `spark` engine
//!
//! Runs Spark jobs (a jar with `edp.java.main_class`, or a Python application) and Shell jobs
//! on Spark clusters, as Sahara's Spark plugin did, in one of two launch modes chosen per
//! cluster (the cluster record's `info` keys `spark_master`, `spark_launch_mode`, `spark_rest_url`
//! and `spark_master_ui_url`, with this engine's configuration as defaults):
//!
//! - **spark-submit** (client deploy mode; master `local[N]`, `spark://...`, `yarn` from the
//!   cluster record): the job runs under the shared process supervisor
//!   (`edp-process-supervisor`), which records its pid (with its start time) and exit code,
//!   its stdout and stderr in the execution's work directory. 0 → SUCCEEDED, 130 or a cancel →
//!   KILLED, anything else → FAILED with the error lines of stderr in the engine info. Cancel
//!   sends SIGINT to the job's process group, then SIGKILL after `grace_period_secs`. Shell
//!   jobs run the same way (`/bin/sh <script> <args>`, params in the environment).
//! - **rest** (a standalone master's REST submission API, cluster deploy mode): a
//!   `CreateSubmissionRequest` as Spark's own client sends it; status from `driverState`; kill,
//!   then the status is read again (the kill's acknowledgement is not trusted); a driver the
//!   master no longer knows is KILLED after a cancel request and FAILED otherwise; ERROR
//!   carries its message, and a FAILED driver's stderr is read from its worker for the error.
//!   Python applications go through `org.apache.spark.deploy.SparkSubmit` with `--master` in
//!   their arguments.
//!
//! Binaries are fetched through the host into `<work_dir>/<job execution id>/`; those stored
//! where Spark reads itself (`hdfs://`, `https://`, `s3a://`, ...) are passed as URLs. The
//! work dir must be readable by the Spark workers for REST submissions of fetched binaries
//! (the same machine, or a shared file system). Libraries go to `--jars` (Python libraries to
//! `--py-files`), `spark.*` configs to `--conf`, args in order. The engine job id
//! (`<pid>@<start time>` or `<submission id>@<REST URL>`) is all status and cancel need after a
//! host restart, with the execution's work directory.
//!
//! Configuration (the engine's plugins.toml table; every key optional):
//!
//! ```toml
//! spark_home = "/opt/spark"            # spark-submit is <spark_home>/bin/spark-submit
//! spark_submit = "/usr/bin/spark-submit"  # or name it directly (default: spark-submit on PATH)
//! default_master = "spark://master:7077"  # for clusters whose info has no spark_master
//! default_launch_mode = "spark-submit"    # or "rest"
//! rest_port = 6066                     # a standalone master's REST port
//! master_ui_port = 8080                # its web UI (driver logs of failed REST jobs)
//! grace_period_secs = 10               # SIGINT -> SIGKILL delay when cancelling
//! http_timeout_secs = 10
//! shell = "/bin/sh"                    # interpreter of Shell scripts without #!
//! client_spark_version = "4.3.0"       # clientSparkVersion of REST submissions
//! conf = { "spark.ui.enabled" = "false" }   # spark.* every Spark job gets
//! env = { PYSPARK_PYTHON = "/usr/bin/python3" }  # spark-submit's and Shell jobs' environment
//! ```

mod binaries;
mod command;
mod config;
mod diagnostics;
mod driver_state;
mod engine;
mod health;
mod hints;
mod http;
mod job_id;
mod mode;
mod plan;
mod process_mode;
mod rest;
mod rest_mode;
mod rest_request;

#[cfg(test)]
mod engine_tests;

use edp_plugin_api::{Capabilities, EngineError, Host, JobType, Plugin, PluginManifest, export_plugin};

pub use engine::SparkEngine;

use config::SparkConfig;

/// The `spark` plugin: its manifest, and how to build a [`SparkEngine`].
pub struct SparkPlugin;

impl Plugin for SparkPlugin {
    type Engine = SparkEngine;

    fn manifest() -> PluginManifest {
        PluginManifest {
            name: "spark",
            version: env!("CARGO_PKG_VERSION"),
            description: "runs Spark and Shell jobs on Spark clusters: spark-submit, or a standalone master's REST API",
            job_types: &[JobType::Spark, JobType::Shell],
            capabilities: Capabilities::NONE,
            config_schema: SparkConfig::schema(),
        }
    }

    fn new_engine(config_json: &str, host: Host) -> Result<SparkEngine, EngineError> {
        Ok(SparkEngine::new(SparkConfig::parse(config_json)?, host))
    }
}

export_plugin!(SparkPlugin);
