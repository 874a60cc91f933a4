//! The host's own endpoints: engines, routes, health and metrics.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde_json::{Value, json};

use crate::api::ApiState;
use crate::api::auth::Caller;
use crate::api::error::ApiError;
use crate::config::ClusterTypeMatch;
use crate::metrics::{escape, metrics};
use crate::plugins::{EngineOrigin, EngineState};

/// `GET /v2/engines`: every engine, loaded or with its reason, and each loaded one's health.
pub(crate) async fn engines(State(state): State<ApiState>, _caller: Caller) -> Json<Value> {
    let mut engines = Vec::new();
    for slot in state.manager.engines().slots() {
        let mut engine = json!({
            "name": slot.name,
            "origin": match slot.origin { EngineOrigin::Configured => "configured", EngineOrigin::Discovered => "discovered" },
            "library": slot.library.as_ref().map(|path| path.display().to_string()),
        });
        if let Some(description) = &slot.description {
            engine["version"] = json!(description.version);
            engine["api_version"] = json!(description.api_version);
            engine["description"] = json!(description.description);
            engine["job_types"] = json!(description.job_types.iter().map(|t| t.as_str()).collect::<Vec<_>>());
            engine["capabilities"] = json!(description.capabilities.names());
        }
        match &slot.state {
            EngineState::Loaded(handle) => {
                engine["state"] = json!("loaded");
                engine["health"] = match handle.health().await {
                    Ok(report) => json!({"state": report.state.name(), "message": report.message.as_str()}),
                    Err(error) => json!({"state": "unhealthy", "message": error.to_string()}),
                };
            }
            EngineState::Failed(error) => {
                engine["state"] = json!("failed");
                engine["error"] = json!(error.to_string());
            }
        }
        engines.push(engine);
    }
    Json(json!({"engines": engines}))
}

/// `GET /v2/routes`.
pub(crate) async fn routes(State(state): State<ApiState>, _caller: Caller) -> Json<Value> {
    let engines = state.manager.engines();
    let routes: Vec<Value> = state
        .manager
        .routes()
        .routes()
        .iter()
        .map(|route| {
            json!({
                "number": route.number,
                "cluster_type": match &route.cluster_type { ClusterTypeMatch::Any => "*".to_owned(), ClusterTypeMatch::Exactly(name) => name.clone() },
                "versions": route.versions.as_ref().map(ToString::to_string),
                "job_types": route.job_types.as_ref().map(|types| types.iter().map(|t| t.as_str()).collect::<Vec<_>>()),
                "engine": route.engine,
                "engine_loaded": engines.engine(&route.engine).is_some(),
            })
        })
        .collect();
    Json(json!({"routes": routes}))
}

/// `GET /healthz`: 200 while the host can read its store.
pub(crate) async fn healthz(State(state): State<ApiState>) -> Result<Json<Value>, ApiError> {
    state.db(|store| store.job_execution_status("healthz")).await?;
    let loaded = state.manager.engines().slots().filter(|slot| slot.handle().is_some()).count();
    Ok(Json(json!({"status": "ok", "engines_loaded": loaded})))
}

/// `GET /metrics`: Prometheus text.
pub(crate) async fn prometheus(State(state): State<ApiState>) -> Result<impl IntoResponse, ApiError> {
    let rows = state.db(|store| store.job_executions(&crate::store::ExecutionFilter::default())).await?;
    let mut counts: BTreeMap<(String, String), u64> = BTreeMap::new();
    for row in &rows {
        *counts.entry((row.engine.clone(), row.status.to_string())).or_default() += 1;
    }
    let mut text = String::from(
        "# HELP edp_job_executions Job executions by engine and status.\n# TYPE edp_job_executions gauge\n",
    );
    for ((engine, status), count) in counts {
        text.push_str(&format!("edp_job_executions{{engine=\"{}\",status=\"{status}\"}} {count}\n", escape(&engine)));
    }
    text.push_str(&metrics().render());
    Ok((StatusCode::OK, [(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text))
}
