//! Tests of [`SparkEngine`]'s verbs without a Spark: a fake `HostServices` and a scripted
//! fake of the master's REST server (the real one is exercised by `tests/spark`), and a fake
//! spark-submit that records its arguments.

use std::collections::HashMap;
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpListener;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use edp_plugin_api::abi_stable::std_types::{ROption, RResult, RStr, RString, RVec};
use edp_plugin_api::{
    ClusterRecord, DataSource, Engine, EngineError, ErrorKind, Host, HostServices, JobBinary, JobExecution, JobStatus,
    JobTemplate, LogLevel, LogRecord, RunOutcome,
};
use serde_json::{Value, json};

use crate::SparkEngine;
use crate::config::SparkConfig;

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[derive(Default)]
struct Records {
    clusters: HashMap<String, ClusterRecord>,
    templates: HashMap<String, JobTemplate>,
    binaries: HashMap<String, (String, Vec<u8>)>,
    statuses: HashMap<String, JobStatus>,
}

/// The host's services over in-memory records.
#[derive(Clone)]
struct FakeHost {
    work_dir: String,
    records: Arc<Mutex<Records>>,
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
        lock(&self.records).clusters.get(id.as_str()).cloned().map_or_else(|| missing("cluster", id), RResult::ROk)
    }

    fn job_template(&self, id: RStr<'_>) -> RResult<JobTemplate, EngineError> {
        lock(&self.records).templates.get(id.as_str()).cloned().map_or_else(|| missing("template", id), RResult::ROk)
    }

    fn job_binary(&self, id: RStr<'_>) -> RResult<JobBinary, EngineError> {
        match lock(&self.records).binaries.get(id.as_str()) {
            Some((name, _)) => RResult::ROk(JobBinary {
                id: id.into(),
                name: name.as_str().into(),
                url: format!("internal-db://{id}").into(),
            }),
            None => missing("job binary", id),
        }
    }

    fn job_binary_data(&self, id: RStr<'_>) -> RResult<RVec<u8>, EngineError> {
        match lock(&self.records).binaries.get(id.as_str()) {
            Some((_, data)) => RResult::ROk(data.clone().into()),
            None => missing("job binary", id),
        }
    }

    fn data_source(&self, id: RStr<'_>) -> RResult<DataSource, EngineError> {
        missing("data source", id)
    }

    fn job_execution_status(&self, id: RStr<'_>) -> RResult<JobStatus, EngineError> {
        RResult::ROk(lock(&self.records).statuses.get(id.as_str()).copied().unwrap_or(JobStatus::PENDING))
    }

    fn status_changed(&self, _job_execution_id: RStr<'_>) {}

    fn now_millis(&self) -> i64 {
        let since_epoch = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        i64::try_from(since_epoch.as_millis()).unwrap_or(i64::MAX)
    }

    fn work_dir(&self) -> RString {
        self.work_dir.as_str().into()
    }
}

/// The fake master's scripted state.
#[derive(Default)]
struct MasterState {
    /// Create requests received.
    creates: Vec<Value>,
    /// An answer to give to the next create instead of accepting it: (HTTP status, body).
    refuse_next: Option<(u16, Value)>,
    /// The driver state the status answer reports; `None`: the master does not know it.
    state: Option<&'static str>,
    /// Kill requests received.
    kills: usize,
    /// Whether a kill changes the state to KILLED (a real master does; this one may not).
    honour_kill: bool,
}

/// A scripted fake of the REST submission server, on a free port.
struct FakeMaster {
    url: String,
    state: Arc<Mutex<MasterState>>,
}

impl FakeMaster {
    fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let state = Arc::new(Mutex::new(MasterState { honour_kill: true, ..MasterState::default() }));
        let shared = Arc::clone(&state);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let mut reader = BufReader::new(stream.try_clone().expect("clone"));
                let mut request_line = String::new();
                if reader.read_line(&mut request_line).is_err() {
                    continue;
                }
                let mut length = 0;
                loop {
                    let mut header = String::new();
                    if reader.read_line(&mut header).unwrap_or(0) == 0 || header == "\r\n" {
                        break;
                    }
                    if let Some(value) = header.to_ascii_lowercase().strip_prefix("content-length:") {
                        length = value.trim().parse().unwrap_or(0);
                    }
                }
                let mut body = vec![0; length];
                let _ = reader.read_exact(&mut body);
                let (status, answer) = answer(&shared, &request_line, &body);
                let text = answer.to_string();
                let mut stream = stream;
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}",
                    text.len()
                );
            }
        });
        Self { url, state }
    }

    fn state(&self) -> MutexGuard<'_, MasterState> {
        lock(&self.state)
    }
}

