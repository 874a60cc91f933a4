//! `/v2/clusters`: the registry of existing clusters jobs run on. This host does not provision
//! clusters; registering one records its type, version, status and endpoints.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::api::auth::Caller;
use crate::api::body::{JsonBody, check_name};
use crate::api::error::ApiError;
use crate::api::listing::Listing;
use crate::api::render::{self, Version};
use crate::api::{ApiState, rights};
use crate::manager::now_millis;
use crate::store::ClusterRecordRow;

/// `POST /v2/clusters`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewCluster {
    name: String,
    plugin_name: String,
    plugin_version: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    info: Map<String, Value>,
    status: Option<String>,
    #[serde(default)]
    is_public: bool,
    #[serde(default)]
    is_protected: bool,
}

/// `PATCH /v2/clusters/{id}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ClusterUpdate {
    name: Option<String>,
    description: Option<String>,
    status: Option<String>,
    info: Option<Map<String, Value>>,
    is_public: Option<bool>,
    is_protected: Option<bool>,
}

/// Sahara's cluster statuses a registered cluster can be in.
pub(crate) const STATUSES: [&str; 8] =
    ["Active", "Error", "Deleting", "Starting", "Scaling", "Shutdown", "Validating", "Waiting"];

fn check_status(status: &str) -> Result<(), ApiError> {
    if STATUSES.contains(&status) {
        Ok(())
    } else {
        Err(ApiError::validation(format!("unknown cluster status `{status}` (one of: {})", STATUSES.join(", "))))
    }
}

pub(crate) async fn create(
    State(state): State<ApiState>,
    caller: Caller,
    JsonBody(new): JsonBody<NewCluster>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    check_name(&new.name)?;
    if new.plugin_name.trim().is_empty() || new.plugin_version.trim().is_empty() {
        return Err(ApiError::validation("plugin_name and plugin_version cannot be empty"));
    }
    let status = new.status.unwrap_or_else(|| "Active".into());
    check_status(&status)?;
    let now = now_millis();
    let row = ClusterRecordRow {
        id: uuid::Uuid::new_v4().to_string(),
        project: caller.project,
        name: new.name,
        description: new.description,
        cluster_type: new.plugin_name,
        version: new.plugin_version,
        status,
        info: new.info,
        is_public: new.is_public,
        is_protected: new.is_protected,
        created_at: now,
        updated_at: now,
    };
    let insert = row.clone();
    state.db(move |store| store.insert_cluster(&insert)).await?;
    Ok((StatusCode::ACCEPTED, Json(json!({"cluster": render::cluster(&row, Version::V2)}))))
}

pub(crate) async fn list(
    State(state): State<ApiState>,
    caller: Caller,
    Query(query): Query<Vec<(String, String)>>,
) -> Result<Json<Value>, ApiError> {
    let listing =
        Listing::parse(query, &[("name", "name"), ("id", "id"), ("status", "status"), ("plugin_name", "plugin_name")])?;
    let rows = state.db(|store| store.clusters(None)).await?;
    let items = rows
        .iter()
        .filter(|row| caller.can_read(&row.project, row.is_public))
        .map(|row| render::cluster(row, Version::V2))
        .collect();
    Ok(Json(listing.render("clusters", items)?))
}

async fn load(state: &ApiState, caller: &Caller, id: &str) -> Result<ClusterRecordRow, ApiError> {
    rights::fetch(state, caller, "cluster", id, |store, id| store.cluster(id)).await
}

pub(crate) async fn show(
    State(state): State<ApiState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let row = load(&state, &caller, &id).await?;
    Ok(Json(json!({"cluster": render::cluster(&row, Version::V2)})))
}

pub(crate) async fn update(
    State(state): State<ApiState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(update): JsonBody<ClusterUpdate>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let mut row = load(&state, &caller, &id).await?;
    rights::changeable(&caller, &row, update.is_protected, "UPDATE_FAILED", "cluster", &id)?;
    if let Some(name) = update.name {
        check_name(&name)?;
        row.name = name;
    }
    if let Some(status) = update.status {
        check_status(&status)?;
        row.status = status;
    }
    if let Some(description) = update.description {
        row.description = description;
    }
    if let Some(info) = update.info {
        row.info = info;
    }
    row.is_public = update.is_public.unwrap_or(row.is_public);
    row.is_protected = update.is_protected.unwrap_or(row.is_protected);
    row.updated_at = now_millis();
    let write = row.clone();
    state.db(move |store| store.update_cluster(&write)).await?;
    Ok((StatusCode::ACCEPTED, Json(json!({"cluster": render::cluster(&row, Version::V2)}))))
}

pub(crate) async fn delete(
    State(state): State<ApiState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    rights::delete(&state, &caller, "cluster", id, |store, id| store.cluster(id), |store, id| store.delete_cluster(id))
        .await
}
