//! The engine's configuration: its table in plugins.toml, as JSON.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use edp_plugin_api::{EngineError, parse_config};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::mode::LaunchMode;

const DEFAULT_GRACE_PERIOD_SECS: f64 = 10.0;
const DEFAULT_HTTP_TIMEOUT_SECS: f64 = 10.0;
const DEFAULT_REST_PORT: u16 = 6066;
const DEFAULT_MASTER_UI_PORT: u16 = 8080;
const DEFAULT_SHELL: &str = "/bin/sh";
const DEFAULT_CLIENT_SPARK_VERSION: &str = "4.3.0";

/// The configuration as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    spark_home: Option<String>,
    spark_submit: Option<String>,
    default_master: Option<String>,
    #[serde(default)]
    default_launch_mode: LaunchMode,
    #[serde(default = "default_rest_port")]
    rest_port: u16,
    #[serde(default = "default_master_ui_port")]
    master_ui_port: u16,
    #[serde(default = "default_grace_period_secs")]
    grace_period_secs: f64,
    #[serde(default = "default_http_timeout_secs")]
    http_timeout_secs: f64,
    #[serde(default = "default_shell")]
    shell: String,
    #[serde(default = "default_client_spark_version")]
    client_spark_version: String,
    #[serde(default)]
    conf: BTreeMap<String, Value>,
    #[serde(default)]
    env: BTreeMap<String, Value>,
}

fn default_rest_port() -> u16 {
    DEFAULT_REST_PORT
}

fn default_master_ui_port() -> u16 {
    DEFAULT_MASTER_UI_PORT
}

fn default_grace_period_secs() -> f64 {
    DEFAULT_GRACE_PERIOD_SECS
}

fn default_http_timeout_secs() -> f64 {
    DEFAULT_HTTP_TIMEOUT_SECS
}

fn default_shell() -> String {
    DEFAULT_SHELL.to_owned()
}

fn default_client_spark_version() -> String {
    DEFAULT_CLIENT_SPARK_VERSION.to_owned()
}

/// The engine's configuration, checked.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SparkConfig {
    /// `SPARK_HOME` for spark-submit, if configured.
    pub(crate) spark_home: Option<PathBuf>,
    /// The spark-submit program: `spark_submit`, else `<spark_home>/bin/spark-submit`, else
    /// `spark-submit` from `PATH`.
    pub(crate) spark_submit: String,
    /// The master of clusters whose record names none.
    pub(crate) default_master: Option<String>,
    /// The launch mode of clusters whose record names none.
    pub(crate) default_launch_mode: LaunchMode,
    /// The standalone master's REST port, for REST URLs derived from a `spark://` master.
    pub(crate) rest_port: u16,
    /// The standalone master's web UI port, for its `/json/` page (driver logs, health).
    pub(crate) master_ui_port: u16,
    /// The delay between SIGINT and SIGKILL when a spark-submit or Shell job is cancelled.
    pub(crate) grace_period: Duration,
    /// Connect and read timeout of every HTTP request to a master or worker.
    pub(crate) http_timeout: Duration,
    /// The interpreter of Shell scripts without a `#!` line.
    pub(crate) shell: String,
    /// `clientSparkVersion` of REST submissions.
    pub(crate) client_spark_version: String,
    /// `spark.*` properties every Spark job gets (a job's own configs win).
    pub(crate) conf: BTreeMap<String, String>,
    /// Environment of spark-submit and Shell jobs; the `SPARK_*` ones also go with REST
    /// submissions, as Spark's own client sends them.
    pub(crate) env: BTreeMap<String, String>,
}

/// A scalar config value as text (numbers and booleans in their JSON spelling).
fn scalar(key: &str, value: &Value) -> Result<String, EngineError> {
    match value {
        Value::String(text) => Ok(text.clone()),
        Value::Number(_) | Value::Bool(_) => Ok(value.to_string()),
        _ => Err(EngineError::invalid_config(format!("{key} must be a string, number or boolean"))),
    }
}

fn seconds(key: &str, value: f64) -> Result<Duration, EngineError> {
    Duration::try_from_secs_f64(value).map_err(|_| {
        EngineError::invalid_config(format!("{key} must be a non-negative number of seconds, not {value}"))
    })
}

fn no_nul(key: &str, value: &str) -> Result<(), EngineError> {
    if value.contains('\0') {
        return Err(EngineError::invalid_config(format!("{key} contains a NUL byte")));
    }
    Ok(())
}

