//! Tests of [`LocalEngine`]'s verbs through a fake `HostServices`: the adapter from the
//! host's records to the launcher, the status reader and the canceller.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use edp_plugin_api::abi_stable::std_types::{ROption, RResult, RStr, RString, RVec};
use edp_plugin_api::{
    ClusterRecord, DataSource, Engine, EngineError, ErrorKind, Host, HostServices, JobBinary, JobExecution, JobStatus,
    JobTemplate, LogLevel, LogRecord, RunOutcome, StatusReport,
};
use serde_json::Value;

use crate::LocalEngine;
use crate::config::LocalConfig;
use edp_process_supervisor::engine_id::EngineJobId;
use edp_process_supervisor::process;

const TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Default)]
struct Records {
    templates: HashMap<String, JobTemplate>,
    binaries: HashMap<String, (String, Vec<u8>)>,
    statuses: HashMap<String, JobStatus>,
    changed: Vec<String>,
}

/// The host's services over in-memory records.
#[derive(Clone)]
struct FakeHost {
    work_dir: String,
    records: Arc<Mutex<Records>>,
}

impl FakeHost {
    fn records(&self) -> std::sync::MutexGuard<'_, Records> {
        self.records.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn missing<T>(what: &str, id: RStr<'_>) -> RResult<T, EngineError> {
    RResult::RErr(EngineError::not_found(format!("no {what} {id}")))
}

impl HostServices for FakeHost {
    fn log(&self, _record: LogRecord) {}

    fn max_level(&self) -> LogLevel {
        LogLevel::OFF
    }

    fn cluster(&self, id: RStr<'_>) -> RResult<ClusterRecord, EngineError> {
        missing("cluster", id)
    }

    fn job_template(&self, id: RStr<'_>) -> RResult<JobTemplate, EngineError> {
        match self.records().templates.get(id.as_str()) {
            Some(template) => RResult::ROk(template.clone()),
            None => missing("job template", id),
        }
    }

    fn job_binary(&self, id: RStr<'_>) -> RResult<JobBinary, EngineError> {
        match self.records().binaries.get(id.as_str()) {
            Some((name, _)) => RResult::ROk(JobBinary {
                id: id.into(),
                name: name.as_str().into(),
                url: format!("internal-db://{id}").into(),
            }),
            None => missing("job binary", id),
        }
    }

    fn job_binary_data(&self, id: RStr<'_>) -> RResult<RVec<u8>, EngineError> {
        match self.records().binaries.get(id.as_str()) {
            Some((_, data)) => RResult::ROk(data.clone().into()),
            None => missing("job binary", id),
        }
    }

    fn data_source(&self, id: RStr<'_>) -> RResult<DataSource, EngineError> {
        missing("data source", id)
    }

    fn job_execution_status(&self, id: RStr<'_>) -> RResult<JobStatus, EngineError> {
        let status = self.records().statuses.get(id.as_str()).copied();
        RResult::ROk(status.unwrap_or(JobStatus::PENDING))
    }

    fn status_changed(&self, job_execution_id: RStr<'_>) {
        self.records().changed.push(job_execution_id.to_string());
    }

    fn now_millis(&self) -> i64 {
        let since_epoch = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        i64::try_from(since_epoch.as_millis()).unwrap_or(i64::MAX)
    }

    fn work_dir(&self) -> RString {
        self.work_dir.as_str().into()
    }
}

struct Fixture {
    _tmp: tempfile::TempDir,
    fake: FakeHost,
    engine: LocalEngine,
}

impl Fixture {
    fn new(config_json: &str) -> Self {
        let tmp = tempfile::tempdir().expect("tempdir");
        let fake =
            FakeHost { work_dir: tmp.path().to_str().expect("utf-8 temp dir").to_owned(), records: Arc::default() };
        let host = Host::from_services(fake.clone());
        let config = LocalConfig::parse(config_json).expect("config");
        Self { _tmp: tmp, engine: LocalEngine::new(config, host), fake }
    }

