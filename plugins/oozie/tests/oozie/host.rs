//! End to end: the real plugin library (built with cargo) loaded by the host, driven by the
//! job manager over a SQLite store, against the fake Oozie and WebHDFS that the cluster's info
//! points at.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use edp_host::config::Config;
use edp_host::manager::{JobManager, NewExecution, StoreContext, now_millis};
use edp_host::plugins::EngineRegistry;
use edp_host::routing::RouteTable;
use edp_host::store::{
    ClusterRecordRow, DataSourceRow, JobBinaryRow, JobExecutionRow, JobTemplateRow, SqliteStore, Store,
};
use edp_plugin_api::JobStatus;
use serde_json::{Value, json};
use tokio::sync::watch;

use crate::fake::{Fake, FaultKind, NAME_NODE, Role};
use crate::support::{iso, profile_dir, wait_until};

const WAIT: Duration = Duration::from_secs(20);

/// Builds the plugin library once per test run, as a third party would, and returns its path.
fn engine_library() -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let profile = profile_dir();
            let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join("..");
            let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
            command.current_dir(workspace).args(["build", "-p", "edp-engine-oozie"]);
            if profile.file_name().is_some_and(|name| name == "release") {
                command.arg("--release");
            }
            let output = command.output().expect("run cargo build");
            assert!(
                output.status.success(),
                "building the oozie engine library failed:\n{}",
                String::from_utf8_lossy(&output.stderr)
            );
            let library = profile.join(format!(
                "{}edp_engine_oozie{}",
                std::env::consts::DLL_PREFIX,
                std::env::consts::DLL_SUFFIX
            ));
            assert!(library.is_file(), "cargo built no {}", library.display());
            library
        })
        .clone()
}

/// A host with one Hadoop cluster whose info points at a fake Oozie.
struct Hadoop {
    fake: Fake,
    runtime: tokio::runtime::Runtime,
    store: Arc<SqliteStore>,
    manager: JobManager,
    cluster: String,
    poller: Option<watch::Sender<bool>>,
    _dir: tempfile::TempDir,
}

fn stamp() -> i64 {
    now_millis()
}

impl Hadoop {
    /// `cluster_type` is routed to the oozie engine (as plugins.toml does for vanilla and cdh).
    fn new(cluster_type: &str) -> Self {
        let fake = Fake::start();
        let dir = tempfile::tempdir().expect("temp dir");
        let text = format!(
            r#"[host]
data_dir = "data"
plugin_dirs = []
cancel_timeout_secs = 10
cancel_retry_secs = 0.05
poll_interval_secs = 0.2
missing_cluster_grace_secs = 60

[engines.oozie]
library = {library:?}

[engines.oozie.config]
resource_manager = "resourcemanager.fake:8032"
connect_timeout_secs = 2
read_timeout_secs = 3
retry_backoff_secs = 0.05

[engines.oozie.timeout_secs]
default = 20

[[routes]]
cluster_type = "vanilla"
engine = "oozie"

[[routes]]
cluster_type = "cdh"
engine = "oozie"
"#,
            library = engine_library().display().to_string()
        );
        let path = dir.path().join("plugins.toml");
        std::fs::write(&path, text).expect("write plugins.toml");
        let config = Config::load(&path).unwrap_or_else(|err| panic!("{err}"));
        let store = Arc::new(SqliteStore::open(&config.host.data_dir.join("edp.sqlite")).expect("store opens"));
        let runtime =
            tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
        let manager = runtime.block_on(async {
            let (context, notifications) = StoreContext::new(store.clone());
            let registry =
                EngineRegistry::load(&config, Arc::new(context)).unwrap_or_else(|errors| panic!("{errors:?}"));
            let routes = RouteTable::build(&config.routes, &registry).unwrap_or_else(|errors| panic!("{errors:?}"));
            let manager =
                JobManager::new(store.clone(), Arc::new(registry), Arc::new(routes), config.host.manager.clone());
            manager.spawn_notification_listener(notifications);
            manager
        });
        let info = json!({
            "oozie_url": fake.oozie_url(),
            "webhdfs_url": fake.webhdfs_url(),
            "name_node": NAME_NODE,
            "hdfs_user": "hadoop"
        });
        let cluster = ClusterRecordRow {
            id: uuid(),
            project: "p1".into(),
            name: format!("hadoop-{cluster_type}"),
            description: String::new(),
            cluster_type: cluster_type.into(),
            version: "2.7.1".into(),
            status: "Active".into(),
            info: info.as_object().cloned().unwrap_or_default(),
            is_public: false,
            is_protected: false,
            created_at: stamp(),
            updated_at: stamp(),
        };
        store.insert_cluster(&cluster).expect("insert cluster");
        Self { fake, runtime, store, manager, cluster: cluster.id, poller: None, _dir: dir }
    }