impl SparkConfig {
    /// Parses and checks the configuration JSON (`{}` gives the defaults).
    pub(crate) fn parse(config_json: &str) -> Result<Self, EngineError> {
        let raw: RawConfig = parse_config(config_json)?;
        let grace_period = seconds("grace_period_secs", raw.grace_period_secs)?;
        let http_timeout = seconds("http_timeout_secs", raw.http_timeout_secs)?;
        if http_timeout.is_zero() {
            return Err(EngineError::invalid_config("http_timeout_secs must be above 0"));
        }
        let spark_submit = match (&raw.spark_submit, &raw.spark_home) {
            (Some(program), _) => program.clone(),
            (None, Some(home)) => PathBuf::from(home).join("bin").join("spark-submit").display().to_string(),
            (None, None) => "spark-submit".to_owned(),
        };
        for (key, value) in [("spark_submit", &spark_submit), ("shell", &raw.shell)] {
            if value.trim().is_empty() {
                return Err(EngineError::invalid_config(format!("{key} must name a program")));
            }
            no_nul(key, value)?;
        }
        if let Some(master) = &raw.default_master {
            crate::mode::validate_master(master).map_err(EngineError::invalid_config)?;
        }
        let mut conf = BTreeMap::new();
        for (key, value) in &raw.conf {
            let text = scalar(&format!("conf.{key}"), value)?;
            crate::plan::validate_spark_property(key, &text).map_err(|err| EngineError::invalid_config(err.message))?;
            conf.insert(key.clone(), text);
        }
        let mut env = BTreeMap::new();
        for (name, value) in &raw.env {
            let text = scalar(&format!("env.{name}"), value)?;
            if name.is_empty() || name.contains('=') || name.contains('\0') {
                return Err(EngineError::invalid_config(format!("env: `{name}` is not an environment variable name")));
            }
            no_nul(&format!("env.{name}"), &text)?;
            env.insert(name.clone(), text);
        }
        Ok(Self {
            spark_home: raw.spark_home.map(PathBuf::from),
            spark_submit,
            default_master: raw.default_master,
            default_launch_mode: raw.default_launch_mode,
            rest_port: raw.rest_port,
            master_ui_port: raw.master_ui_port,
            grace_period,
            http_timeout,
            shell: raw.shell,
            client_spark_version: raw.client_spark_version,
            conf,
            env,
        })
    }

