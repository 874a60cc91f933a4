//! A cluster's endpoints: where its Oozie server, WebHDFS and NameNode are, and its HDFS user.
//!
//! Each comes from the cluster record's `info` object, key by key, falling back to the engine's
//! configuration table. The keys are the same in both places:
//!
//! | key | example | used for |
//! |---|---|---|
//! | `oozie_url` | `http://oozie.example:11000/oozie` | the Oozie web-services API |
//! | `webhdfs_url` | `http://namenode.example:9870` | staging over WebHDFS (`/webhdfs/v1` is appended) |
//! | `name_node` | `hdfs://namenode.example:8020` | `${nameNode}`, application paths |
//! | `resource_manager` | `resourcemanager.example:8032` | `${jobTracker}` |
//! | `hdfs_user` | `hadoop` | `user.name`, the owner of `/user/<hdfs_user>/...` |

use edp_plugin_api::{ClusterRecord, EngineError};
use serde_json::{Map, Value, json};

use crate::config::EndpointDefaults;

/// The endpoint keys, in the cluster info and in the engine configuration.
pub(crate) const KEYS: [&str; 5] = ["oozie_url", "webhdfs_url", "name_node", "resource_manager", "hdfs_user"];

/// A cluster's endpoints, checked and normalised (no trailing slashes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Endpoints {
    /// The Oozie base URL, e.g. `http://oozie:11000/oozie`.
    pub(crate) oozie_url: String,
    /// The WebHDFS server, without `/webhdfs/v1`, e.g. `http://namenode:9870`.
    pub(crate) webhdfs_url: String,
    /// The file system URI, e.g. `hdfs://namenode:8020`.
    pub(crate) name_node: String,
    /// The ResourceManager address, e.g. `resourcemanager:8032`.
    pub(crate) resource_manager: String,
    /// The user jobs run as.
    pub(crate) hdfs_user: String,
}

/// Why a value is not acceptable for `key`, or the normalised value.
fn normalise(key: &str, value: &str) -> Result<String, String> {
    let value = value.trim();
    match key {
        "oozie_url" | "webhdfs_url" => {
            let Some(rest) = value.strip_prefix("http://").or_else(|| value.strip_prefix("https://")) else {
                return Err("must be an http:// or https:// URL".into());
            };
            if rest.is_empty() || rest.starts_with('/') || value.contains(char::is_whitespace) {
                return Err("must be an http:// or https:// URL with a host".into());
            }
            if value.starts_with("https://") && !cfg!(feature = "tls") {
                return Err("is an https:// URL, but this build of the engine has no TLS (feature `tls`)".into());
            }
            let mut url = value.trim_end_matches('/');
            if key == "webhdfs_url" {
                url = url.strip_suffix("/webhdfs/v1").unwrap_or(url).trim_end_matches('/');
            }
            Ok(url.to_owned())
        }
        "name_node" => {
            let scheme_ok = value.split_once("://").is_some_and(|(scheme, rest)| {
                !rest.is_empty()
                    && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                    && scheme.chars().all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c))
            });
            if !scheme_ok || value.contains(char::is_whitespace) {
                return Err("must be a file system URI such as hdfs://namenode:8020".into());
            }
            Ok(value.trim_end_matches('/').to_owned())
        }
        "resource_manager" => {
            if value.is_empty() || value.contains(char::is_whitespace) {
                return Err("must be an address such as resourcemanager:8032".into());
            }
            Ok(value.to_owned())
        }
        _ => {
            let valid = !value.is_empty()
                && !value.starts_with('-')
                && value.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
            if !valid {
                return Err("must be a user name of letters, digits, `.`, `_` and `-`".into());
            }
            Ok(value.to_owned())
        }
    }
}

/// Checks the engine configuration's defaults.
pub(crate) fn check_defaults(defaults: &EndpointDefaults) -> Result<(), EngineError> {
    for key in KEYS {
        if let Some(value) = default_of(defaults, key) {
            normalise(key, &value).map_err(|why| EngineError::invalid_config(format!("{key} `{value}` {why}")))?;
        }
    }
    Ok(())
}

fn default_of(defaults: &EndpointDefaults, key: &str) -> Option<String> {
    match key {
        "oozie_url" => defaults.oozie_url.clone(),
        "webhdfs_url" => defaults.webhdfs_url.clone(),
        "name_node" => defaults.name_node.clone(),
        "resource_manager" => defaults.resource_manager.clone(),
        _ => Some(defaults.hdfs_user.clone()),
    }
}

