//! [`EngineHandle`]: how the rest of the host calls an engine.
//!
//! Every call runs on a blocking thread (plugin calls are synchronous), under a per-call timeout
//! from plugins.toml, inside a tracing span naming the engine and the verb. Answers are checked
//! before anyone sees them: an unknown status code or `info` that is not a JSON object is an
//! [`EngineCallError::InvalidAnswer`], never a value written to a record. Optional verbs are
//! refused by capability, never by engine name.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use edp_plugin_api::{
    Capabilities, Engine, EngineError, ErrorKind, HealthReport, JobExecution, JobStatus, RunOutcome, StatusReport,
};
use serde_json::{Map, Value};
use tracing::Instrument as _;

use crate::config::CallTimeouts;
use crate::metrics::{CallOutcome, metrics};
use crate::plugins::PluginDescription;

/// Why an engine call did not produce an answer.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EngineCallError {
    /// The engine returned an error (a panic inside the engine arrives as kind `panicked`).
    #[error("engine `{engine}` {verb}: {error}")]
    Failed {
        /// The engine.
        engine: String,
        /// The verb.
        verb: &'static str,
        /// Its error.
        error: EngineError,
    },
    /// No answer within the call's timeout.
    #[error("engine `{engine}` {verb}: no answer within {:.1}s", timeout.as_secs_f64())]
    TimedOut {
        /// The engine.
        engine: String,
        /// The verb.
        verb: &'static str,
        /// The timeout.
        timeout: Duration,
    },
    /// The answer broke the contract.
    #[error("engine `{engine}` {verb}: invalid answer: {reason}")]
    InvalidAnswer {
        /// The engine.
        engine: String,
        /// The verb.
        verb: &'static str,
        /// What was wrong.
        reason: String,
    },
    /// The engine does not declare the capability the verb needs.
    #[error("engine `{engine}` does not support {verb} (it does not declare the `{capability}` capability)")]
    NotCapable {
        /// The engine.
        engine: String,
        /// The verb.
        verb: &'static str,
        /// The missing capability.
        capability: &'static str,
    },
}

impl EngineCallError {
    /// Whether the engine panicked.
    pub fn is_panic(&self) -> bool {
        matches!(self, Self::Failed { error, .. } if error.kind == ErrorKind::PANICKED)
    }
}

/// The result of launching a job.
#[derive(Debug, Clone, PartialEq)]
pub struct Launch {
    /// The engine's job id; `None` only when the job was not launched (`status` is terminal).
    pub engine_job_id: Option<String>,
    /// The status right after launch, if the engine said.
    pub status: Option<JobStatus>,
    /// What to merge into the execution's `extra`.
    pub extra: Map<String, Value>,
}

/// A checked status report.
#[derive(Debug, Clone, PartialEq)]
pub struct EngineStatus {
    /// The status.
    pub status: JobStatus,
    /// The engine's info.
    pub info: Map<String, Value>,
}

/// A loaded engine, ready to be called from async code.
#[derive(Clone)]
pub struct EngineHandle {
    name: Arc<str>,
    description: Arc<PluginDescription>,
    engine: Arc<dyn Engine>,
    timeouts: CallTimeouts,
}

impl EngineHandle {
    /// A handle on `engine`, registered as `name`.
    pub fn new(name: &str, description: PluginDescription, engine: Arc<dyn Engine>, timeouts: CallTimeouts) -> Self {
        Self { name: name.into(), description: Arc::new(description), engine, timeouts }
    }

    /// The engine's registered name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The engine behind the handle, for synchronous callers that bring their own timeout.
    pub fn engine(&self) -> &Arc<dyn Engine> {
        &self.engine
    }

    /// What the plugin declares.
    pub fn description(&self) -> &PluginDescription {
        &self.description
    }

    /// Launch `job`.
    pub async fn run_job(&self, job: JobExecution) -> Result<Launch, EngineCallError> {
        let outcome = self.call("run_job", move |engine| engine.run_job(&job)).await?;
        self.check_launch("run_job", outcome)
    }

    /// Launch a scheduled job (needs `Capabilities::SCHEDULED`).
    pub async fn run_scheduled_job(&self, job: JobExecution) -> Result<Launch, EngineCallError> {
        self.require("run_scheduled_job", Capabilities::SCHEDULED, "scheduled")?;
        let outcome = self.call("run_scheduled_job", move |engine| engine.run_scheduled_job(&job)).await?;
        self.check_launch("run_scheduled_job", outcome)
    }

    /// The job's status; `None` is "nothing new".
    pub async fn get_job_status(&self, job: JobExecution) -> Result<Option<EngineStatus>, EngineCallError> {
        let report = self.call("get_job_status", move |engine| engine.get_job_status(&job)).await?;
        self.check_report("get_job_status", report)
    }

