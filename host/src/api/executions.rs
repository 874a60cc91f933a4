//! Job executions: `/v2/jobs` and v1.1's `/jobs/{id}/execute` and `/job-executions`.
//!
//! Both versions go through the same manager calls with the same checks: the cluster must be
//! Active for a cancel or a suspend too, and suspend needs the engine's capability (Sahara's v2
//! skipped both checks, and its v1.1 ignored PATCH cancel).

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::api::auth::Caller;
use crate::api::body::JsonBody;
use crate::api::error::ApiError;
use crate::api::listing::Listing;
use crate::api::render::{self, Id, Version};
use crate::api::{ApiState, rights};
use crate::manager::NewExecution;
use crate::store::JobExecutionRow;

/// Sahara's `job_configs`: only these four sections.
#[derive(Debug, Default, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct JobConfigsBody {
    #[serde(default)]
    configs: Map<String, Value>,
    #[serde(default)]
    params: Map<String, Value>,
    #[serde(default)]
    args: Vec<Value>,
    #[serde(default)]
    job_execution_info: Map<String, Value>,
}

/// `POST /v2/jobs` (and, without `job_template_id`, v1.1's execute).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Execute {
    job_template_id: Option<String>,
    cluster_id: String,
    input_id: Option<String>,
    output_id: Option<String>,
    #[serde(default)]
    job_configs: JobConfigsBody,
    #[serde(default)]
    interface: Map<String, Value>,
    #[serde(default)]
    is_public: bool,
    #[serde(default)]
    is_protected: bool,
}

/// `PATCH` of a job execution.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ExecutionUpdate {
    info: Option<StatusAction>,
    is_public: Option<bool>,
    is_protected: Option<bool>,
}

/// `{"status": "cancel" | "suspend" | "resume"}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct StatusAction {
    status: String,
}

fn one_key(version: Version) -> &'static str {
    match version {
        Version::V2 => "job",
        Version::V11 => "job_execution",
    }
}

fn reply(row: &JobExecutionRow, version: Version) -> Json<Value> {
    Json(json!({one_key(version): render::job_execution(row, version)}))
}

/// Checks that the caller can read every object the execution refers to (one store trip).
async fn check_references(
    state: &ApiState,
    caller: &Caller,
    execute: &Execute,
    template_id: &str,
) -> Result<(), ApiError> {
    let (template, cluster) = (template_id.to_owned(), execute.cluster_id.clone());
    let sources: Vec<String> = [&execute.input_id, &execute.output_id].into_iter().flatten().cloned().collect();
    let caller_for_store = caller.clone();
    let unreadable = state
        .db(move |store| {
            let readable = |row: Option<&dyn rights::Owned>| {
                row.is_some_and(|row| caller_for_store.can_read(row.project(), row.is_public()))
            };
            if !readable(store.job_template(&template)?.as_ref().map(|row| row as &dyn rights::Owned)) {
                return Ok(Some(("job template", template)));
            }
            if !readable(store.cluster(&cluster)?.as_ref().map(|row| row as &dyn rights::Owned)) {
                return Ok(Some(("cluster", cluster)));
            }
            for id in sources {
                if !readable(store.data_source(&id)?.as_ref().map(|row| row as &dyn rights::Owned)) {
                    return Ok(Some(("data source", id)));
                }
            }
            Ok(None)
        })
        .await?;
    match unreadable {
        Some((what, id)) => Err(ApiError::invalid_reference(format!("{what} `{id}` does not exist"))),
        None => Ok(()),
    }
}

async fn execute(
    state: ApiState,
    caller: Caller,
    version: Version,
    template_id: String,
    execute: Execute,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    check_references(&state, &caller, &execute, &template_id).await?;
    let mut job_configs =
        serde_json::to_value(&execute.job_configs).map_err(|err| ApiError::validation(err.to_string()))?;
    // Named interface arguments become params, as Sahara merged them.
    if let Some(params) = job_configs.get_mut("params").and_then(Value::as_object_mut) {
        for (name, value) in execute.interface {
            params.entry(name).or_insert(value);
        }
    }
    let row = state
        .manager
        .submit(NewExecution {
            project: caller.project,
            job_template_id: template_id,
            cluster_id: execute.cluster_id,
            input_id: execute.input_id,
            output_id: execute.output_id,
            job_configs,
            is_public: execute.is_public,
            is_protected: execute.is_protected,
        })
        .await?;
    Ok((StatusCode::ACCEPTED, reply(&row, version)))
}

