//! The engine's configuration: its table in plugins.toml, as JSON.
//!
//! The five endpoint keys (`oozie_url`, `webhdfs_url`, `name_node`, `resource_manager`,
//! `hdfs_user`) are defaults: a cluster's own `info` object overrides each of them (see
//! `endpoints.rs`). The rest shapes how the engine talks to Oozie and WebHDFS.

use std::time::Duration;

use edp_plugin_api::{EngineError, parse_config};
use serde::Deserialize;
use serde_json::{Value, json};

const DEFAULT_HDFS_USER: &str = "hadoop";
const DEFAULT_CONNECT_TIMEOUT_SECS: f64 = 5.0;
const DEFAULT_READ_TIMEOUT_SECS: f64 = 15.0;
const DEFAULT_READ_RETRIES: u32 = 2;
const DEFAULT_RETRY_BACKOFF_SECS: f64 = 0.25;
const DEFAULT_HBASE_COMMON_LIB: &str = "/user/sahara-hbase-lib";

/// What happens to a job's staged workflow directory once the job reaches a terminal status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum CleanupPolicy {
    /// Keep every directory (Sahara's behaviour).
    Never,
    /// Delete the directories of SUCCEEDED jobs; keep the others for inspection.
    OnSuccess,
    /// Delete every directory once its job ended.
    Always,
}

impl CleanupPolicy {
    /// Whether a job that ended in `status` loses its directory.
    pub(crate) fn applies_to(self, status: edp_plugin_api::JobStatus) -> bool {
        match self {
            Self::Never => false,
            Self::OnSuccess => status == edp_plugin_api::JobStatus::SUCCEEDED,
            Self::Always => status.is_terminal(),
        }
    }
}

/// The configuration as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    oozie_url: Option<String>,
    webhdfs_url: Option<String>,
    name_node: Option<String>,
    resource_manager: Option<String>,
    hdfs_user: Option<String>,
    #[serde(default)]
    workflow_postfix: String,
    #[serde(default = "default_cleanup")]
    cleanup: CleanupPolicy,
    #[serde(default = "default_connect_timeout")]
    connect_timeout_secs: f64,
    #[serde(default = "default_read_timeout")]
    read_timeout_secs: f64,
    #[serde(default = "default_read_retries")]
    read_retries: u32,
    #[serde(default = "default_retry_backoff")]
    retry_backoff_secs: f64,
    #[serde(default = "default_hbase_common_lib")]
    hbase_common_lib: String,
    java_main_wrapper_jar: Option<String>,
}

fn default_cleanup() -> CleanupPolicy {
    CleanupPolicy::Always
}

fn default_connect_timeout() -> f64 {
    DEFAULT_CONNECT_TIMEOUT_SECS
}

fn default_read_timeout() -> f64 {
    DEFAULT_READ_TIMEOUT_SECS
}

fn default_read_retries() -> u32 {
    DEFAULT_READ_RETRIES
}

fn default_retry_backoff() -> f64 {
    DEFAULT_RETRY_BACKOFF_SECS
}

fn default_hbase_common_lib() -> String {
    DEFAULT_HBASE_COMMON_LIB.to_owned()
}

/// Endpoint defaults for clusters whose info does not name their own.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct EndpointDefaults {
    pub(crate) oozie_url: Option<String>,
    pub(crate) webhdfs_url: Option<String>,
    pub(crate) name_node: Option<String>,
    pub(crate) resource_manager: Option<String>,
    pub(crate) hdfs_user: String,
}

/// The engine's configuration, checked.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct OozieConfig {
    /// Endpoint defaults.
    pub(crate) defaults: EndpointDefaults,
    /// Sahara's `job_workflow_postfix`: an extra path segment under `/user/<hdfs user>/`.
    pub(crate) workflow_postfix: String,
    /// What happens to staged directories after a terminal status.
    pub(crate) cleanup: CleanupPolicy,
    /// TCP connect timeout of every request.
    pub(crate) connect_timeout: Duration,
    /// The longest wait for one read (or write) on a connection.
    pub(crate) read_timeout: Duration,
    /// How often an idempotent read (a GET) is retried after a refused connection or a 5xx.
    pub(crate) read_retries: u32,
    /// The pause before the first retry; it grows linearly.
    pub(crate) retry_backoff: Duration,
    /// The HDFS path of the HBase libraries `edp.hbase_common_lib` adds to `oozie.libpath`.
    pub(crate) hbase_common_lib: String,
    /// The HDFS path of Sahara's `edp-main-wrapper.jar`, for `edp.java.adapt_for_oozie`.
    pub(crate) java_main_wrapper_jar: Option<String>,
}