    /// Starts the host's poller (every 0.2 s).
    fn start_poller(&mut self) {
        let (stop, stopped) = watch::channel(false);
        let _entered = self.runtime.enter();
        self.manager.spawn_poller(stopped);
        self.poller = Some(stop);
    }

    /// A template of `job_type` with internal binaries given as (name, bytes).
    fn template(&self, job_type: &str, mains: &[(&str, &[u8])], libs: &[(&str, &[u8])]) -> String {
        let store_binaries = |files: &[(&str, &[u8])]| -> Vec<String> {
            files
                .iter()
                .map(|(name, bytes)| {
                    let id = uuid();
                    let row = JobBinaryRow {
                        id: id.clone(),
                        project: "p1".into(),
                        name: (*name).into(),
                        description: String::new(),
                        url: format!("internal-db://{id}"),
                        is_public: false,
                        is_protected: false,
                        created_at: stamp(),
                        updated_at: stamp(),
                    };
                    self.store.insert_job_binary(&row, Some(bytes)).expect("insert binary");
                    id
                })
                .collect()
        };
        let template = JobTemplateRow {
            id: uuid(),
            project: "p1".into(),
            name: format!("{}-{}", job_type.to_lowercase().replace('.', "-"), &uuid()[..8]),
            description: String::new(),
            job_type: job_type.into(),
            mains: store_binaries(mains),
            libs: store_binaries(libs),
            interface: Value::Array(Vec::new()),
            is_public: false,
            is_protected: false,
            created_at: stamp(),
            updated_at: stamp(),
        };
        self.store.insert_job_template(&template).expect("insert template");
        template.id
    }

    fn data_source(&self, url: &str) -> String {
        let source = DataSourceRow {
            id: uuid(),
            project: "p1".into(),
            name: format!("ds-{}", &uuid()[..8]),
            description: String::new(),
            kind: "hdfs".into(),
            url: url.into(),
            is_public: false,
            is_protected: false,
            created_at: stamp(),
            updated_at: stamp(),
        };
        self.store.insert_data_source(&source).expect("insert data source");
        source.id
    }

    fn submit(&self, template: &str, job_configs: Value, sources: Option<(&str, &str)>) -> JobExecutionRow {
        self.runtime
            .block_on(self.manager.submit(NewExecution {
                project: "p1".into(),
                job_template_id: template.into(),
                cluster_id: self.cluster.clone(),
                input_id: sources.map(|(input, _)| input.to_owned()),
                output_id: sources.map(|(_, output)| output.to_owned()),
                job_configs,
                is_public: false,
                is_protected: false,
            }))
            .unwrap_or_else(|err| panic!("submit: {err}"))
    }

    fn row(&self, id: &str) -> JobExecutionRow {
        self.store.job_execution(id).expect("read").expect("exists")
    }

    fn wait_for(&self, id: &str, what: &str, condition: impl Fn(&JobExecutionRow) -> bool) -> JobExecutionRow {
        let held = wait_until(WAIT, || condition(&self.row(id)));
        let row = self.row(id);
        assert!(held, "{id} never became {what}: {row:#?}");
        row
    }

