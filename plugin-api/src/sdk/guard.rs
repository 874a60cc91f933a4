//! The panic guard: every call that enters a plugin goes through [`guarded`].
//!
//! A panic that unwinds into abi_stable's generated code ends the host process with
//! `exit(1)`, so it must be caught on the plugin side of the boundary and returned as an
//! [`ErrorKind::PANICKED`](crate::ErrorKind::PANICKED) error.

use std::any::Any;
use std::panic::{self, AssertUnwindSafe};

use abi_stable::std_types::{ROption, RResult, RStr, RString};

use crate::engine::JobEngine;
use crate::error::{EngineError, ErrorKind};
use crate::host::HostServicesArc;
use crate::sdk::Engine;
use crate::sdk::log_bridge::LogScope;
use crate::types::{HealthReport, JobExecution, RunOutcome, StatusReport};

/// Runs `call` with this engine's log scope and catches any panic.
pub(crate) fn guarded<T>(
    host: Option<&HostServicesArc>,
    entry_point: &str,
    call: impl FnOnce() -> Result<T, EngineError>,
) -> RResult<T, EngineError> {
    let _scope = host.map(LogScope::enter);
    match panic::catch_unwind(AssertUnwindSafe(call)) {
        Ok(result) => result.into(),
        Err(payload) => RResult::RErr(panicked(entry_point, payload.as_ref())),
    }
}

fn panicked(entry_point: &str, payload: &(dyn Any + Send)) -> EngineError {
    let message = payload
        .downcast_ref::<&str>()
        .map(|text| (*text).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a non-text panic payload".to_owned());
    EngineError::new(ErrorKind::PANICKED, format!("engine panicked in {entry_point}: {message}"))
}

/// The adapter that turns an SDK [`Engine`] into the ABI's [`JobEngine`].
pub(crate) struct GuardedEngine<E> {
    pub(crate) engine: E,
    pub(crate) host: HostServicesArc,
}

impl<E: Engine> GuardedEngine<E> {
    fn guard<T>(&self, verb: &str, call: impl FnOnce(&E) -> Result<T, EngineError>) -> RResult<T, EngineError> {
        guarded(Some(&self.host), verb, || call(&self.engine))
    }
}

impl<E: Engine> JobEngine for GuardedEngine<E> {
    fn run_job(&self, job: &JobExecution) -> RResult<RunOutcome, EngineError> {
        self.guard("run_job", |engine| engine.run_job(job))
    }

    fn get_job_status(&self, job: &JobExecution) -> RResult<ROption<StatusReport>, EngineError> {
        self.guard("get_job_status", |engine| engine.get_job_status(job).map(ROption::from))
    }

    fn cancel_job(&self, job: &JobExecution) -> RResult<ROption<StatusReport>, EngineError> {
        self.guard("cancel_job", |engine| engine.cancel_job(job).map(ROption::from))
    }

    fn validate_job_execution(&self, job: &JobExecution) -> RResult<(), EngineError> {
        self.guard("validate_job_execution", |engine| engine.validate_job_execution(job))
    }

    fn get_possible_job_config(&self, job_type: RStr<'_>) -> RResult<ROption<RString>, EngineError> {
        self.guard("get_possible_job_config", |engine| {
            engine.get_possible_job_config(job_type.as_str()).map(|hints| hints.map(RString::from).into())
        })
    }

    fn health(&self) -> RResult<HealthReport, EngineError> {
        self.guard("health", |engine| engine.health())
    }

    fn suspend_job(&self, job: &JobExecution) -> RResult<ROption<StatusReport>, EngineError> {
        self.guard("suspend_job", |engine| engine.suspend_job(job).map(ROption::from))
    }

    fn resume_job(&self, job: &JobExecution) -> RResult<ROption<StatusReport>, EngineError> {
        self.guard("resume_job", |engine| engine.resume_job(job).map(ROption::from))
    }

    fn run_scheduled_job(&self, job: &JobExecution) -> RResult<RunOutcome, EngineError> {
        self.guard("run_scheduled_job", |engine| engine.run_scheduled_job(job))
    }
}