    /// Ask the engine to stop the job; `None` is "not yet, ask again".
    pub async fn cancel_job(&self, job: JobExecution) -> Result<Option<EngineStatus>, EngineCallError> {
        let report = self.call("cancel_job", move |engine| engine.cancel_job(&job)).await?;
        self.check_report("cancel_job", report)
    }

    /// Suspend the job (needs `Capabilities::SUSPEND`).
    pub async fn suspend_job(&self, job: JobExecution) -> Result<Option<EngineStatus>, EngineCallError> {
        self.require("suspend_job", Capabilities::SUSPEND, "suspend")?;
        let report = self.call("suspend_job", move |engine| engine.suspend_job(&job)).await?;
        self.check_report("suspend_job", report)
    }

    /// Resume the job (needs `Capabilities::RESUME`).
    pub async fn resume_job(&self, job: JobExecution) -> Result<Option<EngineStatus>, EngineCallError> {
        self.require("resume_job", Capabilities::RESUME, "resume")?;
        let report = self.call("resume_job", move |engine| engine.resume_job(&job)).await?;
        self.check_report("resume_job", report)
    }

    /// The engine's own validation of a job about to be created.
    pub async fn validate_job_execution(&self, job: JobExecution) -> Result<(), EngineCallError> {
        self.call("validate_job_execution", move |engine| engine.validate_job_execution(&job)).await
    }

    /// Sahara's config hints for a job type.
    pub async fn get_possible_job_config(&self, job_type: String) -> Result<Option<Value>, EngineCallError> {
        let hints =
            self.call("get_possible_job_config", move |engine| engine.get_possible_job_config(&job_type)).await?;
        hints
            .map(|text| {
                serde_json::from_str(&text)
                    .map_err(|err| self.invalid("get_possible_job_config", format!("hints are not JSON: {err}")))
            })
            .transpose()
    }

    /// The engine's health.
    pub async fn health(&self) -> Result<HealthReport, EngineCallError> {
        self.call("health", |engine| engine.health()).await
    }

    /// The statuses of several jobs with one blocking-thread hop for the lot instead of one
    /// each: the calls run one after another, each under the `get_job_status` timeout and
    /// checked as [`Self::get_job_status`] checks it. A call that times out is abandoned with
    /// its thread, and the jobs after it are asked on a fresh one, so a hang costs the others
    /// one timeout at most. The answers come back in the order of `jobs`.
    pub async fn get_job_statuses(
        &self,
        jobs: Vec<JobExecution>,
    ) -> Vec<Result<Option<EngineStatus>, EngineCallError>> {
        const VERB: &str = "get_job_status";
        let timeout = self.timeouts.get(VERB);
        let span = tracing::info_span!("engine_calls", engine = %self.name, verb = VERB, count = jobs.len());
        let jobs: Arc<[JobExecution]> = jobs.into();
        let mut answers = Vec::with_capacity(jobs.len());
        while answers.len() < jobs.len() {
            let (sender, mut receiver) = tokio::sync::mpsc::unbounded_channel();
            let abandoned = Arc::new(AtomicBool::new(false));
            let (engine, batch, first, stop, blocking_span) =
                (Arc::clone(&self.engine), Arc::clone(&jobs), answers.len(), Arc::clone(&abandoned), span.clone());
            // Detached: a hung call keeps its thread, and the loop below stops waiting for it.
            drop(tokio::task::spawn_blocking(move || {
                blocking_span.in_scope(|| {
                    for job in &batch[first..] {
                        if stop.load(Ordering::Relaxed) {
                            return;
                        }
                        let started = Instant::now();
                        let answer = engine.get_job_status(job);
                        if sender.send((answer, started.elapsed())).is_err() {
                            return;
                        }
                    }
                });
            }));
            while answers.len() < jobs.len() {
                match tokio::time::timeout(timeout, receiver.recv()).instrument(span.clone()).await {
                    Ok(Some((answer, elapsed))) => {
                        metrics().engine_call(&self.name, VERB, elapsed, CallOutcome::of(&answer));
                        answers.push(self.answer(VERB, answer).and_then(|report| self.check_report(VERB, report)));
                    }
                    Ok(None) => {
                        answers.push(Err(self.adapter_failed(VERB, "the calling thread ended early")));
                        break;
                    }
                    Err(_) => {
                        abandoned.store(true, Ordering::Relaxed);
                        metrics().engine_call(&self.name, VERB, timeout, CallOutcome::Error);
                        answers.push(Err(self.timed_out(VERB, timeout)));
                        break;
                    }
                }
            }
        }
        answers
    }

