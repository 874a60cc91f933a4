//! The rows the store keeps, as plain Rust values.

use edp_plugin_api::JobStatus;
use serde_json::{Map, Value};

/// Milliseconds since the Unix epoch, UTC.
pub type Millis = i64;

/// A registered cluster: this host does not provision clusters, it runs jobs on existing ones.
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterRecordRow {
    /// Id (a UUID).
    pub id: String,
    /// The owning project.
    pub project: String,
    /// Name, unique in its project.
    pub name: String,
    /// Description.
    pub description: String,
    /// Sahara's plugin name, e.g. `vanilla`: the cluster type routes use.
    pub cluster_type: String,
    /// The plugin version, e.g. `2.7.1`.
    pub version: String,
    /// Sahara's cluster status; only `Active` clusters run jobs.
    pub status: String,
    /// Endpoints and settings for engines (an Oozie URL, a Spark master, ...).
    pub info: Map<String, Value>,
    /// Visible read-only to other projects.
    pub is_public: bool,
    /// Cannot be changed or deleted until unprotected.
    pub is_protected: bool,
    /// Created.
    pub created_at: Millis,
    /// Last changed.
    pub updated_at: Millis,
}

/// A job binary: a URL, and the bytes for internal ones.
#[derive(Debug, Clone, PartialEq)]
pub struct JobBinaryRow {
    /// Id.
    pub id: String,
    /// The owning project.
    pub project: String,
    /// File name, e.g. `wordcount.jar`.
    pub name: String,
    /// Description.
    pub description: String,
    /// `internal-db://<id>` for stored bytes, or an external URL.
    pub url: String,
    /// Visible read-only to other projects.
    pub is_public: bool,
    /// Cannot be changed or deleted until unprotected.
    pub is_protected: bool,
    /// Created.
    pub created_at: Millis,
    /// Last changed.
    pub updated_at: Millis,
}

/// A data source.
#[derive(Debug, Clone, PartialEq)]
pub struct DataSourceRow {
    /// Id.
    pub id: String,
    /// The owning project.
    pub project: String,
    /// Name, unique in its project.
    pub name: String,
    /// Description.
    pub description: String,
    /// Sahara's type: `hdfs`, `swift`, `s3`, `manila`, `maprfs`.
    pub kind: String,
    /// URL, possibly with `%JOB_EXEC_ID%` and `%RANDSTR(n)%` placeholders.
    pub url: String,
    /// Visible read-only to other projects.
    pub is_public: bool,
    /// Cannot be changed or deleted until unprotected.
    pub is_protected: bool,
    /// Created.
    pub created_at: Millis,
    /// Last changed.
    pub updated_at: Millis,
}

/// A job template (Sahara's "job").
#[derive(Debug, Clone, PartialEq)]
pub struct JobTemplateRow {
    /// Id.
    pub id: String,
    /// The owning project.
    pub project: String,
    /// Name, unique in its project.
    pub name: String,
    /// Description.
    pub description: String,
    /// Job type, in Sahara's spelling.
    pub job_type: String,
    /// Main job binary ids, in order.
    pub mains: Vec<String>,
    /// Library job binary ids, in order.
    pub libs: Vec<String>,
    /// Sahara's interface arguments, as JSON.
    pub interface: Value,
    /// Visible read-only to other projects.
    pub is_public: bool,
    /// Cannot be changed or deleted until unprotected.
    pub is_protected: bool,
    /// Created.
    pub created_at: Millis,
    /// Last changed.
    pub updated_at: Millis,
}

/// A job execution, with every field of Sahara's.
#[derive(Debug, Clone, PartialEq)]
pub struct JobExecutionRow {
    /// Id: also the idempotency key engines may tag their jobs with.
    pub id: String,
    /// The owning project.
    pub project: String,
    /// The job template.
    pub job_template_id: String,
    /// The cluster.
    pub cluster_id: String,
    /// Input data source.
    pub input_id: Option<String>,
    /// Output data source.
    pub output_id: Option<String>,
    /// The engine of record: the engine that launches it, and that status and cancel always
    /// go to, whatever the routes say later.
    pub engine: String,
    /// The engine's id for the job (Sahara's `oozie_job_id`, renamed).
    pub engine_job_id: Option<String>,
    /// Status.
    pub status: JobStatus,
    /// The engine's own view of the job (its last status report's info).
    pub engine_info: Map<String, Value>,
    /// When the launch completed.
    pub start_time: Option<Millis>,
    /// When the job reached a terminal status.
    pub end_time: Option<Millis>,
    /// Sahara's `job_configs`.
    pub job_configs: Value,
    /// Engine scratch (work directories, log paths), merged on launch.
    pub extra: Map<String, Value>,
    /// `{data source id: native URL}` after placeholder expansion.
    pub data_source_urls: Map<String, Value>,
    /// How many launches were attempted (recovery re-launches; engines dedupe by id).
    pub launch_attempts: u32,
    /// Visible read-only to other projects.
    pub is_public: bool,
    /// Cannot be changed, cancelled or deleted until unprotected.
    pub is_protected: bool,
    /// Created.
    pub created_at: Millis,
    /// Last changed.
    pub updated_at: Millis,
}

/// Which job executions to list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExecutionFilter {
    /// Only this project's.
    pub project: Option<String>,
    /// With `project`: other projects' public executions too.
    pub or_public: bool,
    /// Only these statuses.
    pub statuses: Option<Vec<JobStatus>>,
    /// Only non-terminal executions (the poller's and recovery's predicate).
    pub active_only: bool,
    /// Only this cluster's.
    pub cluster_id: Option<String>,
    /// At most this many.
    pub limit: Option<usize>,
    /// Only executions after this id in the listing order (pagination).
    pub after_id: Option<String>,
    /// Only executions after this listing position, `(created_at, id)`: pagination that does
    /// not depend on the previous page's last execution still existing.
    pub after_position: Option<(Millis, String)>,
}

/// What a completed launch writes.
#[derive(Debug, Clone, PartialEq)]
pub struct Launched {
    /// The engine's job id; `None` when the engine launched nothing (it found the execution
    /// TOBEKILLED and reported KILLED, which is written next with `Store::transition`).
    pub engine_job_id: Option<String>,
    /// The non-terminal status to record; `None` keeps the current one. A terminal outcome is
    /// written afterwards with [`crate::store::Store::transition`], the one way into a terminal
    /// status.
    pub status: Option<JobStatus>,
    /// Merged into `extra`.
    pub extra: Map<String, Value>,
    /// Replaces `data_source_urls`.
    pub data_source_urls: Map<String, Value>,
    /// The job configs as launched (after data-source substitution).
    pub job_configs: Value,
    /// Now.
    pub now: Millis,
}

/// A status change.
#[derive(Debug, Clone, PartialEq)]
pub struct Transition {
    /// The new status.
    pub status: JobStatus,
    /// Replaces `engine_info` when given.
    pub engine_info: Option<Map<String, Value>>,
    /// Now: the end time when `status` is terminal.
    pub now: Millis,
}
