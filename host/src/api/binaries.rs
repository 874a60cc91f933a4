//! Job binaries (`/job-binaries`) and internal job binaries (`/job-binary-internals`, whose
//! bytes are uploaded through the API and stored in the database, size-limited). A job binary
//! with URL `internal-db://<id>` refers to an internal one.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::api::auth::Caller;
use crate::api::body::{JsonBody, RawBody, check_name};
use crate::api::error::ApiError;
use crate::api::listing::Listing;
use crate::api::render::{self, Version, is_internal};
use crate::api::{ApiState, rights};
use crate::manager::now_millis;
use crate::store::JobBinaryRow;

/// `POST /job-binaries`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewJobBinary {
    name: String,
    url: String,
    #[serde(default)]
    description: String,
    /// Credentials for Swift or S3; accepted for compatibility, not stored.
    #[serde(default)]
    extra: Map<String, Value>,
    #[serde(default)]
    is_public: bool,
    #[serde(default)]
    is_protected: bool,
}

const SCHEMES: [&str; 6] = ["internal-db", "swift", "s3", "manila", "hdfs", "maprfs"];

const SORTABLE: [(&str, &str); 3] = [("name", "name"), ("id", "id"), ("created_at", "created_at")];

async fn load(state: &ApiState, caller: &Caller, id: &str, what: &str) -> Result<JobBinaryRow, ApiError> {
    rights::fetch(state, caller, what, id, |store, id| store.job_binary(id)).await
}

pub(crate) async fn create(
    State(state): State<ApiState>,
    caller: Caller,
    version: Version,
    JsonBody(new): JsonBody<NewJobBinary>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    check_name(&new.name)?;
    let _ = new.extra;
    let scheme = new.url.split_once("://").map(|(scheme, _)| scheme).unwrap_or_default();
    if !SCHEMES.contains(&scheme) {
        return Err(ApiError::validation(format!(
            "job binary URL `{}` must start with one of: {}://",
            new.url,
            SCHEMES.join("://, ")
        )));
    }
    if let Some(internal) = new.url.strip_prefix("internal-db://") {
        let target = load(&state, &caller, internal, "internal job binary").await.map_err(|_| {
            ApiError::invalid_reference(format!("`{}` names no internal job binary this project can read", new.url))
        })?;
        if !is_internal(&target) {
            return Err(ApiError::invalid_reference(format!("`{}` is not an internal job binary", new.url)));
        }
    }
    let now = now_millis();
    let row = JobBinaryRow {
        id: uuid::Uuid::new_v4().to_string(),
        project: caller.project,
        name: new.name,
        description: new.description,
        url: new.url,
        is_public: new.is_public,
        is_protected: new.is_protected,
        created_at: now,
        updated_at: now,
    };
    let insert = row.clone();
    state.db(move |store| store.insert_job_binary(&insert, None)).await?;
    Ok((StatusCode::ACCEPTED, Json(json!({"job_binary": render::job_binary(&row, version)}))))
}

pub(crate) async fn list(
    state: ApiState,
    caller: Caller,
    version: Version,
    query: Vec<(String, String)>,
    internals: bool,
) -> Result<Json<Value>, ApiError> {
    let listing = Listing::parse(query, &SORTABLE)?;
    let rows = state.db(|store| store.job_binaries(None)).await?;
    let mut items = Vec::new();
    for row in rows.iter().filter(|row| caller.can_read(&row.project, row.is_public) && is_internal(row) == internals) {
        items.push(if internals { internal(&state, row, version).await? } else { render::job_binary(row, version) });
    }
    Ok(Json(listing.render("binaries", items)?))
}

async fn internal(state: &ApiState, row: &JobBinaryRow, version: Version) -> Result<Value, ApiError> {
    let id = row.id.clone();
    let size = state.db(move |store| store.job_binary_data(&id)).await?.map_or(0, |data| data.len());
    Ok(render::job_binary_internal(row, size, version))
}