    async fn call<T: Send + 'static>(
        &self,
        verb: &'static str,
        call: impl FnOnce(&dyn Engine) -> Result<T, EngineError> + Send + 'static,
    ) -> Result<T, EngineCallError> {
        let engine = Arc::clone(&self.engine);
        let timeout = self.timeouts.get(verb);
        let span = tracing::info_span!("engine_call", engine = %self.name, verb);
        let blocking_span = span.clone();
        let task = tokio::task::spawn_blocking(move || blocking_span.in_scope(|| call(engine.as_ref())));
        let started = Instant::now();
        let answer = tokio::time::timeout(timeout, task).instrument(span).await;
        let outcome = match &answer {
            Ok(Ok(answer)) => CallOutcome::of(answer),
            _ => CallOutcome::Error,
        };
        metrics().engine_call(&self.name, verb, started.elapsed(), outcome);
        match answer {
            Err(_) => Err(self.timed_out(verb, timeout)),
            Ok(Err(join_error)) => Err(self.adapter_failed(verb, &join_error.to_string())),
            Ok(Ok(answer)) => self.answer(verb, answer),
        }
    }

    /// An engine's own answer, with its error (a panic logged) in the host's terms.
    fn answer<T>(&self, verb: &'static str, answer: Result<T, EngineError>) -> Result<T, EngineCallError> {
        answer.map_err(|error| {
            if error.kind == ErrorKind::PANICKED {
                tracing::error!(engine = %self.name, verb, %error, "engine panicked; the host carries on");
            }
            self.failed(verb, error)
        })
    }

    fn timed_out(&self, verb: &'static str, timeout: Duration) -> EngineCallError {
        tracing::warn!(engine = %self.name, verb, timeout_secs = timeout.as_secs_f64(), "engine call timed out; its thread is abandoned");
        EngineCallError::TimedOut { engine: self.name.to_string(), verb, timeout }
    }

    fn adapter_failed(&self, verb: &'static str, reason: &str) -> EngineCallError {
        self.failed(verb, EngineError::new(ErrorKind::PANICKED, format!("the host's adapter failed: {reason}")))
    }

    fn require(
        &self,
        verb: &'static str,
        capability: Capabilities,
        capability_name: &'static str,
    ) -> Result<(), EngineCallError> {
        if self.description.capabilities.contains(capability) {
            Ok(())
        } else {
            Err(EngineCallError::NotCapable { engine: self.name.to_string(), verb, capability: capability_name })
        }
    }

    fn failed(&self, verb: &'static str, error: EngineError) -> EngineCallError {
        EngineCallError::Failed { engine: self.name.to_string(), verb, error }
    }

    fn invalid(&self, verb: &'static str, reason: String) -> EngineCallError {
        EngineCallError::InvalidAnswer { engine: self.name.to_string(), verb, reason }
    }

    fn check_status(&self, verb: &'static str, status: JobStatus) -> Result<JobStatus, EngineCallError> {
        if status.is_known() {
            Ok(status)
        } else {
            Err(self.invalid(verb, format!("unknown status code {}", status.code())))
        }
    }

    fn check_object(&self, verb: &'static str, what: &str, text: &str) -> Result<Map<String, Value>, EngineCallError> {
        match serde_json::from_str(text) {
            Ok(Value::Object(object)) => Ok(object),
            Ok(_) => Err(self.invalid(verb, format!("{what} is not a JSON object"))),
            Err(err) => Err(self.invalid(verb, format!("{what} is not JSON: {err}"))),
        }
    }

    fn check_report(
        &self,
        verb: &'static str,
        report: Option<StatusReport>,
    ) -> Result<Option<EngineStatus>, EngineCallError> {
        report
            .map(|report| {
                let status = self.check_status(verb, report.status)?;
                let info = if report.info.trim().is_empty() {
                    Map::new()
                } else {
                    self.check_object(verb, "info", &report.info)?
                };
                Ok(EngineStatus { status, info })
            })
            .transpose()
    }

    fn check_launch(&self, verb: &'static str, outcome: RunOutcome) -> Result<Launch, EngineCallError> {
        let status = outcome.status.into_option().map(|status| self.check_status(verb, status)).transpose()?;
        let extra = match outcome.extra.into_option() {
            Some(text) => self.check_object(verb, "extra", &text)?,
            None => Map::new(),
        };
        let engine_job_id = outcome.engine_job_id.into_option().map(String::from);
        match (&engine_job_id, status) {
            (Some(id), _) if id.trim().is_empty() => Err(self.invalid(verb, "empty engine job id".into())),
            (None, Some(status)) if status.is_terminal() => Ok(Launch { engine_job_id, status: Some(status), extra }),
            (None, _) => Err(self.invalid(verb, "no engine job id, and no terminal status saying why".into())),
            (Some(_), _) => Ok(Launch { engine_job_id, status, extra }),
        }
    }
}