    /// Waits until the launch recorded an Oozie job, then asks for its status (as a client's
    /// `refresh_status=true` does) until the record has RUNNING and Oozie's job info.
    fn wait_running(&self, id: &str) -> (JobExecutionRow, String) {
        self.wait_for(id, "launched", |row| row.engine_job_id.is_some());
        let row = self.wait_for(id, "RUNNING with Oozie's job info", |_| {
            let row = self.runtime.block_on(self.manager.refresh(id)).unwrap_or_else(|err| panic!("refresh: {err}"));
            row.status == JobStatus::RUNNING && row.engine_info.get("appName").is_some()
        });
        let oozie_id = row.engine_job_id.clone().expect("an Oozie job id");
        (row, oozie_id)
    }
}

impl Drop for Hadoop {
    fn drop(&mut self) {
        if let Some(stop) = self.poller.take() {
            let _ = stop.send(true);
        }
    }
}

fn uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

fn workflow_dir(row: &JobExecutionRow) -> String {
    row.extra.get("workflow_dir").and_then(Value::as_str).expect("the launch recorded its workflow dir").to_owned()
}

fn configs(configs: Value) -> Value {
    json!({"configs": configs, "params": {}, "args": []})
}

#[test]
fn a_pig_job_runs_to_succeeded_and_a_mapreduce_job_to_failed() {
    let mut hadoop = Hadoop::new("vanilla");
    hadoop.start_poller();
    let pig = hadoop.template("Pig", &[("wordcount.pig", b"A = LOAD '$INPUT';")], &[("udf.jar", b"PK")]);
    let input = hadoop.data_source(&format!("{NAME_NODE}/user/hadoop/input"));
    let output = hadoop.data_source(&format!("{NAME_NODE}/user/hadoop/output-%JOB_EXEC_ID%"));
    let row = hadoop.submit(&pig, configs(json!({})), Some((&input, &output)));
    assert_eq!(row.engine, "oozie");
    let (running, oozie_id) = hadoop.wait_running(&row.id);
    assert_eq!(running.engine_info["id"], oozie_id.as_str());
    assert_eq!(running.engine_info["appName"], format!("edp-{}", row.id));
    let dir = workflow_dir(&running);
    let workflow = String::from_utf8(hadoop.fake.file(&format!("{dir}/workflow.xml")).expect("staged")).expect("utf-8");
    assert!(
        workflow.contains(&format!("<param>OUTPUT={NAME_NODE}/user/hadoop/output-{}</param>", row.id)),
        "the host expanded the data source's placeholder: {workflow}"
    );
    hadoop.fake.set_status(&oozie_id, "SUCCEEDED");
    let done = hadoop.wait_for(&row.id, "terminal (through the poller)", |row| row.status.is_terminal());
    assert_eq!(done.status, JobStatus::SUCCEEDED);
    assert!(done.end_time.is_some() && done.start_time.is_some());
    assert_eq!(done.engine_info["status"], "SUCCEEDED");
    assert!(!hadoop.fake.exists(&dir), "the staged directory was cleaned up");

    let mapreduce = hadoop.template("MapReduce", &[], &[("app.jar", b"PK")]);
    let output = hadoop.data_source(&format!("{NAME_NODE}/user/hadoop/mr-out-%JOB_EXEC_ID%"));
    let row = hadoop.submit(
        &mapreduce,
        configs(json!({"fake.script": "RUNNING:300ms,FAILED", "mapreduce.job.map.class": "org.example.Map"})),
        Some((&input, &output)),
    );
    let failed = hadoop.wait_for(&row.id, "terminal", |row| row.status.is_terminal());
    assert_eq!(failed.status, JobStatus::FAILED);
    assert_eq!(failed.engine_info["actions"][1]["errorCode"], "JA018", "{:?}", failed.engine_info);
}