/// `POST /v2/jobs`.
pub(crate) async fn create(
    State(state): State<ApiState>,
    caller: Caller,
    version: Version,
    JsonBody(body): JsonBody<Execute>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let template_id =
        body.job_template_id.clone().ok_or_else(|| ApiError::validation("job_template_id is required"))?;
    execute(state, caller, version, template_id, body).await
}

/// `POST /v1.1/{project_id}/jobs/{id}/execute`.
pub(crate) async fn execute_template(
    State(state): State<ApiState>,
    caller: Caller,
    version: Version,
    Id(template_id): Id,
    JsonBody(body): JsonBody<Execute>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    if body.job_template_id.is_some() {
        return Err(ApiError::validation("job_template_id is given by the path here"));
    }
    execute(state, caller, version, template_id, body).await
}

pub(crate) async fn list(
    State(state): State<ApiState>,
    caller: Caller,
    version: Version,
    Query(query): Query<Vec<(String, String)>>,
) -> Result<Json<Value>, ApiError> {
    let template_field = if version == Version::V2 { "job_template_id" } else { "job_id" };
    let sortable = [
        ("id", "id"),
        ("job_template", template_field),
        ("job", template_field),
        ("cluster", "cluster_id"),
        ("status", "status"),
        ("created_at", "created_at"),
    ];
    let listing = Listing::parse(query, &sortable)?;
    let collection = if version == Version::V2 { "jobs" } else { "job_executions" };
    let project = caller.listing_project().map(str::to_owned);
    if let Some(page) = listing.store_page() {
        if let Some(marker) = &page.marker {
            load(&state, &caller, marker).await.map_err(|_| ApiError::not_found("marker", marker))?;
        }
        let filter = crate::store::ExecutionFilter {
            project,
            or_public: true,
            statuses: page.statuses,
            cluster_id: page.cluster_id,
            limit: page.limit.map(|limit| limit + 1),
            after_id: page.marker,
            ..Default::default()
        };
        let rows = state.db(move |store| store.job_executions(&filter)).await?;
        let items = rows.iter().map(|row| render::job_execution(row, version)).collect();
        return Ok(Json(crate::api::listing::render_store_page(collection, items, page.limit)));
    }
    let filter = crate::store::ExecutionFilter { project, or_public: true, ..Default::default() };
    let rows = state.db(move |store| store.job_executions(&filter)).await?;
    let items = rows.iter().map(|row| render::job_execution(row, version)).collect();
    Ok(Json(listing.render(collection, items)?))
}

async fn load(state: &ApiState, caller: &Caller, id: &str) -> Result<JobExecutionRow, ApiError> {
    let row = match state.manager.job_execution(id).await {
        Ok(row) => Some(row),
        Err(crate::manager::ManagerError::NotFound { .. }) => None,
        Err(error) => return Err(error.into()),
    };
    rights::readable(caller, row, "job execution", id)
}

/// `GET /v2/jobs/{id}[?refresh_status=true]`.
pub(crate) async fn show(
    State(state): State<ApiState>,
    caller: Caller,
    version: Version,
    Id(id): Id,
    Query(query): Query<Vec<(String, String)>>,
) -> Result<Json<Value>, ApiError> {
    let mut row = load(&state, &caller, &id).await?;
    for (key, value) in query {
        match key.as_str() {
            "refresh_status" if value.eq_ignore_ascii_case("true") => row = state.manager.refresh(&id).await?,
            "refresh_status" if value.eq_ignore_ascii_case("false") => {}
            other => return Err(ApiError::validation(format!("unknown query parameter `{other}={value}`"))),
        }
    }
    Ok(reply(&row, version))
}

/// `GET /v1.1/{project_id}/job-executions/{id}/refresh-status`.
pub(crate) async fn refresh(
    State(state): State<ApiState>,
    caller: Caller,
    version: Version,
    Id(id): Id,
) -> Result<Json<Value>, ApiError> {
    load(&state, &caller, &id).await?;
    let row = state.manager.refresh(&id).await?;
    Ok(reply(&row, version))
}