fn answer(shared: &Mutex<MasterState>, request_line: &str, body: &[u8]) -> (u16, Value) {
    let mut state = lock(shared);
    let path = request_line.split_whitespace().nth(1).unwrap_or_default();
    if path == "/v1/submissions/create" {
        if let Some(refusal) = state.refuse_next.take() {
            return refusal;
        }
        state.creates.push(serde_json::from_slice(body).unwrap_or(Value::Null));
        state.state = Some("RUNNING");
        return (200, json!({"action": "CreateSubmissionResponse", "success": true, "submissionId": "driver-1"}));
    }
    if path.starts_with("/v1/submissions/kill/") {
        state.kills += 1;
        if state.honour_kill && state.state.is_some() {
            state.state = Some("KILLED");
        }
        return (
            200,
            json!({"action": "KillSubmissionResponse", "success": true, "message": "Kill request submitted"}),
        );
    }
    if path.starts_with("/v1/submissions/status/") {
        return match state.state {
            Some(driver_state) => (
                200,
                json!({"action": "SubmissionStatusResponse", "success": true, "driverState": driver_state,
                       "submissionId": "driver-1"}),
            ),
            None => (200, json!({"action": "SubmissionStatusResponse", "success": false, "submissionId": "driver-1"})),
        };
    }
    (404, json!({"message": "no such page"}))
}

struct Fixture {
    _tmp: tempfile::TempDir,
    fake: FakeHost,
    engine: SparkEngine,
}

impl Fixture {
    fn new(config_json: &str) -> Self {
        let tmp = tempfile::tempdir().expect("tempdir");
        let fake = FakeHost { work_dir: tmp.path().display().to_string(), records: Arc::default() };
        let config = SparkConfig::parse(config_json).expect("config");
        Self { engine: SparkEngine::new(config, Host::from_services(fake.clone())), fake, _tmp: tmp }
    }

    fn cluster(&self, id: &str, info: Value) {
        let cluster = ClusterRecord {
            id: id.into(),
            name: id.into(),
            cluster_type: "spark".into(),
            version: "4.3.0".into(),
            status: "Active".into(),
            info: info.to_string().into(),
        };
        lock(&self.fake.records).clusters.insert(id.to_owned(), cluster);
    }

    fn template(&self, id: &str, job_type: &str, mains: &[(&str, &[u8])]) {
        let mut records = lock(&self.fake.records);
        let mut ids = RVec::new();
        for (index, (name, data)) in mains.iter().enumerate() {
            let binary = format!("{id}-{index}");
            records.binaries.insert(binary.clone(), ((*name).to_owned(), data.to_vec()));
            ids.push(RString::from(binary));
        }
        let template =
            JobTemplate { id: id.into(), name: id.into(), job_type: job_type.into(), mains: ids, libs: RVec::new() };
        records.templates.insert(id.to_owned(), template);
    }

    fn set_status(&self, job: &str, status: JobStatus) {
        lock(&self.fake.records).statuses.insert(job.to_owned(), status);
    }
}

fn job(id: &str, job_type: &str, template: &str, cluster: &str, job_configs: Value) -> JobExecution {
    JobExecution {
        id: id.into(),
        job_type: job_type.into(),
        cluster_id: cluster.into(),
        job_template_id: template.into(),
        input_id: ROption::RNone,
        output_id: ROption::RNone,
        engine_job_id: ROption::RNone,
        job_configs: job_configs.to_string().into(),
        extra: "{}".into(),
        engine_info: "{}".into(),
    }
}

fn launched(mut job: JobExecution, outcome: &RunOutcome) -> JobExecution {
    job.engine_job_id = outcome.engine_job_id.clone();
    job
}