impl Endpoints {
    /// The endpoints of `cluster`: its info's keys, else the engine's defaults.
    pub(crate) fn resolve(cluster: &ClusterRecord, defaults: &EndpointDefaults) -> Result<Self, EngineError> {
        let info: Map<String, Value> = if cluster.info.trim().is_empty() {
            Map::new()
        } else {
            serde_json::from_str(&cluster.info).map_err(|err| {
                EngineError::invalid_config(format!("cluster `{}`: info is not a JSON object: {err}", cluster.name))
            })?
        };
        let mut values = Vec::with_capacity(KEYS.len());
        for key in KEYS {
            let value = match info.get(key) {
                Some(Value::String(text)) => text.clone(),
                Some(other) => {
                    return Err(EngineError::invalid_config(format!(
                        "cluster `{}`: info key `{key}` must be a string, not {other}",
                        cluster.name
                    )));
                }
                None => default_of(defaults, key).ok_or_else(|| {
                    EngineError::invalid_config(format!(
                        "cluster `{}` has no `{key}` in its info, and the oozie engine's config sets no default",
                        cluster.name
                    ))
                })?,
            };
            let normalised = normalise(key, &value).map_err(|why| {
                EngineError::invalid_config(format!("cluster `{}`: {key} `{value}` {why}", cluster.name))
            })?;
            values.push(normalised);
        }
        let mut values = values.into_iter();
        let mut next = || values.next().unwrap_or_default();
        Ok(Self {
            oozie_url: next(),
            webhdfs_url: next(),
            name_node: next(),
            resource_manager: next(),
            hdfs_user: next(),
        })
    }

    /// The endpoints as a JSON object (recorded in the job execution's `extra`).
    pub(crate) fn to_json(&self) -> Value {
        json!({
            "oozie_url": self.oozie_url,
            "webhdfs_url": self.webhdfs_url,
            "name_node": self.name_node,
            "resource_manager": self.resource_manager,
            "hdfs_user": self.hdfs_user,
        })
    }

    /// The endpoints recorded in `extra` at launch, if complete.
    pub(crate) fn from_extra(extra: &Value) -> Option<Self> {
        let endpoints = extra.get("endpoints")?;
        let text = |key: &str| endpoints.get(key).and_then(Value::as_str).map(str::to_owned);
        Some(Self {
            oozie_url: text("oozie_url")?,
            webhdfs_url: text("webhdfs_url")?,
            name_node: text("name_node")?,
            resource_manager: text("resource_manager")?,
            hdfs_user: text("hdfs_user")?,
        })
    }

    /// `path` (absolute, on this cluster's file system) as a full URI.
    pub(crate) fn hdfs_uri(&self, path: &str) -> String {
        if path.contains("://") { path.to_owned() } else { format!("{}{path}", self.name_node) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use edp_plugin_api::ErrorKind;

    fn cluster(info: &str) -> ClusterRecord {
        ClusterRecord {
            id: "c-1".into(),
            name: "hadoop-1".into(),
            cluster_type: "vanilla".into(),
            version: "2.7.1".into(),
            status: "Active".into(),
            info: info.into(),
        }
    }

    fn defaults() -> EndpointDefaults {
        EndpointDefaults {
            oozie_url: Some("http://default-oozie:11000/oozie/".into()),
            webhdfs_url: Some("http://default-nn:9870/webhdfs/v1/".into()),
            name_node: Some("hdfs://default-nn:8020/".into()),
            resource_manager: Some("default-rm:8032".into()),
            hdfs_user: "hadoop".into(),
        }
    }

    #[test]
    fn cluster_info_overrides_the_defaults_key_by_key_and_values_are_normalised() {
        let endpoints = Endpoints::resolve(
            &cluster(r#"{"oozie_url": "http://oozie-1:11000/oozie", "hdfs_user": "hdfs", "other": 1}"#),
            &defaults(),
        )
        .expect("resolved");
        assert_eq!(
            endpoints,
            Endpoints {
                oozie_url: "http://oozie-1:11000/oozie".into(),
                webhdfs_url: "http://default-nn:9870".into(),
                name_node: "hdfs://default-nn:8020".into(),
                resource_manager: "default-rm:8032".into(),
                hdfs_user: "hdfs".into(),
            }
        );
        assert_eq!(Endpoints::from_extra(&json!({"endpoints": endpoints.to_json()})), Some(endpoints.clone()));
        assert_eq!(endpoints.hdfs_uri("/user/hdfs/x"), "hdfs://default-nn:8020/user/hdfs/x");
        assert_eq!(endpoints.hdfs_uri("s3a://bucket/x"), "s3a://bucket/x");
    }

    #[test]
    fn a_missing_endpoint_names_the_key_and_the_cluster() {
        let err = Endpoints::resolve(&cluster("{}"), &EndpointDefaults { hdfs_user: "h".into(), ..Default::default() })
            .expect_err("no oozie_url anywhere");
        assert_eq!(err.kind, ErrorKind::INVALID_CONFIG);
        assert!(err.message.contains("`oozie_url`") && err.message.contains("hadoop-1"), "{err}");
    }

    #[test]
    fn bad_cluster_values_are_refused() {
        for info in [
            r#"{"oozie_url": 11000}"#,
            r#"{"oozie_url": "oozie:11000"}"#,
            r#"{"webhdfs_url": "http:///webhdfs"}"#,
            r#"{"name_node": "/user"}"#,
            r#"{"resource_manager": "rm 8032"}"#,
            r#"{"hdfs_user": "../root"}"#,
            "[1]",
        ] {
            let err = Endpoints::resolve(&cluster(info), &defaults()).expect_err(info);
            assert_eq!(err.kind, ErrorKind::INVALID_CONFIG, "{info}");
        }
    }

    #[test]
    fn https_needs_the_tls_feature() {
        let resolved = Endpoints::resolve(&cluster(r#"{"oozie_url": "https://oozie:11443/oozie"}"#), &defaults());
        assert_eq!(resolved.is_ok(), cfg!(feature = "tls"), "{resolved:?}");
    }
}
