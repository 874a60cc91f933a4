//! The engine's configuration: its table in plugins.toml, as JSON.

use std::time::Duration;

use edp_plugin_api::{EngineError, parse_config};
use serde::Deserialize;
use serde_json::{Value, json};

const DEFAULT_JAVA: &str = "java";
const DEFAULT_SHELL: &str = "/bin/sh";
const DEFAULT_GRACE_PERIOD_SECS: f64 = 10.0;

/// The configuration as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default = "default_java")]
    java: String,
    #[serde(default = "default_grace_period_secs")]
    grace_period_secs: f64,
    #[serde(default = "default_shell")]
    shell: String,
}

fn default_java() -> String {
    DEFAULT_JAVA.to_owned()
}

fn default_shell() -> String {
    DEFAULT_SHELL.to_owned()
}

fn default_grace_period_secs() -> f64 {
    DEFAULT_GRACE_PERIOD_SECS
}

/// The engine's configuration, checked.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LocalConfig {
    /// The java binary (a path, or a name looked up in `PATH`).
    pub(crate) java: String,
    /// The delay between SIGTERM and SIGKILL when a job is cancelled.
    pub(crate) grace_period: Duration,
    /// The interpreter for Shell scripts without a `#!` line.
    pub(crate) shell: String,
}

impl LocalConfig {
    /// Parses and checks the configuration JSON (`{}` gives the defaults).
    pub(crate) fn parse(config_json: &str) -> Result<Self, EngineError> {
        let raw: RawConfig = parse_config(config_json)?;
        let grace_period = Duration::try_from_secs_f64(raw.grace_period_secs).map_err(|_| {
            EngineError::invalid_config(format!(
                "grace_period_secs must be a non-negative number of seconds, not {}",
                raw.grace_period_secs
            ))
        })?;
        for (key, value) in [("java", &raw.java), ("shell", &raw.shell)] {
            if value.trim().is_empty() || value.contains('\0') {
                return Err(EngineError::invalid_config(format!("{key} must name a program")));
            }
        }
        Ok(Self { java: raw.java, grace_period, shell: raw.shell })
    }

    /// The JSON Schema of the configuration.
    pub(crate) fn schema() -> Value {
        json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "local engine",
            "type": "object",
            "properties": {
                "java": {
                    "type": "string",
                    "minLength": 1,
                    "default": DEFAULT_JAVA,
                    "description": "The java binary for Java jobs: a path, or a name looked up in PATH"
                },
                "grace_period_secs": {
                    "type": "number",
                    "minimum": 0,
                    "default": DEFAULT_GRACE_PERIOD_SECS,
                    "description": "Seconds between SIGTERM and SIGKILL when a job is cancelled"
                },
                "shell": {
                    "type": "string",
                    "minLength": 1,
                    "default": DEFAULT_SHELL,
                    "description": "The interpreter of Shell job scripts that have no #! line"
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
        let config = LocalConfig::parse("{}").expect("defaults");
        assert_eq!(config.java, "java");
        assert_eq!(config.shell, "/bin/sh");
        assert_eq!(config.grace_period, Duration::from_secs(10));
    }

    #[test]
    fn accepts_integer_and_fractional_grace_periods() {
        let config =
            LocalConfig::parse(r#"{"java": "/opt/jdk/bin/java", "grace_period_secs": 3, "shell": "/bin/bash"}"#)
                .expect("valid");
        assert_eq!(config.grace_period, Duration::from_secs(3));
        assert_eq!(config.java, "/opt/jdk/bin/java");
        assert_eq!(config.shell, "/bin/bash");
        let config = LocalConfig::parse(r#"{"grace_period_secs": 0.25}"#).expect("valid");
        assert_eq!(config.grace_period, Duration::from_millis(250));
    }

    #[test]
    fn rejects_unknown_keys_and_bad_values() {
        for bad in [
            r#"{"jvm": "java"}"#,
            r#"{"grace_period_secs": -1}"#,
            r#"{"grace_period_secs": "10"}"#,
            r#"{"grace_period_secs": 1e300}"#,
            r#"{"shell": ""}"#,
            r#"{"java": "  "}"#,
        ] {
            let err = LocalConfig::parse(bad).expect_err("rejected");
            assert_eq!(err.kind, ErrorKind::INVALID_CONFIG, "{bad}");
        }
    }

    #[test]
    fn schema_lists_every_key() {
        let schema = LocalConfig::schema();
        let mut keys: Vec<_> = schema["properties"].as_object().expect("properties").keys().cloned().collect();
        keys.sort();
        assert_eq!(keys, ["grace_period_secs", "java", "shell"]);
        assert_eq!(schema["additionalProperties"], false);
    }
}
