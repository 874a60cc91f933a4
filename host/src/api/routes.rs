//! The routes: every endpoint is registered once, with its documentation, so the OpenAPI
//! document describes exactly the API that is served.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::Method;
use axum::routing::{MethodRouter, delete, get, patch, post, put};
use serde_json::Value;

use crate::api::auth::Caller;
use crate::api::body::RawBody;
use crate::api::error::ApiError;
use crate::api::render::{Id, Version};
use crate::api::{ApiState, binaries, clusters, data_sources, executions, host_info, job_types, openapi, templates};

/// What the OpenAPI document says of one endpoint.
#[derive(Debug, Clone)]
pub(crate) struct Endpoint {
    pub(crate) method: Method,
    pub(crate) path: &'static str,
    pub(crate) summary: &'static str,
    /// The request body's schema name in `openapi::schemas`, if it takes JSON.
    pub(crate) body: Option<&'static str>,
    /// The success status.
    pub(crate) ok: u16,
    /// Whether it needs `X-Auth-Token`.
    pub(crate) auth: bool,
}

struct Builder {
    router: Router<ApiState>,
    endpoints: Vec<Endpoint>,
}

impl Builder {
    fn add(
        mut self,
        method: Method,
        path: &'static str,
        handler: MethodRouter<ApiState>,
        summary: &'static str,
        body: Option<&'static str>,
        ok: u16,
    ) -> Self {
        self.router = self.router.route(path, handler);
        let auth = !matches!(path, "/healthz" | "/metrics" | "/openapi.json");
        self.endpoints.push(Endpoint { method, path, summary, body, ok, auth });
        self
    }
}

/// Every endpoint of the API, as (router, documentation).
fn build() -> Builder {
    let b = Builder { router: Router::new(), endpoints: Vec::new() };
    let b = b
        .add(Method::GET, "/healthz", get(host_info::healthz), "Health of the host", None, 200)
        .add(Method::GET, "/metrics", get(host_info::prometheus), "Prometheus metrics", None, 200)
        .add(Method::GET, "/openapi.json", get(openapi::document), "This document", None, 200)
        .add(
            Method::GET,
            "/v2/engines",
            get(host_info::engines),
            "Engines, loaded or with the reason they are not",
            None,
            200,
        )
        .add(Method::GET, "/v2/routes", get(host_info::routes), "Routes from cluster types to engines", None, 200);
    let b = b
        .add(
            Method::POST,
            "/v2/clusters",
            post(clusters::create),
            "Register an existing cluster",
            Some("NewCluster"),
            202,
        )
        .add(Method::GET, "/v2/clusters", get(clusters::list), "List clusters", None, 200)
        .add(Method::GET, "/v2/clusters/{id}", get(clusters::show), "Show a cluster", None, 200)
        .add(
            Method::PATCH,
            "/v2/clusters/{id}",
            patch(clusters::update),
            "Update a cluster (status, endpoints, flags)",
            Some("ClusterUpdate"),
            202,
        )
        .add(
            Method::DELETE,
            "/v2/clusters/{id}",
            delete(clusters::delete),
            "Remove a cluster from the registry",
            None,
            204,
        );
    let mut b = b;
    for prefix in [Prefix::V2, Prefix::V11] {
        b = resources(b, prefix);
    }
    b
}

#[derive(Clone, Copy)]
enum Prefix {
    V2,
    V11,
}

