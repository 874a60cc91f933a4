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
    /// Engine job id per job execution id: a second launch of the same execution returns the
    /// first one's id instead of launching again. Loaded from the launch log when there is one,
    /// so this holds across host restarts.
    launched: Mutex<HashMap<String, String>>,
}

impl MockEngine {
    /// An engine with `config` that reaches the host through `host`.
    pub fn new(config: MockConfig, host: Host) -> Self {
        let launched = config.launch_log.as_deref().map(read_launch_log).unwrap_or_default();
        Self { config, host, cancels: Mutex::default(), suspended: Mutex::default(), launched: Mutex::new(launched) }
    }

    fn script(&self, job: &JobExecution) -> Result<Script, EngineError> {
        self.config.script.for_job(&job.configs()?)
    }

    fn launch(&self, job: &JobExecution, verb: Verb) -> Result<RunOutcome, EngineError> {
        let script = self.script(job)?;
        let misbehaviour = script.misbehave(verb)?;
        if misbehaviour == Misbehaviour::Garbage {
            return Ok(RunOutcome {
                engine_job_id: RNone,
                status: RSome(JobStatus::from_raw(250)),
                extra: RSome("{not json".into()),
            });
        }
        if script.launch_delay_ms > 0 {
            std::thread::sleep(std::time::Duration::from_millis(script.launch_delay_ms));
        }
        let engine_job_id = {
            let mut launched = self.launched.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(engine_job_id) = launched.get(job.id.as_str()) {
                tracing::info!(job = %job.id, %engine_job_id, "mock job already launched; not launching again");
                engine_job_id.clone()
            } else {
                // The cancel handshake: the last check before the irreversible step.
                if self.host.job_execution_status(&job.id)? == JobStatus::TOBEKILLED {
                    return Ok(RunOutcome::killed_before_launch());
                }
                let engine_job_id = format!("mock-{}-{}", job.id, self.host.now_millis());
                self.record_launch(&job.id, &engine_job_id)?;
                launched.insert(job.id.to_string(), engine_job_id.clone());
                tracing::info!(job = %job.id, engine_job_id = %engine_job_id, "mock job launched");
                engine_job_id
            }
        };
        script.hang(verb);
        let mut launched_job = job.clone();
        launched_job.engine_job_id = RSome(engine_job_id.as_str().into());
        let status = self.scripted_status(&launched_job, &script)?.status;
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

    /// The job with its engine job id, from the record or, for a launch the host never
    /// recorded, from this engine's own memory of it.
    fn with_launch(&self, job: &JobExecution) -> Option<JobExecution> {
        if job.engine_job_id_str().is_some() {
            return Some(job.clone());
        }
        let launched = self.launched.lock().unwrap_or_else(PoisonError::into_inner);
        let engine_job_id = launched.get(job.id.as_str())?;
        let mut job = job.clone();
        job.engine_job_id = RSome(engine_job_id.as_str().into());
        Some(job)
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
        Ok(StatusReport::new(status, &json!({"mock": true, "run_ms": script.run_ms})))
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
        // Not launched (yet): nothing to stop; the launch will see TOBEKILLED.
        let Some(job) = self.with_launch(job) else { return Ok(None) };
        let job = &job;
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

/// The launches recorded in a launch log: job execution id → engine job id.
fn read_launch_log(path: &std::path::Path) -> HashMap<String, String> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .filter_map(|line| line.split_once('\t'))
        .map(|(job, engine)| (job.to_owned(), engine.to_owned()))
        .collect()
}