/// The checks every cancel or suspend goes through, in both versions.
async fn check_action(
    state: &ApiState,
    caller: &Caller,
    row: &JobExecutionRow,
    failed_name: &'static str,
) -> Result<(), ApiError> {
    rights::changeable(caller, row, None, failed_name, "job execution", &row.id)?;
    let cluster_id = row.cluster_id.clone();
    match state.db(move |store| store.cluster(&cluster_id)).await? {
        Some(cluster) if cluster.status == "Active" => Ok(()),
        Some(cluster) => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "INVALID_DATA",
            format!("cluster `{}` is {}, not Active", cluster.id, cluster.status),
        )),
        None => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "INVALID_DATA",
            format!("cluster `{}` no longer exists", row.cluster_id),
        )),
    }
}

async fn cancel_row(state: &ApiState, caller: &Caller, row: &JobExecutionRow) -> Result<JobExecutionRow, ApiError> {
    if row.status.is_terminal() {
        return Ok(row.clone());
    }
    check_action(state, caller, row, "CANCELING_FAILED").await?;
    Ok(state.manager.request_cancel(&row.id).await?)
}

/// `GET /v1.1/{project_id}/job-executions/{id}/cancel`: 200 with the record as it was before.
pub(crate) async fn cancel(
    State(state): State<ApiState>,
    caller: Caller,
    version: Version,
    Id(id): Id,
) -> Result<Json<Value>, ApiError> {
    let row = load(&state, &caller, &id).await?;
    cancel_row(&state, &caller, &row).await?;
    Ok(reply(&row, version))
}

/// `PATCH`: `{"info": {"status": "cancel" | "suspend" | "resume"}}` alone, or the flags.
pub(crate) async fn update(
    State(state): State<ApiState>,
    caller: Caller,
    version: Version,
    Id(id): Id,
    JsonBody(update): JsonBody<ExecutionUpdate>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let row = load(&state, &caller, &id).await?;
    let row = match update.info {
        Some(action) => {
            if update.is_public.is_some() || update.is_protected.is_some() {
                return Err(ApiError::validation("`info` must be the only key when it is given"));
            }
            match action.status.as_str() {
                "cancel" => cancel_row(&state, &caller, &row).await?,
                "suspend" => {
                    check_action(&state, &caller, &row, "UPDATE_FAILED").await?;
                    state.manager.suspend(&id).await?
                }
                "resume" => {
                    check_action(&state, &caller, &row, "UPDATE_FAILED").await?;
                    state.manager.resume(&id).await?
                }
                other => {
                    return Err(ApiError::validation(format!(
                        "info.status must be `cancel`, `suspend` or `resume`, not `{other}`"
                    )));
                }
            }
        }
        None => {
            if update.is_public.is_none() && update.is_protected.is_none() {
                return Err(ApiError::validation("nothing to update: give `info`, `is_public` or `is_protected`"));
            }
            rights::changeable(&caller, &row, update.is_protected, "UPDATE_FAILED", "job execution", &id)?;
            let (public, protected) = (update.is_public, update.is_protected);
            let owned = id.clone();
            state
                .db(move |store| store.set_execution_flags(&owned, public, protected, crate::manager::now_millis()))
                .await?;
            state.manager.job_execution(&id).await?
        }
    };
    Ok((StatusCode::ACCEPTED, reply(&row, version)))
}

/// `DELETE`: cancel, then remove (in the background, as Sahara; removal happens even when the
/// cancel times out).
pub(crate) async fn delete(State(state): State<ApiState>, caller: Caller, Id(id): Id) -> Result<StatusCode, ApiError> {
    let row = load(&state, &caller, &id).await?;
    rights::changeable(&caller, &row, None, "DELETION_FAILED", "job execution", &id)?;
    if row.status.is_terminal() {
        state.manager.delete(&id).await?;
    } else {
        let manager = state.manager.clone();
        tokio::spawn(async move {
            if let Err(error) = manager.delete(&id).await {
                tracing::warn!(job = %id, %error, "delete did not complete");
            }
        });
    }
    Ok(StatusCode::NO_CONTENT)
}
