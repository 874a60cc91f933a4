//! The `JobEngine` trait object: the verbs the host calls on an engine.
//!
//! Plugin authors do not implement this trait: they implement [`crate::Engine`], and the SDK's
//! adapter implements this one around it with a panic guard on every method.

use abi_stable::sabi_trait;
use abi_stable::std_types::{RBox, ROption, RResult, RStr, RString};

use crate::error::EngineError;
use crate::types::{HealthReport, JobExecution, RunOutcome, StatusReport};

/// The verbs of a job engine, as they cross the boundary. Every call is synchronous and must be
/// short: the host runs it on a blocking thread with a timeout. Sahara's return shapes:
/// `run_job` gives (engine job id, status, extra); `get_job_status` and `cancel_job` give an
/// optional report, where `None` means "nothing new" or "not yet, ask again".
///
/// The layout is frozen for API version 1; new verbs are appended after the last prefix field.
#[sabi_trait]
pub trait JobEngine: Send + Sync + 'static {
    /// Launch the job. Before its irreversible step, the engine re-checks
    /// `HostServices::job_execution_status` and reports `KILLED` without launching if it reads
    /// `TOBEKILLED`.
    fn run_job(&self, job: &JobExecution) -> RResult<RunOutcome, EngineError>;

    /// The job's current status, or `None` for "nothing new".
    fn get_job_status(&self, job: &JobExecution) -> RResult<ROption<StatusReport>, EngineError>;

    /// Ask the execution system to stop the job. `None` means "not yet, ask again".
    fn cancel_job(&self, job: &JobExecution) -> RResult<ROption<StatusReport>, EngineError>;

    /// Check, before anything is persisted, that the job can run on this engine.
    fn validate_job_execution(&self, job: &JobExecution) -> RResult<(), EngineError>;

    /// Sahara's config hints for a job type as JSON
    /// (`{"job_config": {"configs": [...], "params": {...}, "args": [...]}}`), or `None`.
    fn get_possible_job_config(&self, job_type: RStr<'_>) -> RResult<ROption<RString>, EngineError>;

    /// Whether the engine can reach its execution system.
    fn health(&self) -> RResult<HealthReport, EngineError>;

    /// Suspend the job. Only called when the engine declares `Capabilities::SUSPEND`.
    fn suspend_job(&self, job: &JobExecution) -> RResult<ROption<StatusReport>, EngineError>;

    /// Resume a suspended job. Only called with `Capabilities::RESUME`.
    fn resume_job(&self, job: &JobExecution) -> RResult<ROption<StatusReport>, EngineError>;

    /// Launch a scheduled (coordinator) job. Only called with `Capabilities::SCHEDULED`.
    #[sabi(last_prefix_field)]
    fn run_scheduled_job(&self, job: &JobExecution) -> RResult<RunOutcome, EngineError>;
}

/// The names of the [`JobEngine`] verbs, in declaration order.
pub const VERB_NAMES: [&str; 9] = [
    "run_job",
    "get_job_status",
    "cancel_job",
    "validate_job_execution",
    "get_possible_job_config",
    "health",
    "suspend_job",
    "resume_job",
    "run_scheduled_job",
];

/// An engine as the host holds it: an owned trait object.
pub type JobEngineBox = JobEngine_TO<RBox<()>>;
