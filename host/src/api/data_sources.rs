//! `/data-sources`: where jobs read and write data.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::api::auth::Caller;
use crate::api::body::{JsonBody, check_name};
use crate::api::error::ApiError;
use crate::api::listing::Listing;
use crate::api::render::{self, Id, Version};
use crate::api::{ApiState, rights};
use crate::manager::now_millis;
use crate::store::DataSourceRow;

/// `POST /data-sources`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewDataSource {
    name: String,
    #[serde(default)]
    description: String,
    #[serde(rename = "type")]
    kind: String,
    url: String,
    /// Swift or S3 credentials; accepted for compatibility, not stored.
    #[serde(default)]
    credentials: Map<String, Value>,
    #[serde(default)]
    is_public: bool,
    #[serde(default)]
    is_protected: bool,
}

const KINDS: [&str; 5] = ["hdfs", "swift", "s3", "manila", "maprfs"];

pub(crate) async fn create(
    State(state): State<ApiState>,
    caller: Caller,
    version: Version,
    JsonBody(new): JsonBody<NewDataSource>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    check_name(&new.name)?;
    if !KINDS.contains(&new.kind.as_str()) {
        return Err(ApiError::validation(format!(
            "unknown data source type `{}` (one of: {})",
            new.kind,
            KINDS.join(", ")
        )));
    }
    if new.url.trim().is_empty() {
        return Err(ApiError::validation("url cannot be empty"));
    }
    let _ = new.credentials;
    let now = now_millis();
    let row = DataSourceRow {
        id: uuid::Uuid::new_v4().to_string(),
        project: caller.project,
        name: new.name,
        description: new.description,
        kind: new.kind,
        url: new.url,
        is_public: new.is_public,
        is_protected: new.is_protected,
        created_at: now,
        updated_at: now,
    };
    let insert = row.clone();
    state.db(move |store| store.insert_data_source(&insert)).await?;
    Ok((StatusCode::ACCEPTED, Json(json!({"data_source": render::data_source(&row, version)}))))
}

pub(crate) async fn list(
    State(state): State<ApiState>,
    caller: Caller,
    version: Version,
    Query(query): Query<Vec<(String, String)>>,
) -> Result<Json<Value>, ApiError> {
    let listing =
        Listing::parse(query, &[("name", "name"), ("id", "id"), ("type", "type"), ("created_at", "created_at")])?;
    let rows = state.db(|store| store.data_sources(None)).await?;
    let items = rows
        .iter()
        .filter(|row| caller.can_read(&row.project, row.is_public))
        .map(|row| render::data_source(row, version))
        .collect();
    Ok(Json(listing.render("data_sources", items)?))
}

async fn load(state: &ApiState, caller: &Caller, id: &str) -> Result<DataSourceRow, ApiError> {
    rights::fetch(state, caller, "data source", id, |store, id| store.data_source(id)).await
}

pub(crate) async fn show(
    State(state): State<ApiState>,
    caller: Caller,
    version: Version,
    Id(id): Id,
) -> Result<Json<Value>, ApiError> {
    let row = load(&state, &caller, &id).await?;
    Ok(Json(json!({"data_source": render::data_source(&row, version)})))
}

pub(crate) async fn delete(State(state): State<ApiState>, caller: Caller, Id(id): Id) -> Result<StatusCode, ApiError> {
    rights::delete(
        &state,
        &caller,
        "data source",
        id,
        |store, id| store.data_source(id),
        |store, id| store.delete_data_source(id),
    )
    .await
}
