//! The job manager's errors.

use std::time::Duration;

use edp_plugin_api::{JobStatus, JobType};

use crate::engine::EngineCallError;
use crate::routing::NoEngine;
use crate::store::StoreError;

/// Why the manager refused or could not finish an operation.
#[derive(Debug, thiserror::Error)]
pub enum ManagerError {
    /// A record does not exist.
    #[error("{what} `{id}` not found")]
    NotFound {
        /// What kind of record.
        what: &'static str,
        /// Its id.
        id: String,
    },
    /// Jobs run only on Active clusters.
    #[error("cluster `{id}` is {status}, not Active: jobs run only on Active clusters")]
    ClusterNotActive {
        /// The cluster.
        id: String,
        /// Its status.
        status: String,
    },
    /// No route gives the job an engine.
    #[error(transparent)]
    NoEngine(NoEngine),
    /// The engine a route or record names is not loaded.
    #[error("engine `{engine}` is not available: {reason}")]
    EngineUnavailable {
        /// The engine.
        engine: String,
        /// Why.
        reason: String,
    },
    /// The routed engine does not run this job type.
    #[error("engine `{engine}` does not run {job_type} jobs")]
    UnsupportedJobType {
        /// The engine.
        engine: String,
        /// The job type.
        job_type: JobType,
    },
    /// The request is not acceptable (bad job configs, an engine's validation, ...).
    #[error("invalid job execution: {0}")]
    Invalid(String),
    /// The operation does not apply in the execution's status.
    #[error("job execution `{id}` is {status}: cannot {action}")]
    WrongStatus {
        /// The execution.
        id: String,
        /// Its status.
        status: JobStatus,
        /// What was asked.
        action: &'static str,
    },
    /// The engine did not confirm a cancel in time; the execution stays TOBEKILLED.
    #[error("job execution `{id}` was not cancelled within {:.0}s; it stays TOBEKILLED", after.as_secs_f64())]
    CancelTimedOut {
        /// The execution.
        id: String,
        /// The cancel timeout.
        after: Duration,
    },
    /// An engine call failed.
    #[error(transparent)]
    Engine(#[from] EngineCallError),
    /// The store failed.
    #[error(transparent)]
    Store(StoreError),
    /// A bug or a runtime failure in the host.
    #[error("internal error: {0}")]
    Internal(String),
}

impl ManagerError {
    pub(crate) fn not_found(what: &'static str, id: &str) -> Self {
        Self::NotFound { what, id: id.to_owned() }
    }
}