    /// The JSON Schema of the configuration, with the cluster-info keys it works with.
    pub(crate) fn schema() -> Value {
        json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "spark engine",
            "description": "Runs Spark and Shell jobs on Spark clusters. Per cluster, the cluster record's info \
                object may set: spark_master (local[N], spark://host:7077, yarn), spark_launch_mode \
                (spark-submit or rest), spark_rest_url (http://host:6066) and spark_master_ui_url \
                (http://host:8080); this table gives the defaults.",
            "type": "object",
            "properties": {
                "spark_home": {
                    "type": "string",
                    "description": "The Spark installation (SPARK_HOME); spark-submit is <spark_home>/bin/spark-submit"
                },
                "spark_submit": {
                    "type": "string",
                    "minLength": 1,
                    "description": "The spark-submit program, if not <spark_home>/bin/spark-submit (default: spark-submit from PATH)"
                },
                "default_master": {
                    "type": "string",
                    "description": "The master of clusters whose info has no spark_master: local[N], spark://host:port, yarn"
                },
                "default_launch_mode": {
                    "enum": ["spark-submit", "rest"],
                    "default": "spark-submit",
                    "description": "How jobs on clusters whose info has no spark_launch_mode are launched: spark-submit \
                        in client deploy mode under a local supervisor, or the standalone master's REST submission API \
                        in cluster deploy mode"
                },
                "rest_port": {
                    "type": "integer", "minimum": 1, "maximum": 65535, "default": DEFAULT_REST_PORT,
                    "description": "The REST port of a standalone master, when spark_rest_url is not given"
                },
                "master_ui_port": {
                    "type": "integer", "minimum": 1, "maximum": 65535, "default": DEFAULT_MASTER_UI_PORT,
                    "description": "The web UI port of a standalone master (its /json/ page), when spark_master_ui_url is not given"
                },
                "grace_period_secs": {
                    "type": "number", "minimum": 0, "default": DEFAULT_GRACE_PERIOD_SECS,
                    "description": "Seconds between SIGINT and SIGKILL when a spark-submit or Shell job is cancelled"
                },
                "http_timeout_secs": {
                    "type": "number", "exclusiveMinimum": 0, "default": DEFAULT_HTTP_TIMEOUT_SECS,
                    "description": "Connect and read timeout of requests to a master or worker"
                },
                "shell": {
                    "type": "string", "minLength": 1, "default": DEFAULT_SHELL,
                    "description": "The interpreter of Shell job scripts that have no #! line"
                },
                "client_spark_version": {
                    "type": "string", "default": DEFAULT_CLIENT_SPARK_VERSION,
                    "description": "clientSparkVersion sent with REST submissions"
                },
                "conf": {
                    "type": "object",
                    "propertyNames": {"pattern": "^spark\\.[^=]+$"},
                    "additionalProperties": {"type": ["string", "number", "boolean"]},
                    "description": "spark.* properties every Spark job gets; a job's own configs win"
                },
                "env": {
                    "type": "object",
                    "additionalProperties": {"type": ["string", "number", "boolean"]},
                    "description": "Environment of spark-submit and Shell jobs (JAVA_HOME, PYSPARK_PYTHON, ...); SPARK_* \
                        variables also go with REST submissions"
                }
            },
            "additionalProperties": false
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use edp_plugin_api::ErrorKind;

    #[test]
    fn empty_config_gives_the_defaults() {
        let config = SparkConfig::parse("{}").expect("defaults");
        assert_eq!(config.spark_submit, "spark-submit");
        assert_eq!(config.default_master, None);
        assert_eq!(config.default_launch_mode, LaunchMode::SparkSubmit);
        assert_eq!((config.rest_port, config.master_ui_port), (6066, 8080));
        assert_eq!(config.grace_period, Duration::from_secs(10));
        assert!(config.conf.is_empty() && config.env.is_empty());
    }

    #[test]
    fn spark_home_gives_spark_submit_unless_it_is_named() {
        let config = SparkConfig::parse(r#"{"spark_home": "/opt/spark"}"#).expect("valid");
        assert_eq!(config.spark_submit, "/opt/spark/bin/spark-submit");
        let config =
            SparkConfig::parse(r#"{"spark_home": "/opt/spark", "spark_submit": "/usr/bin/ss"}"#).expect("valid");
        assert_eq!(config.spark_submit, "/usr/bin/ss");
    }

    #[test]
    fn conf_and_env_take_scalars() {
        let config = SparkConfig::parse(
            r#"{"default_master": "spark://m:7077", "default_launch_mode": "rest", "grace_period_secs": 0.5,
                "conf": {"spark.ui.enabled": false, "spark.cores.max": 1}, "env": {"SPARK_LOCAL_IP": "127.0.0.1"}}"#,
        )
        .expect("valid");
        assert_eq!(config.default_launch_mode, LaunchMode::Rest);
        assert_eq!(config.grace_period, Duration::from_millis(500));
        assert_eq!(config.conf["spark.ui.enabled"], "false");
        assert_eq!(config.conf["spark.cores.max"], "1");
        assert_eq!(config.env["SPARK_LOCAL_IP"], "127.0.0.1");
    }

    #[test]
    fn rejects_unknown_keys_and_bad_values() {
        for bad in [
            r#"{"master": "local"}"#,
            r#"{"default_launch_mode": "ssh"}"#,
            r#"{"grace_period_secs": -1}"#,
            r#"{"http_timeout_secs": 0}"#,
            r#"{"rest_port": 70000}"#,
            r#"{"conf": {"ui.enabled": "false"}}"#,
            r#"{"conf": {"spark.a": {"b": 1}}}"#,
            r#"{"env": {"A=B": "x"}}"#,
            r#"{"spark_submit": " "}"#,
            r#"{"default_master": ""}"#,
        ] {
            let err = SparkConfig::parse(bad).expect_err("rejected");
            assert_eq!(err.kind, ErrorKind::INVALID_CONFIG, "{bad}");
        }
    }

    #[test]
    fn schema_lists_every_key() {
        let schema = SparkConfig::schema();
        let mut keys: Vec<_> = schema["properties"].as_object().expect("properties").keys().cloned().collect();
        keys.sort();
        let expected = [
            "client_spark_version",
            "conf",
            "default_launch_mode",
            "default_master",
            "env",
            "grace_period_secs",
            "http_timeout_secs",
            "master_ui_port",
            "rest_port",
            "shell",
            "spark_home",
            "spark_submit",
        ];
        assert_eq!(keys, expected);
        assert_eq!(schema["additionalProperties"], false);
    }
}