fn seconds(key: &str, value: f64, allow_zero: bool) -> Result<Duration, EngineError> {
    let duration = Duration::try_from_secs_f64(value).ok().filter(|d| allow_zero || !d.is_zero());
    duration.filter(|d| d.as_secs() <= 3600).ok_or_else(|| {
        let least = if allow_zero { "0" } else { "above 0" };
        EngineError::invalid_config(format!("{key} must be a number of seconds, {least} and at most 3600, not {value}"))
    })
}

fn non_blank(key: &str, value: Option<String>) -> Result<Option<String>, EngineError> {
    match value {
        Some(text) if text.trim().is_empty() => {
            Err(EngineError::invalid_config(format!("{key} must not be empty; leave it out for no default")))
        }
        other => Ok(other),
    }
}

impl OozieConfig {
    /// Parses and checks the configuration JSON (`{}` gives the defaults).
    pub(crate) fn parse(config_json: &str) -> Result<Self, EngineError> {
        let raw: RawConfig = parse_config(config_json)?;
        let defaults = EndpointDefaults {
            oozie_url: non_blank("oozie_url", raw.oozie_url)?,
            webhdfs_url: non_blank("webhdfs_url", raw.webhdfs_url)?,
            name_node: non_blank("name_node", raw.name_node)?,
            resource_manager: non_blank("resource_manager", raw.resource_manager)?,
            hdfs_user: non_blank("hdfs_user", raw.hdfs_user)?.unwrap_or_else(|| DEFAULT_HDFS_USER.to_owned()),
        };
        // The defaults obey the rules a cluster's values do; check them now, not at the first job.
        crate::endpoints::check_defaults(&defaults)?;
        let postfix = raw.workflow_postfix.trim_matches('/').to_owned();
        if postfix.split('/').any(|segment| segment == "." || segment == "..")
            || postfix.chars().any(char::is_control)
            || postfix.contains("//")
        {
            return Err(EngineError::invalid_config(format!(
                "workflow_postfix `{}` must be a relative HDFS path without `.`, `..` or empty segments",
                raw.workflow_postfix
            )));
        }
        for (key, path) in [
            ("hbase_common_lib", Some(&raw.hbase_common_lib)),
            ("java_main_wrapper_jar", raw.java_main_wrapper_jar.as_ref()),
        ] {
            if let Some(path) = path
                && !(path.starts_with('/') || path.contains("://"))
            {
                return Err(EngineError::invalid_config(format!(
                    "{key} must be an absolute HDFS path or a URL, not `{path}`"
                )));
            }
        }
        Ok(Self {
            defaults,
            workflow_postfix: postfix,
            cleanup: raw.cleanup,
            connect_timeout: seconds("connect_timeout_secs", raw.connect_timeout_secs, false)?,
            read_timeout: seconds("read_timeout_secs", raw.read_timeout_secs, false)?,
            read_retries: if raw.read_retries <= 10 {
                raw.read_retries
            } else {
                return Err(EngineError::invalid_config(format!(
                    "read_retries must be at most 10, not {}",
                    raw.read_retries
                )));
            },
            retry_backoff: seconds("retry_backoff_secs", raw.retry_backoff_secs, true)?,
            hbase_common_lib: raw.hbase_common_lib,
            java_main_wrapper_jar: raw.java_main_wrapper_jar,
        })
    }