/// A fixture with a REST cluster `rest` on `master` and a Spark jar template `jar`.
fn rest_fixture(master: &FakeMaster) -> Fixture {
    let fx = Fixture::new("{}");
    fx.cluster(
        "rest",
        json!({"spark_master": "spark://127.0.0.1:7077", "spark_launch_mode": "rest", "spark_rest_url": master.url}),
    );
    fx.template("jar", "Spark", &[("app.jar", b"PK")]);
    fx
}

fn jar_configs() -> Value {
    json!({"configs": {"edp.java.main_class": "demo.Main", "spark.driver.memory": "512m"}, "args": ["a", "b c"]})
}

#[test]
fn a_rest_job_is_submitted_once_as_sparks_own_client_does() {
    let master = FakeMaster::start();
    let fx = rest_fixture(&master);
    let job = job("je-1", "Spark", "jar", "rest", jar_configs());
    fx.engine.validate_job_execution(&job).expect("valid");
    let outcome = fx.engine.run_job(&job).expect("submitted");
    let engine_job_id = outcome.engine_job_id.as_ref().into_option().expect("an id").to_string();
    assert_eq!(engine_job_id, format!("driver-1@{}", master.url));
    assert_eq!(outcome.status.into_option(), Some(JobStatus::RUNNING));

    let again = fx.engine.run_job(&job).expect("answered");
    assert_eq!(again.engine_job_id, outcome.engine_job_id, "a retried run_job submits nothing");
    let creates = master.state().creates.clone();
    assert_eq!(creates.len(), 1);
    let request = &creates[0];
    assert_eq!(request["action"], "CreateSubmissionRequest");
    assert_eq!(request["mainClass"], "demo.Main");
    assert_eq!(request["appArgs"], json!(["a", "b c"]));
    assert!(request["appResource"].as_str().expect("resource").ends_with("/je-1/app.jar"), "{request}");
    assert_eq!(request["sparkProperties"]["spark.master"], "spark://127.0.0.1:7077");
    assert_eq!(request["sparkProperties"]["spark.submit.deployMode"], "cluster");
    assert_eq!(request["sparkProperties"]["spark.driver.memory"], "512m");

    let job = launched(job, &outcome);
    master.state().state = Some("FINISHED");
    let report = fx.engine.get_job_status(&job).expect("status").expect("a report");
    assert_eq!(report.status, JobStatus::SUCCEEDED);
}

#[test]
fn a_refused_submission_is_an_invalid_job_and_nothing_is_left_half_done() {
    let master = FakeMaster::start();
    let fx = rest_fixture(&master);
    master.state().refuse_next = Some((
        400,
        json!({"action": "ErrorResponse", "message": "Validation of message CreateSubmissionRequest failed!"}),
    ));
    let job = job("je-2", "Spark", "jar", "rest", jar_configs());
    let err = fx.engine.run_job(&job).expect_err("refused");
    assert_eq!(err.kind, ErrorKind::INVALID_JOB);
    assert!(err.message.contains("Validation of message"), "{err}");
    // Refused means not submitted: a new attempt may submit.
    let outcome = fx.engine.run_job(&job).expect("submitted");
    assert!(outcome.engine_job_id.is_some());
    assert_eq!(master.state().creates.len(), 1);
}

#[test]
fn a_submission_whose_answer_was_lost_is_not_sent_twice() {
    let master = FakeMaster::start();
    let fx = rest_fixture(&master);
    let dir = edp_process_supervisor::workdir::JobDir::new(std::path::Path::new(&fx.fake.work_dir), "je-3")
        .expect("valid id");
    dir.create().expect("dir");
    std::fs::write(dir.state_file("submitting"), "1795897822503").expect("marker");
    let err = fx.engine.run_job(&job("je-3", "Spark", "jar", "rest", jar_configs())).expect_err("not resent");
    assert!(err.message.contains("not sent twice"), "{err}");
    assert!(master.state().creates.is_empty());
}

#[test]
fn a_cancel_before_submission_wins_and_tobekilled_stops_the_submit() {
    let master = FakeMaster::start();
    let fx = rest_fixture(&master);
    let early = job("je-4", "Spark", "jar", "rest", jar_configs());
    let report = fx.engine.cancel_job(&early).expect("cancelled").expect("a report");
    assert_eq!(report.status, JobStatus::KILLED);
    assert_eq!(fx.engine.run_job(&early).expect("answered"), RunOutcome::killed_before_launch());
    assert_eq!(fx.engine.get_job_status(&early).expect("status").expect("report").status, JobStatus::KILLED);

    fx.set_status("je-5", JobStatus::TOBEKILLED);
    let outcome = fx.engine.run_job(&job("je-5", "Spark", "jar", "rest", jar_configs())).expect("answered");
    assert_eq!(outcome, RunOutcome::killed_before_launch());
    assert!(master.state().creates.is_empty(), "nothing reached the master");
}

