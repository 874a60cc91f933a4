//! Typed access to Sahara's `job_configs` JSON, for engines.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::EngineError;
use crate::types::JobExecution;

/// Sahara's `job_configs`: `configs` (properties such as `edp.java.main_class`), `params`
/// (named values), `args` (positional values) and `job_execution_info` (scheduling).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct JobConfigs {
    /// Configuration properties.
    pub configs: BTreeMap<String, Value>,
    /// Named parameters.
    pub params: BTreeMap<String, Value>,
    /// Positional arguments.
    pub args: Vec<Value>,
    /// Scheduling information (`job_execution_type`, `start`, `end`, `frequency`).
    pub job_execution_info: Map<String, Value>,
    /// Sahara's proxy-user settings; engines pass them on untouched.
    pub proxy_configs: Map<String, Value>,
    /// Filled in by the host: `{data source id: URL}` of the job's input, output and referenced
    /// data sources, placeholders expanded.
    pub data_source_urls: Map<String, Value>,
}

impl JobConfigs {
    /// Parses `job_configs` JSON; `""` and `null` mean "no configs".
    pub fn parse(json: &str) -> Result<Self, EngineError> {
        if json.trim().is_empty() || json.trim() == "null" {
            return Ok(Self::default());
        }
        serde_json::from_str(json).map_err(|err| EngineError::invalid_job(format!("job_configs is not valid: {err}")))
    }

    /// A configuration property as text (numbers and booleans in their JSON spelling).
    pub fn config(&self, key: &str) -> Option<String> {
        self.configs.get(key).map(scalar_text)
    }

    /// The params as (name, text) pairs.
    pub fn params_as_text(&self) -> Vec<(String, String)> {
        self.params.iter().map(|(name, value)| (name.clone(), scalar_text(value))).collect()
    }

    /// The args as text.
    pub fn args_as_text(&self) -> Vec<String> {
        self.args.iter().map(scalar_text).collect()
    }
}

impl JobExecution {
    /// The engine's job id, if the job was launched.
    pub fn engine_job_id_str(&self) -> Option<&str> {
        self.engine_job_id.as_ref().map(|id| id.as_str()).into_option()
    }

    /// This execution's [`JobConfigs`].
    pub fn configs(&self) -> Result<JobConfigs, EngineError> {
        JobConfigs::parse(&self.job_configs)
    }
}

fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn any_text_parses_or_is_an_invalid_job(text in "\\PC{0,120}") {
            if let Err(err) = JobConfigs::parse(&text) {
                prop_assert_eq!(err.kind, crate::ErrorKind::INVALID_JOB);
            }
        }

        #[test]
        fn any_json_object_parses_or_is_an_invalid_job(
            keys in prop::collection::vec("(configs|params|args|job_execution_info|proxy_configs|x)", 0..5),
            values in prop::collection::vec(prop_oneof![Just("1"), Just("\"s\""), Just("[1, \"a\"]"), Just("{\"k\": [true]}"), Just("null")], 0..5),
        ) {
            let body: Vec<String> = keys.iter().zip(&values).map(|(k, v)| format!("\"{k}\": {v}")).collect();
            let text = format!("{{{}}}", body.join(", "));
            if let Err(err) = JobConfigs::parse(&text) {
                prop_assert_eq!(err.kind, crate::ErrorKind::INVALID_JOB);
            }
        }
    }

    #[test]
    fn parses_sahara_job_configs_and_renders_scalars_as_text() {
        let configs = JobConfigs::parse(
            r#"{"configs": {"edp.java.main_class": "org.Main", "mapred.reduce.tasks": 2},
                "params": {"INPUT": "hdfs://x"}, "args": ["a", 3, true]}"#,
        )
        .expect("valid");
        assert_eq!(configs.config("edp.java.main_class").as_deref(), Some("org.Main"));
        assert_eq!(configs.config("mapred.reduce.tasks").as_deref(), Some("2"));
        assert_eq!(configs.args_as_text(), ["a", "3", "true"]);
        assert_eq!(configs.params_as_text(), [("INPUT".to_owned(), "hdfs://x".to_owned())]);
    }

    #[test]
    fn empty_is_default_and_garbage_is_an_invalid_job() {
        assert_eq!(JobConfigs::parse("").expect("empty"), JobConfigs::default());
        let err = JobConfigs::parse("{\"args\": 5}").expect_err("args must be a list");
        assert_eq!(err.kind, crate::ErrorKind::INVALID_JOB);
    }
}