pub(crate) async fn show(
    state: ApiState,
    caller: Caller,
    version: Version,
    id: String,
    internals: bool,
) -> Result<Json<Value>, ApiError> {
    let what = if internals { "internal job binary" } else { "job binary" };
    let row = load(&state, &caller, &id, what).await?;
    if is_internal(&row) != internals {
        return Err(ApiError::not_found(what, &id));
    }
    Ok(Json(if internals {
        json!({"job_binary_internal": internal(&state, &row, version).await?})
    } else {
        json!({"job_binary": render::job_binary(&row, version)})
    }))
}

pub(crate) async fn delete(
    state: ApiState,
    caller: Caller,
    id: String,
    internals: bool,
) -> Result<StatusCode, ApiError> {
    let what = if internals { "internal job binary" } else { "job binary" };
    let row = load(&state, &caller, &id, what).await?;
    if is_internal(&row) != internals {
        return Err(ApiError::not_found(what, &id));
    }
    rights::changeable(&caller, &row, None, "DELETION_FAILED", what, &id)?;
    if internals {
        let url = row.url.clone();
        let referring = state
            .db(|store| store.job_binaries(None))
            .await?
            .into_iter()
            .find(|other| other.url == url && other.id != row.id);
        if let Some(other) = referring {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "DELETION_FAILED",
                format!("{what} `{id}` is used by job binary `{}`", other.id),
            ));
        }
    }
    state.db(move |store| store.delete_job_binary(&id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The bytes of a job binary (through its internal one) or of an internal job binary.
pub(crate) async fn data(state: ApiState, caller: Caller, id: String) -> Result<Response, ApiError> {
    let row = load(&state, &caller, &id, "job binary").await?;
    let source = match row.url.strip_prefix("internal-db://") {
        Some(internal) => internal.to_owned(),
        None => {
            return Err(ApiError::validation(format!("job binary `{id}` is stored at {}, not in this host", row.url)));
        }
    };
    let bytes = state
        .db(move |store| store.job_binary_data(&source))
        .await?
        .ok_or_else(|| ApiError::not_found("job binary data", &id))?;
    Ok(([(header::CONTENT_TYPE, "application/octet-stream")], Bytes::from(bytes)).into_response())
}

/// `PUT /job-binary-internals/{name}` with the raw bytes.
pub(crate) async fn upload(
    state: ApiState,
    caller: Caller,
    version: Version,
    name: String,
    RawBody(bytes): RawBody,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    check_name(&name)?;
    if bytes.is_empty() {
        return Err(ApiError::validation("an internal job binary cannot be empty"));
    }
    if bytes.len() > state.max_binary_bytes {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "REQUEST_ENTITY_TOO_LARGE",
            format!("job binaries are limited to {} bytes", state.max_binary_bytes),
        ));
    }
    let now = now_millis();
    let id = uuid::Uuid::new_v4().to_string();
    let row = JobBinaryRow {
        url: format!("internal-db://{id}"),
        id,
        project: caller.project,
        name,
        description: String::new(),
        is_public: false,
        is_protected: false,
        created_at: now,
        updated_at: now,
    };
    let insert = row.clone();
    let size = bytes.len();
    state.db(move |store| store.insert_job_binary(&insert, Some(&bytes))).await?;
    Ok((StatusCode::ACCEPTED, Json(json!({"job_binary_internal": render::job_binary_internal(&row, size, version)}))))
}

pub(crate) async fn list_handler(
    State(state): State<ApiState>,
    caller: Caller,
    version: Version,
    Query(query): Query<Vec<(String, String)>>,
) -> Result<Json<Value>, ApiError> {
    list(state, caller, version, query, false).await
}

pub(crate) async fn list_internals_handler(
    State(state): State<ApiState>,
    caller: Caller,
    version: Version,
    Query(query): Query<Vec<(String, String)>>,
) -> Result<Json<Value>, ApiError> {
    list(state, caller, version, query, true).await
}
