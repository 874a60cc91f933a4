//! The REST API: Sahara's EDP API (v2 and the v1.1 paths its clients use), with project
//! isolation, plus the host's own endpoints (engines, routes, health, metrics, OpenAPI).
//!
//! Only this module knows HTTP. Handlers check the caller's rights, call the job manager or the
//! store, and render records as Sahara's JSON; every error is an [`ApiError`] and becomes
//! Sahara's error body.

mod auth;
mod binaries;
mod body;
mod clusters;
mod data_sources;
mod error;
mod executions;
mod host_info;
mod job_types;
mod listing;
mod openapi;
mod render;
mod rights;
mod routes;
mod templates;

pub use auth::{Caller, Tokens};
pub use error::ApiError;
pub use routes::router;

use std::sync::Arc;

use crate::manager::JobManager;
use crate::store::Store;

/// What every handler can reach.
#[derive(Clone)]
pub struct ApiState {
    /// The job manager.
    pub manager: JobManager,
    /// Who may call.
    pub tokens: Tokens,
    /// The largest internal job binary, in bytes.
    pub max_binary_bytes: usize,
}

impl ApiState {
    fn store(&self) -> &Arc<dyn Store> {
        self.manager.store()
    }

    /// Runs a store operation on a blocking thread.
    async fn db<T: Send + 'static>(
        &self,
        operation: impl FnOnce(&dyn Store) -> Result<T, crate::store::StoreError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let store = Arc::clone(self.store());
        tokio::task::spawn_blocking(move || operation(store.as_ref()))
            .await
            .map_err(|err| {
                ApiError::new(axum::http::StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL_ERROR", err.to_string())
            })?
            .map_err(ApiError::from)
    }
}
