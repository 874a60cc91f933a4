//! Where and how a cluster's jobs run: the launch mode and the master's addresses, from the
//! cluster record's `info` with the engine's configuration as defaults.
//!
//! Cluster-info keys (all optional):
//!
//! - `spark_master`: the master as spark-submit takes it: `local[N]`, `spark://host:7077`,
//!   `yarn`, ...
//! - `spark_launch_mode`: `spark-submit` (client deploy mode, under a local supervisor) or
//!   `rest` (the standalone master's REST submission API, cluster deploy mode).
//! - `spark_rest_url`: the REST server, e.g. `http://host:6066` (default: the `spark://`
//!   master's host with the engine's `rest_port`).
//! - `spark_master_ui_url`: the master's web UI, e.g. `http://host:8080` (default: the master's
//!   host with `master_ui_port`); read for the driver logs of failed REST jobs.

use edp_plugin_api::{ClusterRecord, EngineError};
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::config::SparkConfig;

/// Cluster-info key: the master URL.
pub(crate) const INFO_MASTER: &str = "spark_master";
/// Cluster-info key: the launch mode.
pub(crate) const INFO_LAUNCH_MODE: &str = "spark_launch_mode";
/// Cluster-info key: the REST submission server's URL.
pub(crate) const INFO_REST_URL: &str = "spark_rest_url";
/// Cluster-info key: the master web UI's URL.
pub(crate) const INFO_MASTER_UI_URL: &str = "spark_master_ui_url";

/// The standalone master's RPC port, for a master derived from a REST URL.
const MASTER_PORT: u16 = 7077;

/// How a job is launched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
pub(crate) enum LaunchMode {
    /// `spark-submit --deploy-mode client` under the local supervisor.
    #[default]
    #[serde(rename = "spark-submit")]
    SparkSubmit,
    /// The standalone master's REST submission API, cluster deploy mode.
    #[serde(rename = "rest")]
    Rest,
}

impl LaunchMode {
    fn parse(text: &str) -> Result<Self, EngineError> {
        match text {
            "spark-submit" => Ok(Self::SparkSubmit),
            "rest" => Ok(Self::Rest),
            other => Err(EngineError::invalid_job(format!(
                "cluster info {INFO_LAUNCH_MODE} must be `spark-submit` or `rest`, not `{other}`"
            ))),
        }
    }
}

/// Where a cluster's jobs go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Target {
    /// The launch mode.
    pub(crate) mode: LaunchMode,
    /// The master URL (`local[N]`, `spark://...`, `yarn`).
    pub(crate) master: String,
    /// The REST server's base URL (REST mode only), without a trailing `/`.
    pub(crate) rest_url: Option<String>,
    /// The master web UI's base URL (standalone masters only), without a trailing `/`.
    pub(crate) master_ui_url: Option<String>,
}

/// Checks a master URL enough to catch mistakes: not empty, no whitespace or NUL.
pub(crate) fn validate_master(master: &str) -> Result<(), String> {
    if master.is_empty() || master.chars().any(|c| c.is_whitespace() || c == '\0') {
        return Err(format!("`{master}` is not a Spark master URL"));
    }
    Ok(())
}

/// The host of the first master of a `spark://h1:p1,h2:p2` URL.
pub(crate) fn standalone_host(master: &str) -> Option<&str> {
    let first = master.strip_prefix("spark://")?.split(',').next()?;
    let host = first.rsplit_once(':').map_or(first, |(host, _)| host);
    (!host.is_empty()).then_some(host)
}

/// The host of an `http://host:port/...` URL.
fn http_host(url: &str) -> Option<&str> {
    let rest = url.strip_prefix("http://").or_else(|| url.strip_prefix("https://"))?;
    let authority = rest.split('/').next()?;
    let host = authority.rsplit_once(':').map_or(authority, |(host, _)| host);
    (!host.is_empty()).then_some(host)
}

fn text_key<'a>(info: &'a Map<String, Value>, key: &str) -> Result<Option<&'a str>, EngineError> {
    match info.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) if text.trim().is_empty() => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.trim())),
        Some(_) => Err(EngineError::invalid_job(format!("cluster info {key} must be a string"))),
    }
}

fn http_url(key: &str, url: &str) -> Result<String, EngineError> {
    if http_host(url).is_none() || url.contains(char::is_whitespace) {
        return Err(EngineError::invalid_job(format!("cluster info {key} must be an http:// URL, not `{url}`")));
    }
    Ok(url.trim_end_matches('/').to_owned())
}

