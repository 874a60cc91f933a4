//! The mock engine's verbs.

use std::collections::HashMap;
use std::fs::OpenOptions;
use std::io::Write;
use std::sync::{Mutex, PoisonError};

use edp_plugin_api::abi_stable::std_types::ROption::{RNone, RSome};
use edp_plugin_api::{Engine, EngineError, HealthReport, Host, JobExecution, JobStatus, RunOutcome, StatusReport};
use serde_json::json;

use crate::config::MockConfig;
use crate::script::{Misbehaviour, Script, Verb};

/// A mock engine instance.
pub struct MockEngine {
    config: MockConfig,
    host: Host,
    /// Cancel calls seen per engine job id.
    cancels: Mutex<HashMap<String, i64>>,
    /// Jobs suspended and not resumed.
    suspended: Mutex<HashMap<String, JobStatus>>,
}

impl MockEngine {
    /// An engine with `config` that reaches the host through `host`.
    pub fn new(config: MockConfig, host: Host) -> Self {
        Self { config, host, cancels: Mutex::default(), suspended: Mutex::default() }
    }

    fn script(&self, job: &JobExecution) -> Result<Script, EngineError> {
        self.config.script.for_job(&job.configs()?)
    }

    fn launch(&self, job: &JobExecution, verb: Verb) -> Result<RunOutcome, EngineError> {
        let script = self.script(job)?;
        let misbehaviour = script.act(verb)?;
        if self.host.job_execution_status(&job.id)? == JobStatus::TOBEKILLED {
            return Ok(RunOutcome::killed_before_launch());
        }
        if misbehaviour == Misbehaviour::Garbage {
            return Ok(RunOutcome {
                engine_job_id: RNone,
                status: RSome(JobStatus::from_raw(250)),
                extra: RSome("{not json".into()),
            });
        }
        let engine_job_id = format!("mock-{}-{}", job.id, self.host.now_millis());
        self.record_launch(&job.id, &engine_job_id)?;
        tracing::info!(job = %job.id, engine_job_id = %engine_job_id, "mock job launched");
        let status = if script.run_ms == 0 { script.final_status } else { JobStatus::RUNNING };
        Ok(RunOutcome::launched(engine_job_id, Some(status)).with_extra(&json!({"mock": {"run_ms": script.run_ms}})))
    }

    fn record_launch(&self, job_id: &str, engine_job_id: &str) -> Result<(), EngineError> {
        let Some(path) = &self.config.launch_log else { return Ok(()) };
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|err| EngineError::internal(format!("cannot open launch log {}: {err}", path.display())))?;
        file.write_all(format!("{job_id}\t{engine_job_id}\n").as_bytes())
            .map_err(|err| EngineError::internal(format!("cannot write launch log {}: {err}", path.display())))
    }

    fn engine_job_id(job: &JobExecution) -> Result<&str, EngineError> {
        job.engine_job_id_str()
            .ok_or_else(|| EngineError::invalid_job(format!("job execution {} was never launched", job.id)))
    }

    /// The status the script gives the job now, without misbehaviour.
    fn scripted_status(&self, job: &JobExecution, script: &Script) -> Result<StatusReport, EngineError> {
        let engine_job_id = Self::engine_job_id(job)?;
        let launched_ms: i64 = engine_job_id
            .rsplit('-')
            .next()
            .and_then(|ms| ms.parse().ok())
            .ok_or_else(|| EngineError::not_found(format!("`{engine_job_id}` is not a mock engine job id")))?;
        let cancelled = self.cancels.lock().unwrap_or_else(PoisonError::into_inner).get(engine_job_id).copied();
        let suspended = self.suspended.lock().unwrap_or_else(PoisonError::into_inner).get(engine_job_id).copied();
        let elapsed_ms = self.host.now_millis().saturating_sub(launched_ms).max(0);
        tracing::debug!(job = %job.id, elapsed_ms, "mock status computed");
        let finished = u64::try_from(elapsed_ms).unwrap_or(0) >= script.run_ms;
        let status = match (cancelled, suspended) {
            (Some(calls), _) if script.cancel_not_yet >= 0 && calls > script.cancel_not_yet => JobStatus::KILLED,
            (_, Some(status)) => status,
            _ if finished => script.final_status,
            _ => JobStatus::RUNNING,
        };
        Ok(StatusReport::new(status, &json!({"elapsed_ms": elapsed_ms, "mock": true})))
    }

    fn report(
        &self,
        job: &JobExecution,
        verb: Verb,
        answer: impl FnOnce(&Script) -> Result<Option<StatusReport>, EngineError>,
    ) -> Result<Option<StatusReport>, EngineError> {
        let script = self.script(job)?;
        match script.act(verb)? {
            Misbehaviour::Garbage => {
                Ok(Some(StatusReport { status: JobStatus::from_raw(250), info: "{not json".into() }))
            }
            Misbehaviour::None => answer(&script),
        }
    }
}

