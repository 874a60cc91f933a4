//! Job templates: `/v2/job-templates` (v1.1: `/jobs`), and their config hints.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use edp_plugin_api::JobType;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::api::auth::Caller;
use crate::api::body::{JsonBody, check_name};
use crate::api::error::ApiError;
use crate::api::listing::Listing;
use crate::api::render::{self, Id, Version, is_internal};
use crate::api::{ApiState, rights};
use crate::manager::now_millis;
use crate::store::JobTemplateRow;

/// `POST /job-templates`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewJobTemplate {
    name: String,
    #[serde(rename = "type")]
    job_type: String,
    #[serde(default)]
    mains: Vec<String>,
    #[serde(default)]
    libs: Vec<String>,
    #[serde(default)]
    description: String,
    #[serde(default)]
    interface: Vec<Value>,
    #[serde(default)]
    is_public: bool,
    #[serde(default)]
    is_protected: bool,
}

/// The key of one template (`job_template` in v2, `job` in v1.1) and of the list.
fn keys(version: Version) -> (&'static str, &'static str) {
    match version {
        Version::V2 => ("job_template", "job_templates"),
        Version::V11 => ("job", "jobs"),
    }
}

/// Sahara's rules for mains and libs per job type.
fn check_binaries(job_type: JobType, mains: &[String], libs: &[String]) -> Result<(), ApiError> {
    match job_type {
        JobType::Pig | JobType::Hive | JobType::Shell | JobType::Spark | JobType::Storm | JobType::StormPyleus => {
            if mains.len() != 1 {
                return Err(ApiError::validation(format!("{job_type} job templates need exactly one main binary")));
            }
        }
        JobType::MapReduce | JobType::Java => {
            if !mains.is_empty() {
                return Err(ApiError::validation(format!("{job_type} job templates take no mains, only libs")));
            }
            if libs.is_empty() {
                return Err(ApiError::validation(format!("{job_type} job templates need at least one lib")));
            }
        }
        JobType::MapReduceStreaming => {
            if !mains.is_empty() {
                return Err(ApiError::validation("MapReduce.Streaming job templates take no mains"));
            }
        }
    }
    Ok(())
}

pub(crate) async fn create(
    State(state): State<ApiState>,
    caller: Caller,
    version: Version,
    JsonBody(new): JsonBody<NewJobTemplate>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    check_name(&new.name)?;
    let job_type: JobType =
        new.job_type.parse().map_err(|err: edp_plugin_api::UnknownJobType| ApiError::validation(err.to_string()))?;
    check_binaries(job_type, &new.mains, &new.libs)?;
    for id in new.mains.iter().chain(&new.libs) {
        let owned = id.clone();
        let binary = state.db(move |store| store.job_binary(&owned)).await?;
        match binary {
            Some(binary) if caller.can_read(&binary.project, binary.is_public) && !is_internal(&binary) => {}
            _ => return Err(ApiError::invalid_reference(format!("job binary `{id}` does not exist"))),
        }
    }
    let now = now_millis();
    let row = JobTemplateRow {
        id: uuid::Uuid::new_v4().to_string(),
        project: caller.project,
        name: new.name,
        description: new.description,
        job_type: job_type.as_str().into(),
        mains: new.mains,
        libs: new.libs,
        interface: Value::Array(new.interface),
        is_public: new.is_public,
        is_protected: new.is_protected,
        created_at: now,
        updated_at: now,
    };
    let insert = row.clone();
    state.db(move |store| store.insert_job_template(&insert)).await?;
    let rendered = rendered(&state, &row, version).await?;
    Ok((StatusCode::ACCEPTED, Json(json!({keys(version).0: rendered}))))
}

/// A template with its binaries expanded.
async fn rendered(state: &ApiState, row: &JobTemplateRow, version: Version) -> Result<Value, ApiError> {
    let ids: Vec<String> = row.mains.iter().chain(&row.libs).cloned().collect();
    let binaries =
        state.db(move |store| ids.iter().map(|id| store.job_binary(id)).collect::<Result<Vec<_>, _>>()).await?;
    let mut binaries =
        binaries.into_iter().map(|binary| binary.map_or(Value::Null, |b| render::job_binary(&b, version)));
    let mains = binaries.by_ref().take(row.mains.len()).collect();
    let libs = binaries.collect();
    Ok(render::job_template(row, mains, libs, version))
}

pub(crate) async fn list(
    State(state): State<ApiState>,
    caller: Caller,
    version: Version,
    Query(query): Query<Vec<(String, String)>>,
) -> Result<Json<Value>, ApiError> {
    let listing =
        Listing::parse(query, &[("name", "name"), ("id", "id"), ("type", "type"), ("created_at", "created_at")])?;
    let rows = state.db(|store| store.job_templates(None)).await?;
    let mut items = Vec::new();
    for row in rows.iter().filter(|row| caller.can_read(&row.project, row.is_public)) {
        items.push(rendered(&state, row, version).await?);
    }
    Ok(Json(listing.render(keys(version).1, items)?))
}

async fn load(state: &ApiState, caller: &Caller, id: &str) -> Result<JobTemplateRow, ApiError> {
    rights::fetch(state, caller, "job template", id, |store, id| store.job_template(id)).await
}

pub(crate) async fn show(
    State(state): State<ApiState>,
    caller: Caller,
    version: Version,
    Id(id): Id,
) -> Result<Json<Value>, ApiError> {
    let row = load(&state, &caller, &id).await?;
    let rendered = rendered(&state, &row, version).await?;
    Ok(Json(json!({keys(version).0: rendered})))
}

pub(crate) async fn delete(State(state): State<ApiState>, caller: Caller, Id(id): Id) -> Result<StatusCode, ApiError> {
    rights::delete(
        &state,
        &caller,
        "job template",
        id,
        |store, id| store.job_template(id),
        |store, id| store.delete_job_template(id),
    )
    .await
}

/// `GET .../config-hints/{job_type}`: the hints of the first loaded engine that runs the type.
pub(crate) async fn config_hints(
    State(state): State<ApiState>,
    _caller: Caller,
    Path(params): Path<std::collections::HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    let name = params.get("job_type").cloned().unwrap_or_default();
    let job_type: JobType =
        name.parse().map_err(|err: edp_plugin_api::UnknownJobType| ApiError::validation(err.to_string()))?;
    let engine = state
        .manager
        .engines()
        .slots()
        .filter_map(|slot| slot.handle())
        .find(|engine| engine.description().job_types.contains(&job_type))
        .cloned();
    let empty = json!({"job_config": {"configs": [], "params": {}, "args": []}});
    let Some(engine) = engine else { return Ok(Json(empty)) };
    let hints = engine
        .get_possible_job_config(job_type.as_str().to_owned())
        .await
        .map_err(crate::manager::ManagerError::from)?;
    Ok(Json(hints.unwrap_or(empty)))
}
