//! Persistence: the records of clusters, job binaries, data sources, job templates and job
//! executions.
//!
//! The job manager and the API see only the [`Store`] trait; [`SqliteStore`] is the embedded
//! default. A PostgreSQL store for several host replicas is another implementation of the trait.
//!
//! Invariants every implementation keeps:
//! - a job execution in a terminal status never changes status again;
//! - writes that belong together (a launch's engine job id, start time, status and `extra`;
//!   a terminal status and its end time) happen in one transaction;
//! - `status` is its own indexed column; the engine's `info` is a JSON object beside it.

mod records;
mod sqlite;

pub use records::{
    ClusterRecordRow, DataSourceRow, ExecutionFilter, JobBinaryRow, JobExecutionRow, JobTemplateRow, Launched, Millis,
    Transition,
};
pub use sqlite::SqliteStore;

use edp_plugin_api::JobStatus;
use serde_json::{Map, Value};

/// Why a store operation failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    /// The database could not be opened, migrated, read or written.
    #[error("store {operation}: {reason}")]
    Database {
        /// What the store was doing.
        operation: &'static str,
        /// Why it failed.
        reason: String,
    },
    /// The disk holding the store is full; nothing was written.
    #[error("store {operation}: the disk holding the store is full; nothing was written")]
    Full {
        /// What the store was doing.
        operation: &'static str,
    },
    /// The store cannot be written (a read-only file or file system); nothing was written.
    #[error("store {operation}: the store cannot be written ({reason}); nothing was written")]
    ReadOnly {
        /// What the store was doing.
        operation: &'static str,
        /// SQLite's reason.
        reason: String,
    },
    /// The disk holding the store failed (an I/O error, such as a file system that turned
    /// read-only after a disk error); the operation was rolled back.
    #[error("store {operation}: the disk holding the store failed ({reason}); nothing was written")]
    Unavailable {
        /// What the store was doing.
        operation: &'static str,
        /// SQLite's reason.
        reason: String,
    },
    /// A record with the same unique key exists.
    #[error("{what} already exists")]
    Conflict {
        /// What clashed, e.g. "a cluster named `c1` in this project".
        what: String,
    },
    /// The record still has dependents (e.g. a cluster with job executions).
    #[error("{what} is in use: {by}")]
    InUse {
        /// The record.
        what: String,
        /// What uses it.
        by: String,
    },
}

/// The outcome of a status write.
#[derive(Debug, Clone, PartialEq)]
pub enum UpdateOutcome {
    /// Written.
    Applied,
    /// Not written: the execution is already terminal, in this status.
    AlreadyTerminal(JobStatus),
    /// Not written: no such execution.
    Missing,
}

/// The records of the host. Methods are synchronous and short; async callers run them on a
/// blocking thread.
pub trait Store: Send + Sync + 'static {
    /// Registers a cluster.
    fn insert_cluster(&self, cluster: &ClusterRecordRow) -> Result<(), StoreError>;
    /// A cluster by id.
    fn cluster(&self, id: &str) -> Result<Option<ClusterRecordRow>, StoreError>;
    /// Clusters, optionally of one project, ordered by creation.
    fn clusters(&self, project: Option<&str>) -> Result<Vec<ClusterRecordRow>, StoreError>;
    /// Replaces a cluster's mutable fields (name, description, status, info, flags); false if missing.
    fn update_cluster(&self, cluster: &ClusterRecordRow) -> Result<bool, StoreError>;
    /// Removes a cluster; false if missing.
    fn delete_cluster(&self, id: &str) -> Result<bool, StoreError>;

    /// Stores a job binary, with its bytes for internal binaries.
    fn insert_job_binary(&self, binary: &JobBinaryRow, data: Option<&[u8]>) -> Result<(), StoreError>;
    /// A job binary by id.
    fn job_binary(&self, id: &str) -> Result<Option<JobBinaryRow>, StoreError>;
    /// A job binary's stored bytes, if it has any.
    fn job_binary_data(&self, id: &str) -> Result<Option<Vec<u8>>, StoreError>;
    /// Job binaries, optionally of one project.
    fn job_binaries(&self, project: Option<&str>) -> Result<Vec<JobBinaryRow>, StoreError>;
    /// Removes a job binary; false if missing; `InUse` if a template uses it.
    fn delete_job_binary(&self, id: &str) -> Result<bool, StoreError>;

    /// Stores a data source.
    fn insert_data_source(&self, source: &DataSourceRow) -> Result<(), StoreError>;
    /// A data source by id.
    fn data_source(&self, id: &str) -> Result<Option<DataSourceRow>, StoreError>;
    /// A data source by project and name.
    fn data_source_by_name(&self, project: &str, name: &str) -> Result<Option<DataSourceRow>, StoreError>;
    /// Data sources, optionally of one project.
    fn data_sources(&self, project: Option<&str>) -> Result<Vec<DataSourceRow>, StoreError>;
    /// Removes a data source; false if missing.
    fn delete_data_source(&self, id: &str) -> Result<bool, StoreError>;

    /// Stores a job template.
    fn insert_job_template(&self, template: &JobTemplateRow) -> Result<(), StoreError>;
    /// A job template by id.
    fn job_template(&self, id: &str) -> Result<Option<JobTemplateRow>, StoreError>;
    /// Job templates, optionally of one project.
    fn job_templates(&self, project: Option<&str>) -> Result<Vec<JobTemplateRow>, StoreError>;
    /// Removes a job template; false if missing; `InUse` if executions refer to it.
    fn delete_job_template(&self, id: &str) -> Result<bool, StoreError>;

    /// Stores a new job execution (normally PENDING).
    fn insert_job_execution(&self, execution: &JobExecutionRow) -> Result<(), StoreError>;
    /// A job execution by id.
    fn job_execution(&self, id: &str) -> Result<Option<JobExecutionRow>, StoreError>;
    /// Job executions matching `filter`, ordered by creation then id.
    fn job_executions(&self, filter: &ExecutionFilter) -> Result<Vec<JobExecutionRow>, StoreError>;
    /// The current status of a job execution (a cheap read for engines' cancel handshake).
    fn job_execution_status(&self, id: &str) -> Result<Option<JobStatus>, StoreError>;
    /// Records that a launch is about to be attempted (counts attempts); false if missing.
    fn mark_launch_attempt(&self, id: &str, now: Millis) -> Result<bool, StoreError>;
    /// Writes a launch's engine job id, start time, status and merged `extra` (and the data
    /// source URLs) in one transaction, unless the execution is terminal. A TOBEKILLED status
    /// stays: a cancel that arrived during the launch is not forgotten.
    fn record_launch(&self, id: &str, launched: &Launched) -> Result<UpdateOutcome, StoreError>;
    /// Moves a job execution to a status with the engine's info. A terminal status also sets
    /// the end time (and the start time, if it was never set) in the same transaction. Never
    /// changes a terminal execution.
    fn transition(&self, id: &str, transition: &Transition) -> Result<UpdateOutcome, StoreError>;
    /// Sets `is_public` / `is_protected`; false if missing.
    fn set_execution_flags(
        &self,
        id: &str,
        is_public: Option<bool>,
        is_protected: Option<bool>,
        now: Millis,
    ) -> Result<bool, StoreError>;
    /// Removes a job execution; false if missing.
    fn delete_job_execution(&self, id: &str) -> Result<bool, StoreError>;
}

/// Merges `update` into `base` key by key (Sahara merged `extra` this way; `info` is replaced).
pub fn merge_objects(base: &mut Map<String, Value>, update: &Map<String, Value>) {
    for (key, value) in update {
        base.insert(key.clone(), value.clone());
    }
}