impl Engine for MockEngine {
    fn run_job(&self, job: &JobExecution) -> Result<RunOutcome, EngineError> {
        self.launch(job, Verb::RunJob)
    }

    fn run_scheduled_job(&self, job: &JobExecution) -> Result<RunOutcome, EngineError> {
        self.launch(job, Verb::RunScheduledJob)
    }

    fn get_job_status(&self, job: &JobExecution) -> Result<Option<StatusReport>, EngineError> {
        self.report(job, Verb::GetJobStatus, |script| self.scripted_status(job, script).map(Some))
    }

    fn cancel_job(&self, job: &JobExecution) -> Result<Option<StatusReport>, EngineError> {
        self.report(job, Verb::CancelJob, |script| {
            let engine_job_id = Self::engine_job_id(job)?.to_owned();
            let current = self.scripted_status(job, script)?;
            if current.status.is_terminal() {
                return Ok(Some(current));
            }
            *self.cancels.lock().unwrap_or_else(PoisonError::into_inner).entry(engine_job_id).or_default() += 1;
            let after = self.scripted_status(job, script)?;
            Ok((after.status == JobStatus::KILLED).then_some(after))
        })
    }

    fn suspend_job(&self, job: &JobExecution) -> Result<Option<StatusReport>, EngineError> {
        self.report(job, Verb::SuspendJob, |script| {
            let current = self.scripted_status(job, script)?;
            if !current.status.is_suspendible() {
                return Ok(Some(current));
            }
            let engine_job_id = Self::engine_job_id(job)?.to_owned();
            self.suspended.lock().unwrap_or_else(PoisonError::into_inner).insert(engine_job_id, JobStatus::SUSPENDED);
            self.scripted_status(job, script).map(Some)
        })
    }

    fn resume_job(&self, job: &JobExecution) -> Result<Option<StatusReport>, EngineError> {
        self.report(job, Verb::ResumeJob, |script| {
            let engine_job_id = Self::engine_job_id(job)?;
            self.suspended.lock().unwrap_or_else(PoisonError::into_inner).remove(engine_job_id);
            self.scripted_status(job, script).map(Some)
        })
    }

    fn validate_job_execution(&self, job: &JobExecution) -> Result<(), EngineError> {
        self.script(job)?.act(Verb::ValidateJobExecution).map(drop)
    }

    fn get_possible_job_config(&self, job_type: &str) -> Result<Option<String>, EngineError> {
        self.config.script.act(Verb::GetPossibleJobConfig)?;
        let hints = json!({"job_config": {"configs": [
            {"name": "mock.final_status", "value": "SUCCEEDED", "description": "status the job ends in"},
            {"name": "mock.run_ms", "value": "0", "description": "milliseconds from launch to the final status"}
        ], "params": {}, "args": []}, "job_type": job_type});
        Ok(Some(hints.to_string()))
    }

    fn health(&self) -> Result<HealthReport, EngineError> {
        self.config.script.act(Verb::Health)?;
        Ok(HealthReport::healthy())
    }
}
