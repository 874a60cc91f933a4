//! job.properties: the configuration an Oozie submission carries (Sahara's
//! `_get_oozie_job_params`, with its bugs fixed).
//!
//! - `nameNode`, `jobTracker`, `user.name`, `oozie.use.system.libpath=true`;
//! - `oozie.wf.application.path` (a workflow) or `oozie.coord.application.path` plus `start`,
//!   `end`, `frequency` and `workflowAppUri` (a scheduled run);
//! - `oozie.libpath`: the user's value joined with the HBase libraries
//!   (`edp.hbase_common_lib`) and the Java main wrapper, comma-separated;
//! - every other `oozie.*` config of the user. No user value can replace an application path:
//!   all three (`wf`, `coord`, `bundle`) are dropped, as a different one would run something else.
//!
//! Sahara fixed: a user `oozie.libpath` was dropped unless HBase was on, and a scheduled run's
//! properties lacked `nameNode`, `jobTracker` and `user.name`, which the coordinator needs.

use std::collections::BTreeMap;

use edp_plugin_api::JobConfigs;

use crate::endpoints::Endpoints;
use crate::schedule::Schedule;

/// Application paths the user can never set.
const APPLICATION_PATHS: [&str; 3] =
    ["oozie.wf.application.path", "oozie.coord.application.path", "oozie.bundle.application.path"];

/// What the properties of one submission are made of.
#[derive(Debug, Clone)]
pub(crate) struct PropertiesInput<'a> {
    /// The cluster's endpoints.
    pub(crate) endpoints: &'a Endpoints,
    /// The staged workflow directory (an absolute HDFS path).
    pub(crate) workflow_dir: &'a str,
    /// The job configs (their `oozie.*` keys).
    pub(crate) configs: &'a JobConfigs,
    /// Library paths to add to `oozie.libpath` (HBase, the main wrapper), absolute or URIs.
    pub(crate) extra_libpath: &'a [String],
    /// The schedule of a scheduled run.
    pub(crate) schedule: Option<&'a Schedule>,
}

/// The job properties of `input`.
pub(crate) fn job_properties(input: &PropertiesInput<'_>) -> BTreeMap<String, String> {
    let endpoints = input.endpoints;
    let mut properties = BTreeMap::new();
    let mut user_libpath = None;
    for key in input.configs.configs.keys().filter(|key| key.starts_with("oozie.")) {
        let Some(value) = input.configs.config(key) else { continue };
        if key == "oozie.libpath" {
            user_libpath = Some(value);
        } else if !APPLICATION_PATHS.contains(&key.as_str()) {
            properties.insert(key.clone(), value);
        }
    }
    let libpath: Vec<String> = user_libpath
        .into_iter()
        .filter(|value| !value.trim().is_empty())
        .chain(input.extra_libpath.iter().map(|path| endpoints.hdfs_uri(path)))
        .collect();
    properties.insert("oozie.libpath".to_owned(), libpath.join(","));
    properties.entry("oozie.use.system.libpath".to_owned()).or_insert_with(|| "true".to_owned());
    properties.insert("nameNode".to_owned(), endpoints.name_node.clone());
    properties.insert("jobTracker".to_owned(), endpoints.resource_manager.clone());
    properties.insert("user.name".to_owned(), endpoints.hdfs_user.clone());
    let dir_uri = endpoints.hdfs_uri(input.workflow_dir);
    match input.schedule {
        None => {
            properties.insert("oozie.wf.application.path".to_owned(), format!("{dir_uri}/workflow.xml"));
        }
        Some(schedule) => {
            properties.insert("oozie.coord.application.path".to_owned(), dir_uri.clone());
            properties.insert("workflowAppUri".to_owned(), dir_uri);
            properties.insert("start".to_owned(), schedule.start.to_string());
            properties.insert("end".to_owned(), schedule.end.to_string());
            properties.insert("frequency".to_owned(), schedule.frequency.clone());
        }
    }
    properties
}