    /// The JSON Schema of the configuration, which also documents the cluster info keys.
    pub(crate) fn schema() -> Value {
        let endpoint = |what: &str| format!("{what}. A cluster's info key of the same name overrides it");
        json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "oozie engine",
            "description": "Runs MapReduce, MapReduce.Streaming, Pig, Hive, Java and Shell jobs through Apache Oozie, \
                staging workflows over WebHDFS. Each cluster's info object may carry the keys oozie_url, \
                webhdfs_url, name_node, resource_manager and hdfs_user (same meaning as below); a key the \
                cluster lacks falls back to this table, and a job whose cluster has neither is refused.",
            "type": "object",
            "properties": {
                "oozie_url": {
                    "type": "string",
                    "pattern": "^https?://",
                    "description": endpoint("The Oozie server's base URL, e.g. http://oozie.example:11000/oozie"),
                    "examples": ["http://oozie.example:11000/oozie"]
                },
                "webhdfs_url": {
                    "type": "string",
                    "pattern": "^https?://",
                    "description": endpoint(
                        "The NameNode's HTTP address for WebHDFS (or an HttpFS gateway), e.g. \
                         http://namenode.example:9870; a trailing /webhdfs/v1 is accepted"
                    )
                },
                "name_node": {
                    "type": "string",
                    "pattern": "^[A-Za-z][A-Za-z0-9+.-]*://",
                    "description": endpoint(
                        "The default file system URI jobs see as ${nameNode}, e.g. hdfs://namenode.example:8020"
                    )
                },
                "resource_manager": {
                    "type": "string",
                    "minLength": 1,
                    "description": endpoint(
                        "The YARN ResourceManager address jobs see as ${jobTracker}, e.g. resourcemanager.example:8032"
                    )
                },
                "hdfs_user": {
                    "type": "string",
                    "minLength": 1,
                    "default": DEFAULT_HDFS_USER,
                    "description": endpoint(
                        "The user jobs run as (user.name) and whose home holds the workflow directories \
                         /user/<hdfs_user>/<job name>/<job execution id>"
                    )
                },
                "workflow_postfix": {
                    "type": "string",
                    "default": "",
                    "description": "Sahara's job_workflow_postfix: an extra path segment between /user/<hdfs_user>/ \
                        and the job name"
                },
                "cleanup": {
                    "enum": ["never", "on_success", "always"],
                    "default": "always",
                    "description": "What happens to a job's staged workflow directory once the job reached a terminal \
                        status: never deleted (Sahara's behaviour), deleted for SUCCEEDED jobs only, or always deleted. \
                        It happens on the status or cancel call that first sees the terminal status"
                },
                "connect_timeout_secs": {
                    "type": "number",
                    "exclusiveMinimum": 0,
                    "maximum": 3600,
                    "default": DEFAULT_CONNECT_TIMEOUT_SECS,
                    "description": "TCP connect timeout of every Oozie and WebHDFS request"
                },
                "read_timeout_secs": {
                    "type": "number",
                    "exclusiveMinimum": 0,
                    "maximum": 3600,
                    "default": DEFAULT_READ_TIMEOUT_SECS,
                    "description": "The longest wait for one read or write on a connection. A launch makes several \
                        requests: keep the host's run_job timeout (timeout_secs.run_job) well above this"
                },
                "read_retries": {
                    "type": "integer",
                    "minimum": 0,
                    "maximum": 10,
                    "default": DEFAULT_READ_RETRIES,
                    "description": "Retries of an idempotent read (a GET) after a refused or dropped connection or a \
                        5xx answer. Writes (submit, start, kill, suspend, resume, uploads) are never retried"
                },
                "retry_backoff_secs": {
                    "type": "number",
                    "minimum": 0,
                    "maximum": 3600,
                    "default": DEFAULT_RETRY_BACKOFF_SECS,
                    "description": "The pause before the first retry; the n-th retry waits n times as long"
                },
                "hbase_common_lib": {
                    "type": "string",
                    "default": DEFAULT_HBASE_COMMON_LIB,
                    "description": "The HDFS directory that the job config edp.hbase_common_lib=true adds to oozie.libpath"
                },
                "java_main_wrapper_jar": {
                    "type": "string",
                    "description": "The HDFS path of Sahara's edp-main-wrapper.jar. Java jobs with \
                        edp.java.adapt_for_oozie=true need it (it is added to oozie.libpath); without it they are refused"
                }
            },
            "additionalProperties": false
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use edp_plugin_api::{ErrorKind, JobStatus};

    #[test]
    fn empty_config_gives_the_defaults() {
        let config = OozieConfig::parse("{}").expect("defaults");
        assert_eq!(config.defaults, EndpointDefaults { hdfs_user: "hadoop".into(), ..EndpointDefaults::default() });
        assert_eq!(config.cleanup, CleanupPolicy::Always);
        assert_eq!(config.connect_timeout, Duration::from_secs(5));
        assert_eq!(config.read_timeout, Duration::from_secs(15));
        assert_eq!(config.read_retries, 2);
        assert_eq!(config.retry_backoff, Duration::from_millis(250));
        assert_eq!(config.hbase_common_lib, "/user/sahara-hbase-lib");
        assert_eq!(config.workflow_postfix, "");
        assert_eq!(config.java_main_wrapper_jar, None);
    }

    #[test]
    fn accepts_every_key() {
        let config = OozieConfig::parse(
            r#"{"oozie_url": "http://o:11000/oozie", "webhdfs_url": "http://nn:9870", "name_node": "hdfs://nn:8020",
                "resource_manager": "rm:8032", "hdfs_user": "hdfs", "workflow_postfix": "/edp/",
                "cleanup": "on_success", "connect_timeout_secs": 1.5, "read_timeout_secs": 3, "read_retries": 0,
                "retry_backoff_secs": 0, "hbase_common_lib": "/user/hbase-lib",
                "java_main_wrapper_jar": "/user/hadoop/edp-main-wrapper.jar"}"#,
        )
        .expect("valid");
        assert_eq!(config.defaults.oozie_url.as_deref(), Some("http://o:11000/oozie"));
        assert_eq!(config.defaults.hdfs_user, "hdfs");
        assert_eq!(config.workflow_postfix, "edp");
        assert_eq!(config.cleanup, CleanupPolicy::OnSuccess);
        assert_eq!(config.connect_timeout, Duration::from_millis(1500));
        assert_eq!(config.read_retries, 0);
        assert_eq!(config.retry_backoff, Duration::ZERO);
    }