/// The resources both versions serve, at their paths.
fn resources(b: Builder, prefix: Prefix) -> Builder {
    let v2 = matches!(prefix, Prefix::V2);
    let path = |v2_path: &'static str, v11_path: &'static str| if v2 { v2_path } else { v11_path };
    let b = b
        .add(
            Method::POST,
            path("/v2/job-binaries", "/v1.1/{project_id}/job-binaries"),
            post(binaries::create),
            "Create a job binary",
            Some("NewJobBinary"),
            202,
        )
        .add(
            Method::GET,
            path("/v2/job-binaries", "/v1.1/{project_id}/job-binaries"),
            get(binaries::list_handler),
            "List job binaries",
            None,
            200,
        )
        .add(
            Method::GET,
            path("/v2/job-binaries/{id}", "/v1.1/{project_id}/job-binaries/{id}"),
            get(show_binary),
            "Show a job binary",
            None,
            200,
        )
        .add(
            Method::DELETE,
            path("/v2/job-binaries/{id}", "/v1.1/{project_id}/job-binaries/{id}"),
            delete(delete_binary),
            "Delete a job binary",
            None,
            204,
        )
        .add(
            Method::GET,
            path("/v2/job-binaries/{id}/data", "/v1.1/{project_id}/job-binaries/{id}/data"),
            get(binary_data),
            "Download a job binary",
            None,
            200,
        )
        .add(
            Method::PUT,
            path("/v2/job-binary-internals/{id}", "/v1.1/{project_id}/job-binary-internals/{id}"),
            put(upload_internal),
            "Upload an internal job binary (raw bytes; the last path segment is its name)",
            None,
            202,
        )
        .add(
            Method::GET,
            path("/v2/job-binary-internals", "/v1.1/{project_id}/job-binary-internals"),
            get(binaries::list_internals_handler),
            "List internal job binaries",
            None,
            200,
        )
        .add(
            Method::GET,
            path("/v2/job-binary-internals/{id}", "/v1.1/{project_id}/job-binary-internals/{id}"),
            get(show_internal),
            "Show an internal job binary",
            None,
            200,
        )
        .add(
            Method::DELETE,
            path("/v2/job-binary-internals/{id}", "/v1.1/{project_id}/job-binary-internals/{id}"),
            delete(delete_internal),
            "Delete an internal job binary",
            None,
            204,
        )
        .add(
            Method::GET,
            path("/v2/job-binary-internals/{id}/data", "/v1.1/{project_id}/job-binary-internals/{id}/data"),
            get(binary_data),
            "Download an internal job binary",
            None,
            200,
        );
    let b = b
        .add(
            Method::POST,
            path("/v2/data-sources", "/v1.1/{project_id}/data-sources"),
            post(data_sources::create),
            "Create a data source",
            Some("NewDataSource"),
            202,
        )
        .add(
            Method::GET,
            path("/v2/data-sources", "/v1.1/{project_id}/data-sources"),
            get(data_sources::list),
            "List data sources",
            None,
            200,
        )
        .add(
            Method::GET,
            path("/v2/data-sources/{id}", "/v1.1/{project_id}/data-sources/{id}"),
            get(data_sources::show),
            "Show a data source",
            None,
            200,
        )
        .add(
            Method::DELETE,
            path("/v2/data-sources/{id}", "/v1.1/{project_id}/data-sources/{id}"),
            delete(data_sources::delete),
            "Delete a data source",
            None,
            204,
        );
    let b = b
        .add(
            Method::POST,
            path("/v2/job-templates", "/v1.1/{project_id}/jobs"),
            post(templates::create),
            "Create a job template",
            Some("NewJobTemplate"),
            202,
        )
        .add(
            Method::GET,
            path("/v2/job-templates", "/v1.1/{project_id}/jobs"),
            get(templates::list),
            "List job templates",
            None,
            200,
        )
        .add(
            Method::GET,
            path("/v2/job-templates/{id}", "/v1.1/{project_id}/jobs/{id}"),
            get(templates::show),
            "Show a job template",
            None,
            200,
        )
        .add(
            Method::DELETE,
            path("/v2/job-templates/{id}", "/v1.1/{project_id}/jobs/{id}"),
            delete(templates::delete),
            "Delete a job template",
            None,
            204,
        )
        .add(
            Method::GET,
            path("/v2/job-templates/config-hints/{job_type}", "/v1.1/{project_id}/jobs/config-hints/{job_type}"),
            get(templates::config_hints),
            "Config hints for a job type",
            None,
            200,
        )
        .add(
            Method::GET,
            path("/v2/job-types", "/v1.1/{project_id}/job-types"),
            get(job_types::list),
            "Job types by cluster type",
            None,
            200,
        );
    if v2 {
        b.add(Method::POST, "/v2/jobs", post(executions::create), "Run a job", Some("Execute"), 202)
            .add(Method::GET, "/v2/jobs", get(executions::list), "List jobs", None, 200)
            .add(
                Method::GET,
                "/v2/jobs/{id}",
                get(executions::show),
                "Show a job (refresh_status=true asks its engine first)",
                None,
                200,
            )
            .add(
                Method::PATCH,
                "/v2/jobs/{id}",
                patch(executions::update),
                "Cancel, suspend or resume a job, or change its flags",
                Some("ExecutionUpdate"),
                202,
            )
            .add(Method::DELETE, "/v2/jobs/{id}", delete(executions::delete), "Cancel and delete a job", None, 204)
    } else {
        b.add(
            Method::POST,
            "/v1.1/{project_id}/jobs/{id}/execute",
            post(executions::execute_template),
            "Run a job template",
            Some("Execute"),
            202,
        )
        .add(Method::GET, "/v1.1/{project_id}/job-executions", get(executions::list), "List job executions", None, 200)
        .add(
            Method::GET,
            "/v1.1/{project_id}/job-executions/{id}",
            get(executions::show),
            "Show a job execution",
            None,
            200,
        )
        .add(
            Method::GET,
            "/v1.1/{project_id}/job-executions/{id}/refresh-status",
            get(executions::refresh),
            "Ask the engine for the status now",
            None,
            200,
        )
        .add(
            Method::GET,
            "/v1.1/{project_id}/job-executions/{id}/cancel",
            get(executions::cancel),
            "Cancel a job execution",
            None,
            200,
        )
        .add(
            Method::PATCH,
            "/v1.1/{project_id}/job-executions/{id}",
            patch(executions::update),
            "Cancel, suspend or resume, or change flags",
            Some("ExecutionUpdate"),
            202,
        )
        .add(
            Method::DELETE,
            "/v1.1/{project_id}/job-executions/{id}",
            delete(executions::delete),
            "Cancel and delete a job execution",
            None,
            204,
        )
    }
}