/// The target of `cluster`'s jobs.
pub(crate) fn target(cluster: &ClusterRecord, config: &SparkConfig) -> Result<Target, EngineError> {
    let info: Map<String, Value> = match serde_json::from_str(&cluster.info) {
        Ok(Value::Object(info)) => info,
        Ok(_) | Err(_) => Map::new(),
    };
    let mode = match text_key(&info, INFO_LAUNCH_MODE)? {
        Some(text) => LaunchMode::parse(text)?,
        None => config.default_launch_mode,
    };
    let rest_url = text_key(&info, INFO_REST_URL)?.map(|url| http_url(INFO_REST_URL, url)).transpose()?;
    let derived_master = rest_url.as_deref().and_then(http_host).map(|host| format!("spark://{host}:{MASTER_PORT}"));
    let master = text_key(&info, INFO_MASTER)?
        .map(str::to_owned)
        .or_else(|| config.default_master.clone())
        .or(if mode == LaunchMode::Rest { derived_master } else { None })
        .ok_or_else(|| {
            EngineError::invalid_job(format!(
                "cluster `{}` has no {INFO_MASTER} in its info and the engine has no default_master",
                cluster.name
            ))
        })?;
    validate_master(&master).map_err(EngineError::invalid_job)?;
    let host = standalone_host(&master);
    let master_ui_url = match text_key(&info, INFO_MASTER_UI_URL)? {
        Some(url) => Some(http_url(INFO_MASTER_UI_URL, url)?),
        None => host.map(|host| format!("http://{host}:{}", config.master_ui_port)),
    };
    let rest_url = match mode {
        LaunchMode::SparkSubmit => None,
        LaunchMode::Rest => {
            let Some(host) = host else {
                return Err(EngineError::invalid_job(format!(
                    "REST submission needs a standalone master (spark://host:port), not `{master}`"
                )));
            };
            Some(rest_url.unwrap_or_else(|| format!("http://{host}:{}", config.rest_port)))
        }
    };
    Ok(Target { mode, master, rest_url, master_ui_url })
}

#[cfg(test)]
mod tests {
    use super::*;
    use edp_plugin_api::ErrorKind;
    use serde_json::json;

    fn cluster(info: Value) -> ClusterRecord {
        ClusterRecord {
            id: "c1".into(),
            name: "spark-1".into(),
            cluster_type: "spark".into(),
            version: "4.3.0".into(),
            status: "Active".into(),
            info: info.to_string().into(),
        }
    }

    fn config(json: &str) -> SparkConfig {
        SparkConfig::parse(json).expect("config")
    }

    #[test]
    fn spark_submit_mode_takes_any_master() {
        for master in ["local[1]", "yarn", "spark://m:7077", "k8s://https://k:443"] {
            let target = target(&cluster(json!({"spark_master": master})), &config("{}")).expect("target");
            assert_eq!(target.mode, LaunchMode::SparkSubmit);
            assert_eq!(target.master, master);
            assert_eq!(target.rest_url, None);
        }
    }

    #[test]
    fn rest_mode_derives_urls_from_a_standalone_master() {
        let info = json!({"spark_master": "spark://m1:7077,m2:7077", "spark_launch_mode": "rest"});
        let target = target(&cluster(info), &config(r#"{"rest_port": 6067}"#)).expect("target");
        assert_eq!(target.mode, LaunchMode::Rest);
        assert_eq!(target.rest_url.as_deref(), Some("http://m1:6067"));
        assert_eq!(target.master_ui_url.as_deref(), Some("http://m1:8080"));
    }

    #[test]
    fn rest_url_alone_is_enough_and_defaults_come_from_the_config() {
        let info = json!({"spark_rest_url": "http://10.0.0.5:6066/"});
        let target = target(&cluster(info), &config(r#"{"default_launch_mode": "rest"}"#)).expect("target");
        assert_eq!(target.master, "spark://10.0.0.5:7077");
        assert_eq!(target.rest_url.as_deref(), Some("http://10.0.0.5:6066"));

        let local = super::target(&cluster(json!({})), &config(r#"{"default_master": "local[2]"}"#)).expect("target");
        assert_eq!((local.mode, local.master.as_str()), (LaunchMode::SparkSubmit, "local[2]"));
    }

    #[test]
    fn unusable_cluster_info_is_an_invalid_job() {
        let cases = [
            json!({}),
            json!({"spark_master": "local[1]", "spark_launch_mode": "rest"}),
            json!({"spark_master": "spark://m:7077", "spark_launch_mode": "ssh"}),
            json!({"spark_master": 7077}),
            json!({"spark_master": "spark://m:7077", "spark_rest_url": "m:6066"}),
        ];
        for info in cases {
            let err = target(&cluster(info.clone()), &config("{}")).expect_err("rejected");
            assert_eq!(err.kind, ErrorKind::INVALID_JOB, "{info}");
        }
    }
}
