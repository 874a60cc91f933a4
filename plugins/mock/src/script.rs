//! What a mock job does: its final status, its run time, and each verb's misbehaviour.

use edp_plugin_api::{EngineError, JobConfigs, JobStatus, VERB_NAMES};
use serde::Deserialize;

/// The verbs a script can make misbehave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(usize)]
pub enum Verb {
    /// `run_job`
    RunJob,
    /// `get_job_status`
    GetJobStatus,
    /// `cancel_job`
    CancelJob,
    /// `validate_job_execution`
    ValidateJobExecution,
    /// `get_possible_job_config`
    GetPossibleJobConfig,
    /// `health`
    Health,
    /// `suspend_job`
    SuspendJob,
    /// `resume_job`
    ResumeJob,
    /// `run_scheduled_job`
    RunScheduledJob,
}

impl Verb {
    /// The verb's name, as scripts spell it (the variants follow [`VERB_NAMES`]' order).
    pub fn name(self) -> &'static str {
        VERB_NAMES[self as usize]
    }
}

/// The script of a job.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Script {
    /// The status the job ends in.
    pub final_status: JobStatus,
    /// How long after launch the job reaches its final status.
    pub run_ms: u64,
    /// Verbs that return an internal error.
    pub fail: Vec<String>,
    /// Verbs that panic.
    pub panic: Vec<String>,
    /// Verbs that sleep `hang_ms` before answering.
    pub hang: Vec<String>,
    /// How long a hanging verb sleeps.
    pub hang_ms: u64,
    /// Verbs that answer garbage: an unknown status code and `info` that is not JSON, or a
    /// launch without an engine job id.
    pub garbage: Vec<String>,
    /// How many times cancel answers "not yet" before the job is KILLED; -1 is forever.
    pub cancel_not_yet: i64,
    /// How long a launch prepares before its last TOBEKILLED check and the launch itself.
    pub launch_delay_ms: u64,
}

impl Default for Script {
    fn default() -> Self {
        Self {
            final_status: JobStatus::SUCCEEDED,
            run_ms: 0,
            fail: Vec::new(),
            panic: Vec::new(),
            hang: Vec::new(),
            hang_ms: 3_600_000,
            garbage: Vec::new(),
            cancel_not_yet: 0,
            launch_delay_ms: 0,
        }
    }
}

/// What a verb does before (or instead of) its normal answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Misbehaviour {
    /// Answer normally.
    None,
    /// Answer garbage.
    Garbage,
}

impl Script {
    /// The engine's defaults overridden by a job's `mock.*` configs.
    pub fn for_job(&self, configs: &JobConfigs) -> Result<Self, EngineError> {
        let mut script = self.clone();
        let list = |text: String| -> Vec<String> {
            text.split(',').map(str::trim).filter(|verb| !verb.is_empty()).map(str::to_owned).collect()
        };
        if let Some(status) = configs.config("mock.final_status") {
            script.final_status =
                status.parse().map_err(|err| EngineError::invalid_job(format!("mock.final_status: {err}")))?;
        }
        if let Some(run_ms) = configs.config("mock.run_ms") {
            script.run_ms = parse_number("mock.run_ms", &run_ms)?;
        }
        if let Some(hang_ms) = configs.config("mock.hang_ms") {
            script.hang_ms = parse_number("mock.hang_ms", &hang_ms)?;
        }
        if let Some(delay) = configs.config("mock.launch_delay_ms") {
            script.launch_delay_ms = parse_number("mock.launch_delay_ms", &delay)?;
        }
        if let Some(not_yet) = configs.config("mock.cancel_not_yet") {
            script.cancel_not_yet = parse_number("mock.cancel_not_yet", &not_yet)?;
        }
        if let Some(verbs) = configs.config("mock.fail") {
            script.fail = list(verbs);
        }
        if let Some(verbs) = configs.config("mock.panic") {
            script.panic = list(verbs);
        }
        if let Some(verbs) = configs.config("mock.hang") {
            script.hang = list(verbs);
        }
        if let Some(verbs) = configs.config("mock.garbage") {
            script.garbage = list(verbs);
        }
        Ok(script)
    }

    /// Acts out the script for `verb`: hangs, then fails or panics as told, and says whether to
    /// answer garbage.
    pub fn act(&self, verb: Verb) -> Result<Misbehaviour, EngineError> {
        self.hang(verb);
        self.misbehave(verb)
    }

    /// Sleeps `hang_ms` if told to hang in `verb`. Launch verbs hang after launching, which is
    /// what leaves an orphan for the host to cancel.
    pub fn hang(&self, verb: Verb) {
        if self.told(&self.hang, verb) {
            tracing::warn!(verb = verb.name(), hang_ms = self.hang_ms, "mock engine hanging as told");
            std::thread::sleep(std::time::Duration::from_millis(self.hang_ms));
        }
    }

    /// Panics or fails if told to in `verb`, and says whether to answer garbage.
    pub fn misbehave(&self, verb: Verb) -> Result<Misbehaviour, EngineError> {
        if self.told(&self.panic, verb) {
            panic!("mock engine told to panic in {}", verb.name());
        }
        if self.told(&self.fail, verb) {
            return Err(EngineError::internal(format!("mock engine told to fail in {}", verb.name())));
        }
        Ok(if self.told(&self.garbage, verb) { Misbehaviour::Garbage } else { Misbehaviour::None })
    }

    fn told(&self, verbs: &[String], verb: Verb) -> bool {
        verbs.iter().any(|name| name == verb.name())
    }
}

fn parse_number<T: std::str::FromStr>(key: &str, text: &str) -> Result<T, EngineError>
where
    T::Err: std::fmt::Display,
{
    text.parse().map_err(|err| EngineError::invalid_job(format!("{key}: {err}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_configs_override_engine_defaults() {
        let defaults = Script { run_ms: 5, fail: vec!["health".into()], ..Script::default() };
        let configs =
            JobConfigs::parse(r#"{"configs": {"mock.final_status": "FAILED", "mock.panic": "run_job, cancel_job"}}"#)
                .expect("valid configs");
        let script = defaults.for_job(&configs).expect("valid script");
        assert_eq!(script.final_status, JobStatus::FAILED);
        assert_eq!(script.run_ms, 5);
        assert_eq!(script.panic, ["run_job", "cancel_job"]);
        assert_eq!(script.fail, ["health"]);
    }

    #[test]
    fn bad_values_are_invalid_jobs() {
        let configs = JobConfigs::parse(r#"{"configs": {"mock.run_ms": "soon"}}"#).expect("valid");
        let err = Script::default().for_job(&configs).expect_err("not a number");
        assert_eq!(err.kind, edp_plugin_api::ErrorKind::INVALID_JOB);
        assert!(err.message.contains("mock.run_ms"), "{err}");
    }

    #[test]
    fn act_fails_and_flags_garbage_as_told() {
        let script =
            Script { fail: vec!["health".into()], garbage: vec!["get_job_status".into()], ..Script::default() };
        assert!(script.act(Verb::Health).is_err());
        assert_eq!(script.act(Verb::GetJobStatus), Ok(Misbehaviour::Garbage));
        assert_eq!(script.act(Verb::RunJob), Ok(Misbehaviour::None));
    }
}