async fn show_binary(
    State(state): State<ApiState>,
    caller: Caller,
    version: Version,
    Id(id): Id,
) -> Result<axum::Json<Value>, ApiError> {
    binaries::show(state, caller, version, id, false).await
}

async fn show_internal(
    State(state): State<ApiState>,
    caller: Caller,
    version: Version,
    Id(id): Id,
) -> Result<axum::Json<Value>, ApiError> {
    binaries::show(state, caller, version, id, true).await
}

async fn delete_binary(
    State(state): State<ApiState>,
    caller: Caller,
    Id(id): Id,
) -> Result<axum::http::StatusCode, ApiError> {
    binaries::delete(state, caller, id, false).await
}

async fn delete_internal(
    State(state): State<ApiState>,
    caller: Caller,
    Id(id): Id,
) -> Result<axum::http::StatusCode, ApiError> {
    binaries::delete(state, caller, id, true).await
}

async fn binary_data(
    State(state): State<ApiState>,
    caller: Caller,
    Id(id): Id,
) -> Result<axum::response::Response, ApiError> {
    binaries::data(state, caller, id).await
}

async fn upload_internal(
    State(state): State<ApiState>,
    caller: Caller,
    version: Version,
    Path(params): Path<std::collections::HashMap<String, String>>,
    Query(_query): Query<Vec<(String, String)>>,
    body: RawBody,
) -> Result<(axum::http::StatusCode, axum::Json<Value>), ApiError> {
    let name = params.get("id").cloned().unwrap_or_default();
    binaries::upload(state, caller, version, name, body).await
}

/// The documentation of every endpoint.
pub(crate) fn endpoints() -> Vec<Endpoint> {
    build().endpoints
}

/// The API's router, with Sahara's error body for unknown paths and methods.
pub fn router(state: ApiState) -> Router {
    build()
        .router
        .fallback(|| async { ApiError::new(axum::http::StatusCode::NOT_FOUND, "NOT_FOUND", "no such endpoint") })
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                axum::http::StatusCode::METHOD_NOT_ALLOWED,
                "METHOD_NOT_ALLOWED",
                "the endpoint does not take this method",
            )
        })
        .with_state(state)
}