#[test]
fn a_kill_acknowledgement_is_not_trusted_and_a_forgotten_driver_is_killed_only_after_a_cancel() {
    let master = FakeMaster::start();
    let fx = rest_fixture(&master);
    let job = job("je-6", "Spark", "jar", "rest", jar_configs());
    let outcome = fx.engine.run_job(&job).expect("submitted");
    let job = launched(job, &outcome);

    master.state().honour_kill = false;
    assert_eq!(fx.engine.cancel_job(&job).expect("asked"), None, "acknowledged, but still RUNNING: not yet");
    assert_eq!(master.state().kills, 1);

    master.state().state = None;
    let report = fx.engine.cancel_job(&job).expect("asked").expect("a report");
    assert_eq!(report.status, JobStatus::KILLED, "unknown to the master after a cancel request");

    let other = launched(self::job("je-7", "Spark", "jar", "rest", jar_configs()), &outcome);
    let report = fx.engine.get_job_status(&other).expect("status").expect("a report");
    assert_eq!(report.status, JobStatus::FAILED, "unknown without a cancel request");
}

#[test]
fn an_unreachable_master_is_unavailable_for_status_and_nothing_changes() {
    let master = FakeMaster::start();
    let fx = rest_fixture(&master);
    let port = TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("address").port();
    let mut job = job("je-8", "Spark", "jar", "rest", jar_configs());
    job.engine_job_id = ROption::RSome(format!("driver-9@http://127.0.0.1:{port}").into());
    let err = fx.engine.get_job_status(&job).expect_err("unreachable");
    assert_eq!(err.kind, ErrorKind::UNAVAILABLE);
}

#[test]
fn spark_submit_gets_every_value_as_its_own_argument() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let fake_submit = tmp.path().join("spark-submit");
    std::fs::write(
        &fake_submit,
        "#!/bin/sh\nfor arg in \"$@\"; do printf '[%s]\\n' \"$arg\"; done\necho \"home=$SPARK_HOME\"\n",
    )
    .expect("write");
    std::fs::set_permissions(&fake_submit, std::os::unix::fs::PermissionsExt::from_mode(0o755)).expect("chmod");
    let config = json!({"spark_submit": fake_submit, "spark_home": "/opt/spark", "conf": {"spark.ui.enabled": false}});
    let fx = Fixture::new(&config.to_string());
    fx.cluster("local", json!({"spark_master": "local[1]"}));
    fx.template("jar", "Spark", &[("app.jar", b"PK")]);
    let job = job("je-9", "Spark", "jar", "local", jar_configs());
    let outcome = fx.engine.run_job(&job).expect("launched");
    let job = launched(job, &outcome);
    let deadline = Instant::now() + Duration::from_secs(20);
    let report = loop {
        let report = fx.engine.get_job_status(&job).expect("status").expect("a report");
        if report.status.is_terminal() || Instant::now() > deadline {
            break report;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(report.status, JobStatus::SUCCEEDED);
    let extra: Value = serde_json::from_str(outcome.extra.as_ref().into_option().expect("extra")).expect("json");
    let stdout = std::fs::read_to_string(extra["stdout"].as_str().expect("stdout")).expect("stdout");
    let app = format!("{}/je-9/app.jar", fx.fake.work_dir);
    let expected = [
        "--master",
        "local[1]",
        "--deploy-mode",
        "client",
        "--name",
        "edp-je-9",
        "--class",
        "demo.Main",
        "--conf",
        "spark.driver.memory=512m",
        "--conf",
        "spark.ui.enabled=false",
        &app,
        "a",
        "b c",
    ];
    let lines: Vec<String> = expected.iter().map(|arg| format!("[{arg}]")).collect();
    assert_eq!(stdout, format!("{}\nhome=/opt/spark\n", lines.join("\n")));
}