#[test]
fn cancel_while_running_kills_the_oozie_job() {
    let hadoop = Hadoop::new("cdh");
    let java = hadoop.template("Java", &[], &[("app.jar", b"PK")]);
    let row = hadoop.submit(&java, configs(json!({"edp.java.main_class": "org.example.Main"})), None);
    let (_, oozie_id) = hadoop.wait_running(&row.id);
    let cancelled = hadoop.runtime.block_on(hadoop.manager.cancel(&row.id)).expect("cancelled");
    assert_eq!(cancelled.status, JobStatus::KILLED);
    assert_eq!(cancelled.engine_info["status"], "KILLED");
    let oozie_job = hadoop.fake.job(&oozie_id).expect("the job");
    assert_eq!(oozie_job.status, "KILLED");
    assert!(oozie_job.controls.contains(&"kill".to_owned()));
}

#[test]
fn cancel_between_submit_and_start_kills_the_job_before_it_ever_starts() {
    let hadoop = Hadoop::new("vanilla");
    // Oozie accepts the submission at once but its answer takes 2 s: the engine sits between
    // submit and start while the cancel arrives.
    hadoop.fake.inject(Role::Oozie, "POST", "/v2/jobs", 1, FaultKind::DelayAfter(Duration::from_secs(2)));
    let java = hadoop.template("Java", &[], &[("app.jar", b"PK")]);
    let row = hadoop.submit(&java, configs(json!({"edp.java.main_class": "org.example.Main"})), None);
    let app_name = format!("edp-{}", row.id);
    assert!(
        wait_until(WAIT, || hadoop.fake.job_named(&app_name).is_some_and(|job| job.status == "PREP")),
        "the job was never submitted"
    );
    let cancelled = hadoop.runtime.block_on(hadoop.manager.cancel(&row.id)).expect("cancelled");
    assert_eq!(cancelled.status, JobStatus::KILLED);
    // The launch comes back from its slow submission, sees the cancel, and kills instead of
    // starting: a second kill, and never a start.
    let kills = |job: &crate::fake::FakeJob| job.controls.iter().filter(|c| *c == "kill").count();
    assert!(
        wait_until(WAIT, || hadoop.fake.job_named(&app_name).is_some_and(|job| kills(&job) >= 2)),
        "the launch never finished: {:?}",
        hadoop.fake.job_named(&app_name)
    );
    let oozie_job = hadoop.fake.job_named(&app_name).expect("the job");
    assert_eq!(oozie_job.status, "KILLED");
    assert_eq!(oozie_job.starts, 0, "controls: {:?}", oozie_job.controls);
    assert!(!oozie_job.controls.contains(&"start".to_owned()), "{:?}", oozie_job.controls);
    assert!(oozie_job.started.is_none());
    assert_eq!(hadoop.row(&row.id).status, JobStatus::KILLED);
}

#[test]
fn suspend_and_resume_through_the_host() {
    let hadoop = Hadoop::new("vanilla");
    let shell = hadoop.template("Shell", &[("run.sh", b"#!/bin/sh\nsleep 600\n")], &[]);
    let row = hadoop.submit(&shell, json!({"configs": {}, "params": {"N": "1"}, "args": ["x"]}), None);
    let (_, oozie_id) = hadoop.wait_running(&row.id);
    let suspended = hadoop.runtime.block_on(hadoop.manager.suspend(&row.id)).expect("suspended");
    assert_eq!(suspended.status, JobStatus::SUSPENDED);
    assert_eq!(hadoop.fake.job(&oozie_id).expect("job").status, "SUSPENDED");
    let resumed = hadoop.runtime.block_on(hadoop.manager.resume(&row.id)).expect("resumed");
    assert_eq!(resumed.status, JobStatus::RUNNING);
    assert_eq!(hadoop.fake.job(&oozie_id).expect("job").status, "RUNNING");
    let cancelled = hadoop.runtime.block_on(hadoop.manager.cancel(&row.id)).expect("cancelled");
    assert_eq!(cancelled.status, JobStatus::KILLED);
}