    #[test]
    fn rejects_unknown_keys_and_bad_values() {
        for bad in [
            r#"{"oozie": "http://o"}"#,
            r#"{"oozie_url": ""}"#,
            r#"{"oozie_url": "o:11000/oozie"}"#,
            r#"{"oozie_url": "ftp://o/oozie"}"#,
            r#"{"webhdfs_url": "hdfs://nn:8020"}"#,
            r#"{"name_node": "namenode:8020"}"#,
            r#"{"hdfs_user": " "}"#,
            r#"{"hdfs_user": "a/b"}"#,
            r#"{"cleanup": "sometimes"}"#,
            r#"{"read_timeout_secs": 0}"#,
            r#"{"connect_timeout_secs": -1}"#,
            r#"{"read_timeout_secs": 1e9}"#,
            r#"{"read_retries": 11}"#,
            r#"{"workflow_postfix": "a/../b"}"#,
            r#"{"hbase_common_lib": "relative/lib"}"#,
        ] {
            let err = OozieConfig::parse(bad).expect_err(bad);
            assert_eq!(err.kind, ErrorKind::INVALID_CONFIG, "{bad}: {err}");
        }
    }

    #[test]
    fn cleanup_policies() {
        assert!(!CleanupPolicy::Never.applies_to(JobStatus::SUCCEEDED));
        assert!(CleanupPolicy::OnSuccess.applies_to(JobStatus::SUCCEEDED));
        assert!(!CleanupPolicy::OnSuccess.applies_to(JobStatus::FAILED));
        assert!(CleanupPolicy::Always.applies_to(JobStatus::KILLED));
        assert!(!CleanupPolicy::Always.applies_to(JobStatus::RUNNING));
    }

    #[test]
    fn schema_lists_every_key() {
        let schema = OozieConfig::schema();
        let mut keys: Vec<_> = schema["properties"].as_object().expect("properties").keys().cloned().collect();
        keys.sort();
        assert_eq!(
            keys,
            [
                "cleanup",
                "connect_timeout_secs",
                "hbase_common_lib",
                "hdfs_user",
                "java_main_wrapper_jar",
                "name_node",
                "oozie_url",
                "read_retries",
                "read_timeout_secs",
                "resource_manager",
                "retry_backoff_secs",
                "webhdfs_url",
                "workflow_postfix"
            ]
        );
        assert_eq!(schema["additionalProperties"], false);
    }
}
