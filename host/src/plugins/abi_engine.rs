//! A loaded library's engine, seen through the ordinary-Rust engine contract.
//!
//! The host uses every engine through `edp_plugin_api::Engine`, the same trait plugin authors
//! implement. This adapter is the in-process implementation over the abi_stable trait object;
//! a process-isolated engine would be another implementation, with no change to its callers.

use abi_stable::std_types::RStr;
use edp_plugin_api::{Engine, EngineError, HealthReport, JobEngineBox, JobExecution, RunOutcome, StatusReport};

/// An engine inside a loaded library.
pub struct AbiEngine {
    inner: JobEngineBox,
}

impl AbiEngine {
    /// Wraps the trait object a plugin's `new_engine` returned.
    pub fn new(inner: JobEngineBox) -> Self {
        Self { inner }
    }
}

impl Engine for AbiEngine {
    fn run_job(&self, job: &JobExecution) -> Result<RunOutcome, EngineError> {
        self.inner.run_job(job).into_result()
    }

    fn get_job_status(&self, job: &JobExecution) -> Result<Option<StatusReport>, EngineError> {
        self.inner.get_job_status(job).into_result().map(Into::into)
    }

    fn cancel_job(&self, job: &JobExecution) -> Result<Option<StatusReport>, EngineError> {
        self.inner.cancel_job(job).into_result().map(Into::into)
    }

    fn validate_job_execution(&self, job: &JobExecution) -> Result<(), EngineError> {
        self.inner.validate_job_execution(job).into_result()
    }

    fn get_possible_job_config(&self, job_type: &str) -> Result<Option<String>, EngineError> {
        self.inner
            .get_possible_job_config(RStr::from(job_type))
            .into_result()
            .map(|hints| hints.map(String::from).into())
    }

    fn health(&self) -> Result<HealthReport, EngineError> {
        self.inner.health().into_result()
    }

    fn suspend_job(&self, job: &JobExecution) -> Result<Option<StatusReport>, EngineError> {
        self.inner.suspend_job(job).into_result().map(Into::into)
    }

    fn resume_job(&self, job: &JobExecution) -> Result<Option<StatusReport>, EngineError> {
        self.inner.resume_job(job).into_result().map(Into::into)
    }

    fn run_scheduled_job(&self, job: &JobExecution) -> Result<RunOutcome, EngineError> {
        self.inner.run_scheduled_job(job).into_result()
    }
}