#[test]
fn oozie_down_or_failing_gives_clear_errors_and_the_poller_recovers_when_it_is_back() {
    let mut hadoop = Hadoop::new("vanilla");
    let java = hadoop.template("Java", &[], &[("app.jar", b"PK")]);
    let java_configs = configs(json!({"edp.java.main_class": "org.example.Main"}));

    // A submission Oozie answers with a 500: FAILED at once, with Oozie's error.
    hadoop.fake.inject(Role::Oozie, "POST", "/v2/jobs", 1, FaultKind::Status(500));
    let row = hadoop.submit(&java, java_configs.clone(), None);
    let failed = hadoop.wait_for(&row.id, "terminal", |row| row.status.is_terminal());
    assert_eq!(failed.status, JobStatus::FAILED);
    let error = failed.engine_info["error"].as_str().expect("an error").to_owned();
    assert!(error.contains("HTTP 500 E0603"), "{error}");
    assert!(failed.end_time.is_some(), "not stuck");

    // Oozie down: the launch fails, naming the server it could not reach.
    hadoop.fake.stop(Role::Oozie);
    let row = hadoop.submit(&java, java_configs.clone(), None);
    let failed = hadoop.wait_for(&row.id, "terminal", |row| row.status.is_terminal());
    assert_eq!(failed.status, JobStatus::FAILED);
    let error = failed.engine_info["error"].as_str().expect("an error").to_owned();
    assert!(error.contains("cannot reach oozie") && error.contains(&hadoop.fake.oozie_url()), "{error}");
    hadoop.fake.restart(Role::Oozie);

    // A running job whose Oozie goes away, and its job ends meanwhile.
    let row = hadoop.submit(&java, java_configs, None);
    let (_, oozie_id) = hadoop.wait_running(&row.id);
    hadoop.fake.stop(Role::Oozie);
    hadoop.fake.set_status(&oozie_id, "SUCCEEDED");
    let stats = hadoop.runtime.block_on(hadoop.manager.poll_pass()).expect("a poll pass");
    assert_eq!((stats.asked, stats.failed), (1, 1), "{stats:?}");
    assert_eq!(hadoop.row(&row.id).status, JobStatus::RUNNING, "an unreachable Oozie changes nothing");
    // Back, but answering 500s (more than the retries): still nothing changes.
    hadoop.fake.restart(Role::Oozie);
    hadoop.fake.inject(Role::Oozie, "GET", &oozie_id, 3, FaultKind::Status(500));
    let stats = hadoop.runtime.block_on(hadoop.manager.poll_pass()).expect("a poll pass");
    assert_eq!(stats.failed, 1, "{stats:?}");
    assert_eq!(hadoop.row(&row.id).status, JobStatus::RUNNING);
    // Healthy again: the poller picks the end up.
    hadoop.start_poller();
    let done = hadoop.wait_for(&row.id, "terminal", |row| row.status.is_terminal());
    assert_eq!(done.status, JobStatus::SUCCEEDED);
}

#[test]
fn a_scheduled_job_runs_as_a_coordinator_and_can_be_cancelled() {
    let hadoop = Hadoop::new("vanilla");
    let java = hadoop.template("Java", &[], &[("app.jar", b"PK")]);
    let minute = crate::support::now_minute();
    let job_configs = json!({
        "configs": {"edp.java.main_class": "org.example.Main"},
        "args": [],
        "job_execution_info": {"job_execution_type": "scheduled", "start": iso(minute + 2), "end": iso(minute + 120), "frequency": 30}
    });
    let row = hadoop.submit(&java, job_configs, None);
    let scheduled = hadoop.wait_for(&row.id, "launched", |row| row.engine_job_id.is_some());
    let oozie_id = scheduled.engine_job_id.clone().expect("id");
    assert!(oozie_id.ends_with("-C"), "{oozie_id}");
    let coordinator = hadoop.fake.job(&oozie_id).expect("coordinator");
    assert_eq!(coordinator.conf["frequency"], "30");
    assert_eq!(coordinator.status, "PREP", "waiting for its start time");
    let cancelled = hadoop.runtime.block_on(hadoop.manager.cancel(&row.id)).expect("cancelled");
    assert_eq!(cancelled.status, JobStatus::KILLED);
    assert_eq!(hadoop.fake.job(&oozie_id).expect("coordinator").status, "KILLED");
}
