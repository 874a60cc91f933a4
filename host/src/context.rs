//! The records an engine may read, behind the host services given to every engine.
//!
//! The job manager's store implements [`EngineContext`]; commands that only inspect engines
//! (listing, checking, explaining routes) use [`Detached`], which has no records.

use edp_plugin_api::{ClusterRecord, DataSource, EngineError, JobBinary, JobStatus, JobTemplate};

/// Read access to the host's records, and the "status changed" notification.
pub trait EngineContext: Send + Sync + 'static {
    /// A registered cluster.
    fn cluster(&self, id: &str) -> Result<ClusterRecord, EngineError>;
    /// A job template.
    fn job_template(&self, id: &str) -> Result<JobTemplate, EngineError>;
    /// A job binary's description.
    fn job_binary(&self, id: &str) -> Result<JobBinary, EngineError>;
    /// A job binary's bytes.
    fn job_binary_data(&self, id: &str) -> Result<Vec<u8>, EngineError>;
    /// A data source.
    fn data_source(&self, id: &str) -> Result<DataSource, EngineError>;
    /// The current status of a job execution.
    fn job_execution_status(&self, id: &str) -> Result<JobStatus, EngineError>;
    /// Engine `engine` says the status of `job_execution_id` just changed.
    fn status_changed(&self, engine: &str, job_execution_id: &str);
}

/// A context without records, for commands that do not run jobs.
#[derive(Debug, Clone, Copy, Default)]
pub struct Detached;

fn no_records(what: &str, id: &str) -> EngineError {
    EngineError::not_found(format!("{what} `{id}`: this host command keeps no records"))
}

impl EngineContext for Detached {
    fn cluster(&self, id: &str) -> Result<ClusterRecord, EngineError> {
        Err(no_records("cluster", id))
    }
    fn job_template(&self, id: &str) -> Result<JobTemplate, EngineError> {
        Err(no_records("job template", id))
    }
    fn job_binary(&self, id: &str) -> Result<JobBinary, EngineError> {
        Err(no_records("job binary", id))
    }
    fn job_binary_data(&self, id: &str) -> Result<Vec<u8>, EngineError> {
        Err(no_records("job binary", id))
    }
    fn data_source(&self, id: &str) -> Result<DataSource, EngineError> {
        Err(no_records("data source", id))
    }
    fn job_execution_status(&self, id: &str) -> Result<JobStatus, EngineError> {
        Err(no_records("job execution", id))
    }
    fn status_changed(&self, _engine: &str, _job_execution_id: &str) {}
}
