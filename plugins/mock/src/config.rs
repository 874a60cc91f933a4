//! The mock engine's plugins.toml table.

use std::path::PathBuf;

use serde::Deserialize;
use serde_json::json;

use crate::script::Script;

/// `[engines.NAME.config]` of a mock engine.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MockConfig {
    /// Append one line `<job execution id>\t<engine job id>` per launch to this file, so a
    /// test can check that every job was launched exactly once.
    pub launch_log: Option<PathBuf>,
    /// Panic while the engine is being built.
    pub panic_on_new: bool,
    /// Fail while the engine is being built.
    pub fail_on_new: bool,
    /// The script every job follows unless its configs say otherwise.
    pub script: Script,
}

/// The JSON Schema of [`MockConfig`].
pub(crate) fn schema() -> serde_json::Value {
    let verbs = json!({"type": "array", "items": {"type": "string", "enum": edp_plugin_api::VERB_NAMES}});
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "mock engine",
        "type": "object",
        "additionalProperties": false,
        "properties": {
            "launch_log": {"type": "string", "description": "file that records every launch"},
            "panic_on_new": {"type": "boolean"},
            "fail_on_new": {"type": "boolean"},
            "script": {
                "type": "object",
                "additionalProperties": false,
                "properties": {
                    "final_status": {"type": "string", "default": "SUCCEEDED"},
                    "run_ms": {"type": "integer", "minimum": 0, "default": 0},
                    "fail": verbs,
                    "panic": verbs,
                    "hang": verbs,
                    "garbage": verbs,
                    "hang_ms": {"type": "integer", "minimum": 0, "default": 3_600_000},
                    "launch_delay_ms": {"type": "integer", "minimum": 0, "default": 0,
                        "description": "preparation time before the launch's last TOBEKILLED check"},
                    "cancel_not_yet": {"type": "integer", "minimum": -1, "default": 0,
                        "description": "how many times cancel answers \"not yet\"; -1 is forever"}
                }
            }
        }
    })
}