    /// A template `t-<name>` with main binaries `mains` (name, bytes).
    fn template(&self, name: &str, job_type: &str, mains: &[(&str, &[u8])]) -> String {
        let mut records = self.fake.records();
        let mut ids = RVec::new();
        for (index, (file, data)) in mains.iter().enumerate() {
            let id = format!("b-{name}-{index}");
            records.binaries.insert(id.clone(), ((*file).to_owned(), data.to_vec()));
            ids.push(RString::from(id));
        }
        let id = format!("t-{name}");
        records.templates.insert(
            id.clone(),
            JobTemplate {
                id: id.as_str().into(),
                name: name.into(),
                job_type: job_type.into(),
                mains: ids,
                libs: RVec::new(),
            },
        );
        id
    }

    fn set_status(&self, job_id: &str, status: JobStatus) {
        self.fake.records().statuses.insert(job_id.to_owned(), status);
    }

    fn changed(&self) -> Vec<String> {
        self.fake.records().changed.clone()
    }
}

fn job(id: &str, job_type: &str, template: &str, job_configs: &str) -> JobExecution {
    JobExecution {
        id: id.into(),
        job_type: job_type.into(),
        cluster_id: "local".into(),
        job_template_id: template.into(),
        input_id: ROption::RNone,
        output_id: ROption::RNone,
        engine_job_id: ROption::RNone,
        job_configs: job_configs.into(),
        extra: "{}".into(),
        engine_info: "{}".into(),
    }
}

/// The job as the host holds it after `run_job` answered `outcome`.
fn launched(mut job: JobExecution, outcome: &RunOutcome) -> JobExecution {
    job.engine_job_id = outcome.engine_job_id.clone();
    job
}

fn wait_for_status(engine: &LocalEngine, job: &JobExecution, want: JobStatus) -> StatusReport {
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let report = engine.get_job_status(job).expect("status").expect("a report");
        if report.status == want {
            return report;
        }
        assert!(Instant::now() < deadline, "still {} instead of {want}", report.status);
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn engine_id(outcome: &RunOutcome) -> EngineJobId {
    let text = outcome.engine_job_id.as_ref().into_option().expect("an engine job id");
    text.parse().expect("ours")
}

#[test]
fn run_job_launches_once_and_reports_the_outcome() {
    let fx = Fixture::new("{}");
    let template = fx.template("echo", "Shell", &[("run.sh", b"echo \"$1 $GREETING\"\n")]);
    let job = job("je-1", "Shell", &template, r#"{"args": ["hi"], "params": {"GREETING": "there"}}"#);
    fx.engine.validate_job_execution(&job).expect("valid");

    let outcome = fx.engine.run_job(&job).expect("launched");
    assert_eq!(outcome.status.into_option(), Some(JobStatus::RUNNING));
    let extra: Value = serde_json::from_str(outcome.extra.as_ref().into_option().expect("extra")).expect("json");
    assert_eq!(extra["pid"], engine_id(&outcome).pid);
    let stdout = extra["stdout"].as_str().expect("stdout path").to_owned();

    let job = launched(job, &outcome);
    let report = wait_for_status(&fx.engine, &job, JobStatus::SUCCEEDED);
    let info: Value = serde_json::from_str(&report.info).expect("json");
    assert_eq!(info["exit_code"], 0);
    assert_eq!(std::fs::read_to_string(stdout).expect("stdout"), "hi there\n");
    let deadline = Instant::now() + TIMEOUT;
    while fx.changed().is_empty() {
        assert!(Instant::now() < deadline, "status_changed was not called");
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(fx.changed(), ["je-1"]);

    // A retried run_job (the host restarted before recording the launch) launches nothing.
    let again = fx.engine.run_job(&job).expect("same launch");
    assert_eq!(again.engine_job_id, outcome.engine_job_id);
    assert_eq!(again.status.into_option(), Some(JobStatus::SUCCEEDED));
}

#[test]
fn a_job_cancelled_before_launch_never_starts() {
    let fx = Fixture::new("{}");
    let template = fx.template("t", "Shell", &[("run.sh", b"touch ran\n")]);
    let job = job("je-2", "Shell", &template, "{}");
    fx.set_status("je-2", JobStatus::TOBEKILLED);
    let outcome = fx.engine.run_job(&job).expect("answered");
    assert_eq!(outcome, RunOutcome::killed_before_launch());

    // A cancel that reaches the engine before run_job also wins.
    let other = self::job("je-3", "Shell", &template, "{}");
    let report = fx.engine.cancel_job(&other).expect("cancelled").expect("a report");
    assert_eq!(report.status, JobStatus::KILLED);
    assert_eq!(fx.engine.run_job(&other).expect("answered"), RunOutcome::killed_before_launch());
    let status = fx.engine.get_job_status(&other).expect("status").expect("a report");
    assert_eq!(status.status, JobStatus::KILLED);
}

#[test]
fn cancel_job_stops_a_running_job() {
    let fx = Fixture::new(r#"{"grace_period_secs": 1}"#);
    let template = fx.template("sleepy", "Shell", &[("run.sh", b"sleep 1000 & wait\n")]);
    let job = job("je-4", "Shell", &template, "{}");
    let outcome = fx.engine.run_job(&job).expect("launched");
    let id = engine_id(&outcome);
    let job = launched(job, &outcome);
    assert_eq!(wait_for_status(&fx.engine, &job, JobStatus::RUNNING).status, JobStatus::RUNNING);

    let deadline = Instant::now() + TIMEOUT;
    let report = loop {
        if let Some(report) = fx.engine.cancel_job(&job).expect("cancel") {
            break report;
        }
        assert!(Instant::now() < deadline, "the job did not stop");
    };
    assert_eq!(report.status, JobStatus::KILLED);
    assert!(!process::group_alive(id.pid));
    assert_eq!(wait_for_status(&fx.engine, &job, JobStatus::KILLED).status, JobStatus::KILLED);
}

#[test]
fn validation_rejects_what_cannot_run() {
    let fx = Fixture::new("{}");
    let shell = fx.template("s", "Shell", &[("run.sh", b"true\n")]);
    let empty = fx.template("e", "Shell", &[]);
    let java = fx.template("j", "Java", &[]);
    let cases = [
        (job("je-5", "Pig", &shell, "{}"), ErrorKind::NOT_SUPPORTED),
        (job("../x", "Shell", &shell, "{}"), ErrorKind::INVALID_JOB),
        (job("je-5", "Shell", &empty, "{}"), ErrorKind::INVALID_JOB),
        (job("je-5", "Java", &java, "{}"), ErrorKind::INVALID_JOB),
        (job("je-5", "Shell", "t-none", "{}"), ErrorKind::NOT_FOUND),
    ];
    for (job, kind) in cases {
        let err = fx.engine.validate_job_execution(&job).expect_err("rejected");
        assert_eq!(err.kind, kind, "{job:?}");
    }
    let ok = job("je-5", "Java", &java, r#"{"configs": {"edp.java.main_class": "Main"}}"#);
    fx.engine.validate_job_execution(&ok).expect("valid");
}

#[test]
fn unsafe_binary_names_and_unknown_jobs_are_refused() {
    let fx = Fixture::new("{}");
    let template = fx.template("evil", "Shell", &[("../escape.sh", b"true\n")]);
    let err = fx.engine.run_job(&job("je-6", "Shell", &template, "{}")).expect_err("refused");
    assert_eq!(err.kind, ErrorKind::INVALID_JOB);

    let err = fx.engine.get_job_status(&job("je-7", "Shell", &template, "{}")).expect_err("none");
    assert_eq!(err.kind, ErrorKind::NOT_FOUND);
}
