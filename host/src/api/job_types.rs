//! `/job-types`: which job types run on which cluster types (from the routes), with the
//! engines' config hints on request.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Query, State};
use edp_plugin_api::JobType;
use serde_json::{Value, json};

use crate::api::ApiState;
use crate::api::auth::Caller;
use crate::api::error::ApiError;
use crate::config::ClusterTypeMatch;

pub(crate) async fn list(
    State(state): State<ApiState>,
    _caller: Caller,
    Query(query): Query<Vec<(String, String)>>,
) -> Result<Json<Value>, ApiError> {
    let (mut only_type, mut only_plugin, mut only_version, mut hints) = (None, None, None, false);
    for (key, value) in query {
        match key.as_str() {
            "type" => only_type = Some(value.parse::<JobType>().map_err(|err| ApiError::validation(err.to_string()))?),
            "plugin" => only_plugin = Some(value),
            "version" => only_version = Some(value),
            "hints" => hints = value.eq_ignore_ascii_case("true"),
            other => return Err(ApiError::validation(format!("unknown query parameter `{other}`"))),
        }
    }
    let engines = state.manager.engines();
    let mut job_types = Vec::new();
    for job_type in JobType::ALL.into_iter().filter(|t| only_type.is_none_or(|only| only == *t)) {
        let mut plugins: BTreeMap<String, serde_json::Map<String, Value>> = BTreeMap::new();
        for route in state.manager.routes().routes() {
            let Some(engine) = engines.engine(&route.engine) else { continue };
            let routed = route.job_types.as_ref().is_none_or(|types| types.iter().any(|t| t.covers(job_type)));
            if !routed || !engine.description().job_types.iter().any(|t| t.covers(job_type)) {
                continue;
            }
            let plugin = match &route.cluster_type {
                ClusterTypeMatch::Any => "*".to_owned(),
                ClusterTypeMatch::Exactly(name) => name.clone(),
            };
            let version = route.versions.as_ref().map_or_else(|| "*".to_owned(), ToString::to_string);
            if only_plugin.as_ref().is_some_and(|only| *only != plugin)
                || only_version.as_ref().is_some_and(|only| *only != version)
            {
                continue;
            }
            let versions = plugins.entry(plugin).or_default();
            let hint = if hints {
                engine
                    .get_possible_job_config(job_type.as_str().to_owned())
                    .await
                    .ok()
                    .flatten()
                    .unwrap_or_else(|| json!({}))
            } else {
                json!({})
            };
            versions.insert(version, hint);
        }
        if plugins.is_empty() {
            continue;
        }
        let plugins: Vec<Value> = plugins
            .into_iter()
            .map(|(name, versions)| json!({"name": name, "title": name, "description": format!("cluster type {name}"), "versions": versions}))
            .collect();
        job_types.push(json!({"name": job_type.as_str(), "plugins": plugins}));
    }
    Ok(Json(json!({"job_types": job_types})))
}
