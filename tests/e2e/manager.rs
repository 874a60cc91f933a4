//! The job manager on a real SQLite store with real engine libraries: Sahara's job-manager
//! behaviours, ported onto the mock engine, and the bugs Sahara had, fixed.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use edp_host::config::Config;
use edp_host::manager::{JobManager, ManagerError, NewExecution, StoreContext, now_millis};
use edp_host::plugins::EngineRegistry;
use edp_host::routing::RouteTable;
use edp_host::store::{DataSourceRow, JobExecutionRow, SqliteStore, Store, UpdateOutcome};
use edp_plugin_api::JobStatus;
use serde_json::{Value, json};

use crate::{records, support};

/// A host with a store: the manager, its runtime, and the mock engines' launch log.
pub(crate) struct Jobs {
    pub(crate) dir: tempfile::TempDir,
    pub(crate) runtime: tokio::runtime::Runtime,
    pub(crate) store: Arc<SqliteStore>,
    pub(crate) manager: JobManager,
    pub(crate) launch_log: PathBuf,
}

impl Jobs {
    /// `engines` and `routes` are plugins.toml text; `{launch_log}` in them is replaced by the
    /// launch log's path and `{mock}` by the mock library's.
    pub(crate) fn new(engines: &str, routes: &str) -> Jobs {
        let dir = tempfile::tempdir().expect("temp dir");
        let launch_log = dir.path().join("launches.tsv");
        let text = format!(
            "[host]\ndata_dir = \"data\"\nplugin_dirs = [{dirs:?}]\ncancel_timeout_secs = 3\ncancel_retry_secs = 0.05\n\
             poll_interval_secs = 3600\nmissing_cluster_grace_secs = 0.2\n\n{engines}\n{routes}",
            dirs = support::engine_libraries().display().to_string(),
        )
        .replace("{launch_log}", &format!("{:?}", launch_log.display().to_string()))
        .replace("{mock}", &format!("{:?}", support::engine_library("edp_engine_mock").display().to_string()));
        let config_path = support::write_config(dir.path(), &text);
        let config = Config::load(&config_path).unwrap_or_else(|err| panic!("{err}"));
        let store = Arc::new(SqliteStore::open(&config.host.data_dir.join("edp.sqlite")).expect("store opens"));
        let runtime = support::runtime();
        let manager = runtime.block_on(async {
            let (context, notifications) = StoreContext::new(store.clone());
            crate::logging::host_log();
            let registry =
                EngineRegistry::load(&config, Arc::new(context)).unwrap_or_else(|errors| panic!("{errors:?}"));
            let routes = RouteTable::build(&config.routes, &registry).unwrap_or_else(|errors| panic!("{errors:?}"));
            let manager =
                JobManager::new(store.clone(), Arc::new(registry), Arc::new(routes), config.host.manager.clone());
            manager.spawn_notification_listener(notifications);
            manager
        });
        Jobs { dir, runtime, store, manager, launch_log }
    }

    /// Registers an Active cluster.
    pub(crate) fn cluster(&self, cluster_type: &str, version: &str) -> String {
        records::insert_cluster(self.store.as_ref(), cluster_type, version)
    }

    /// Registers a job template of `job_type` without binaries.
    pub(crate) fn template(&self, job_type: &str) -> String {
        records::insert_template(self.store.as_ref(), job_type)
    }

    pub(crate) fn submit(
        &self,
        template: &str,
        cluster: &str,
        configs: Value,
    ) -> Result<JobExecutionRow, ManagerError> {
        self.runtime.block_on(self.manager.submit(NewExecution {
            project: "p1".into(),
            job_template_id: template.into(),
            cluster_id: cluster.into(),
            input_id: None,
            output_id: None,
            job_configs: json!({"configs": configs, "params": {}, "args": []}),
            is_public: false,
            is_protected: false,
        }))
    }

    pub(crate) fn row(&self, id: &str) -> JobExecutionRow {
        self.store.job_execution(id).expect("read").expect("exists")
    }

    /// Waits until `id` satisfies `condition`, reading the store.
    pub(crate) fn wait_for(
        &self,
        id: &str,
        what: &str,
        condition: impl Fn(&JobExecutionRow) -> bool,
    ) -> JobExecutionRow {
        let mut last = None;
        let held = support::wait_until(Duration::from_secs(20), || {
            let done = condition(&self.row(id));
            last = Some(self.row(id));
            done
        });
        let row = last.expect("read at least once");
        assert!(held, "{id} never became {what}: {row:#?}");
        row
    }

    /// The mock's launches: (job execution id, engine job id).
    pub(crate) fn launches(&self) -> Vec<(String, String)> {
        std::fs::read_to_string(&self.launch_log)
            .unwrap_or_default()
            .lines()
            .filter_map(|line| line.split_once('\t'))
            .map(|(job, engine)| (job.to_owned(), engine.to_owned()))
            .collect()
    }

    pub(crate) fn launches_of(&self, id: &str) -> usize {
        self.launches().iter().filter(|(job, _)| job == id).count()
    }
}

const MOCK: &str = "[engines.mock.config]\nlaunch_log = {launch_log}\n";
const ROUTE_ALL_TO_MOCK: &str = "[[routes]]\ncluster_type = \"*\"\nengine = \"mock\"\n";

#[test]
fn a_job_goes_pending_then_running_then_to_its_final_status_with_start_and_end_times() {
    let jobs = Jobs::new(MOCK, ROUTE_ALL_TO_MOCK);
    let cluster = jobs.cluster("vanilla", "2.7.1");
    let template = jobs.template("Pig");
    let mut events = jobs.manager.subscribe();
    let row = jobs.submit(&template, &cluster, json!({"mock.run_ms": "300"})).expect("submitted");
    assert_eq!(row.status, JobStatus::PENDING);
    assert_eq!(row.engine, "mock");
    jobs.wait_for(&row.id, "RUNNING", |row| row.status == JobStatus::RUNNING && row.engine_job_id.is_some());
    let done = jobs.wait_for(&row.id, "refreshed to SUCCEEDED", |row| {
        jobs.runtime.block_on(jobs.manager.refresh(&row.id)).expect("refresh").status.is_terminal()
    });
    assert_eq!(done.status, JobStatus::SUCCEEDED);
    let (start, end) = (done.start_time.expect("started"), done.end_time.expect("ended"));
    assert!(start <= end && end - start >= 300, "start {start}, end {end}");
    assert_eq!(jobs.launches_of(&row.id), 1);
    let mut seen = Vec::new();
    while let Ok(event) = events.try_recv() {
        if event.id == row.id {
            seen.push(event.status);
        }
    }
    assert_eq!(seen, [JobStatus::PENDING, JobStatus::RUNNING, JobStatus::SUCCEEDED]);
}

#[test]
fn a_launch_that_fails_after_the_engine_started_the_job_cancels_the_orphan_then_fails() {
    let jobs = Jobs::new(
        "[engines.mock.config]\nlaunch_log = {launch_log}\n[engines.mock.timeout_secs]\nrun_job = 0.3\n",
        ROUTE_ALL_TO_MOCK,
    );
    let cluster = jobs.cluster("vanilla", "2.7.1");
    let template = jobs.template("Pig");
    let configs = json!({"mock.hang": "run_job", "mock.hang_ms": "1500", "mock.run_ms": "600000"});
    let row = jobs.submit(&template, &cluster, configs).expect("submitted");
    let failed = jobs.wait_for(&row.id, "FAILED", |row| row.status.is_terminal());
    assert_eq!(failed.status, JobStatus::FAILED);
    assert_eq!(failed.start_time, failed.end_time, "start = end = now, as Sahara");
    assert!(failed.engine_info["error"].as_str().is_some_and(|e| e.contains("no answer within")), "{failed:?}");
    assert_eq!(jobs.launches_of(&row.id), 1, "the engine did launch it");
    // The orphan was cancelled: the engine reports its job KILLED.
    let (_, engine_job_id) = jobs.launches().into_iter().find(|(job, _)| *job == row.id).expect("launched");
    let engine = jobs.manager.engines().engine("mock").expect("mock loaded").clone();
    let mut job = support::job(&row.id, "Pig", &template, json!({"mock.run_ms": "600000"}), &[]);
    job.engine_job_id = Some(engine_job_id.as_str().into()).into();
    let status = jobs.runtime.block_on(engine.get_job_status(job)).expect("status").expect("report");
    assert_eq!(status.status, JobStatus::KILLED);
}

#[test]
fn a_launch_the_engine_refuses_fails_with_its_reason_and_launches_nothing() {
    let jobs = Jobs::new(MOCK, ROUTE_ALL_TO_MOCK);
    let cluster = jobs.cluster("vanilla", "2.7.1");
    let template = jobs.template("Pig");
    let row = jobs.submit(&template, &cluster, json!({"mock.fail": "run_job"})).expect("submitted");
    let failed = jobs.wait_for(&row.id, "FAILED", |row| row.status.is_terminal());
    assert_eq!(failed.status, JobStatus::FAILED);
    assert!(failed.engine_info["error"].as_str().is_some_and(|e| e.contains("told to fail in run_job")), "{failed:?}");
    assert_eq!(jobs.launches_of(&row.id), 0);
}

#[test]
fn cancelling_a_pending_job_uses_the_tobekilled_handshake_and_nothing_is_launched() {
    let jobs = Jobs::new(MOCK, ROUTE_ALL_TO_MOCK);
    let cluster = jobs.cluster("vanilla", "2.7.1");
    let template = jobs.template("Pig");
    let row = jobs
        .submit(&template, &cluster, json!({"mock.launch_delay_ms": "500", "mock.run_ms": "600000"}))
        .expect("submitted");
    let cleanups_before = jobs.manager.cleanups_run();
    let cancelled = jobs.runtime.block_on(jobs.manager.cancel(&row.id)).expect("cancelled");
    assert_eq!(cancelled.status, JobStatus::KILLED);
    assert!(cancelled.end_time.is_some(), "the pre-launch KILLED path sets the end time too (Sahara's did not)");
    assert_eq!(jobs.launches_of(&row.id), 0, "the engine saw TOBEKILLED before its launch step");
    assert_eq!(jobs.manager.cleanups_run(), cleanups_before + 1, "cleanup ran once");
}

#[test]
fn cancelling_a_running_job_ends_killed() {
    let jobs = Jobs::new(MOCK, ROUTE_ALL_TO_MOCK);
    let cluster = jobs.cluster("vanilla", "2.7.1");
    let template = jobs.template("Pig");
    let row = jobs
        .submit(&template, &cluster, json!({"mock.run_ms": "600000", "mock.cancel_not_yet": "2"}))
        .expect("submitted");
    jobs.wait_for(&row.id, "RUNNING", |row| row.status == JobStatus::RUNNING);
    let cancelled = jobs.runtime.block_on(jobs.manager.cancel(&row.id)).expect("cancelled");
    assert_eq!(cancelled.status, JobStatus::KILLED);
    assert_eq!(jobs.launches_of(&row.id), 1);
}

#[test]
fn a_cancel_the_engine_never_confirms_times_out_and_stays_tobekilled() {
    let jobs = Jobs::new(MOCK, ROUTE_ALL_TO_MOCK);
    let cluster = jobs.cluster("vanilla", "2.7.1");
    let template = jobs.template("Pig");
    let row = jobs
        .submit(&template, &cluster, json!({"mock.run_ms": "600000", "mock.cancel_not_yet": "-1"}))
        .expect("submitted");
    jobs.wait_for(&row.id, "RUNNING", |row| row.status == JobStatus::RUNNING);
    let err = jobs.runtime.block_on(jobs.manager.cancel(&row.id)).expect_err("times out");
    assert!(matches!(err, ManagerError::CancelTimedOut { .. }), "{err}");
    assert_eq!(jobs.row(&row.id).status, JobStatus::TOBEKILLED);
}

#[test]
fn jobs_are_refused_before_anything_is_stored_when_they_cannot_run() {
    let jobs = Jobs::new(MOCK, "[[routes]]\ncluster_type = \"vanilla\"\nengine = \"local\"\n");
    let cluster = jobs.cluster("vanilla", "2.7.1");
    let other = jobs.cluster("cdh", "5.11");
    let pig = jobs.template("Pig");
    let err = jobs.submit(&pig, &cluster, json!({})).expect_err("local does not run Pig");
    assert!(matches!(err, ManagerError::UnsupportedJobType { .. }), "{err}");
    let err = jobs.submit(&pig, &other, json!({})).expect_err("no route for cdh");
    assert!(matches!(err, ManagerError::NoEngine(_)), "{err}");
    let mut inactive = jobs.store.cluster(&cluster).expect("read").expect("exists");
    inactive.status = "Error".into();
    jobs.store.update_cluster(&inactive).expect("update");
    let shell = jobs.template("Shell");
    let err = jobs.submit(&shell, &cluster, json!({})).expect_err("inactive cluster");
    assert!(matches!(err, ManagerError::ClusterNotActive { .. }), "{err}");
    let listed = jobs.store.job_executions(&Default::default()).expect("list");
    assert!(listed.is_empty(), "nothing stored for refused jobs: {listed:?}");
}

#[test]
fn the_poller_asks_only_about_active_executions_and_a_terminal_status_never_changes() {
    let jobs = Jobs::new(MOCK, ROUTE_ALL_TO_MOCK);
    let cluster = jobs.cluster("vanilla", "2.7.1");
    let template = jobs.template("Pig");
    let done = jobs.submit(&template, &cluster, json!({})).expect("submitted");
    let done = jobs.wait_for(&done.id, "SUCCEEDED", |row| row.status.is_terminal());
    assert_eq!(done.status, JobStatus::SUCCEEDED);
    let running: Vec<String> = (0..2)
        .map(|_| jobs.submit(&template, &cluster, json!({"mock.run_ms": "600000"})).expect("submitted").id)
        .collect();
    for id in &running {
        jobs.wait_for(id, "RUNNING", |row| row.status == JobStatus::RUNNING);
    }
    let cleanups = jobs.manager.cleanups_run();
    let stats = jobs.runtime.block_on(jobs.manager.poll_pass()).expect("poll pass");
    assert_eq!((stats.active, stats.asked, stats.failed), (2, 2, 0), "{stats:?}");

    // Neither a cancel, nor a refresh, nor a direct write moves a terminal execution.
    let again = jobs.runtime.block_on(jobs.manager.cancel(&done.id)).expect("cancel of a finished job is a no-op");
    assert_eq!((again.status, again.end_time), (JobStatus::SUCCEEDED, done.end_time));
    let refreshed = jobs.runtime.block_on(jobs.manager.refresh(&done.id)).expect("refresh");
    assert_eq!(refreshed, again);
    let transition = edp_host::store::Transition { status: JobStatus::FAILED, engine_info: None, now: now_millis() };
    assert_eq!(
        jobs.store.transition(&done.id, &transition).expect("write"),
        UpdateOutcome::AlreadyTerminal(JobStatus::SUCCEEDED)
    );
    assert_eq!(jobs.manager.cleanups_run(), cleanups, "no cleanup for an already finished job");
}

#[test]
fn status_and_cancel_go_to_the_engine_of_record_after_the_routes_change() {
    let engines = "[engines.first]\nlibrary = {mock}\nconfig = { script = { final_status = \"SUCCEEDED\", run_ms = 200 } }\n\
                   [engines.second]\nlibrary = {mock}\nconfig = { script = { final_status = \"FAILED\", run_ms = 200 } }\n";
    let before = Jobs::new(engines, "[[routes]]\ncluster_type = \"*\"\nengine = \"first\"\n");
    let cluster = before.cluster("vanilla", "2.7.1");
    let template = before.template("Pig");
    let row = before.submit(&template, &cluster, json!({})).expect("submitted");
    before.wait_for(&row.id, "launched", |row| row.engine_job_id.is_some());

    // A new host on the same store, whose routes now send everything to `second`.
    let config_path = before.dir.path().join("plugins.toml");
    let text =
        std::fs::read_to_string(&config_path).expect("read").replace("engine = \"first\"", "engine = \"second\"");
    std::fs::write(&config_path, text).expect("write");
    let config = Config::load(&config_path).expect("valid");
    let after = before.runtime.block_on(async {
        let (context, _notifications) = StoreContext::new(before.store.clone());
        let registry = EngineRegistry::load(&config, Arc::new(context)).expect("engines");
        let routes = RouteTable::build(&config.routes, &registry).expect("routes");
        JobManager::new(before.store.clone(), Arc::new(registry), Arc::new(routes), config.host.manager.clone())
    });
    let done = before.wait_for(&row.id, "finished by the engine of record", |row| {
        before.runtime.block_on(after.refresh(&row.id)).expect("refresh").status.is_terminal()
    });
    assert_eq!(done.engine, "first");
    assert_eq!(done.status, JobStatus::SUCCEEDED, "`first` answered, not `second`");
}

#[test]
fn a_panicking_or_hanging_engine_does_not_stall_the_other_jobs() {
    let engines = "[engines.mock.config]\nlaunch_log = {launch_log}\n\
                   [engines.stuck]\nlibrary = {mock}\nconfig = { script = { hang = [\"get_job_status\"], hang_ms = 3000, run_ms = 600000 } }\n\
                   timeout_secs = { get_job_status = 0.2 }\n\
                   [engines.panicky]\nlibrary = {mock}\nconfig = { script = { panic = [\"get_job_status\"], run_ms = 600000 } }\n";
    let routes = "[[routes]]\ncluster_type = \"stuck\"\nengine = \"stuck\"\n\
                  [[routes]]\ncluster_type = \"panicky\"\nengine = \"panicky\"\n\
                  [[routes]]\ncluster_type = \"*\"\nengine = \"mock\"\n";
    let jobs = Jobs::new(engines, routes);
    let template = jobs.template("Pig");
    let stuck = jobs.submit(&template, &jobs.cluster("stuck", "1"), json!({})).expect("submitted");
    let panicky = jobs.submit(&template, &jobs.cluster("panicky", "1"), json!({})).expect("submitted");
    let fine: Vec<String> = (0..4)
        .map(|_| {
            jobs.submit(&template, &jobs.cluster("vanilla", "2.7"), json!({"mock.run_ms": "100"}))
                .expect("submitted")
                .id
        })
        .collect();
    for id in fine.iter().chain([&stuck.id, &panicky.id]) {
        jobs.wait_for(id, "launched", |row| row.engine_job_id.is_some());
    }
    std::thread::sleep(Duration::from_millis(150)); // the fine jobs' scripted run time
    let stats = jobs.runtime.block_on(jobs.manager.poll_pass()).expect("poll pass");
    assert_eq!(stats.failed, 2, "the stuck and the panicking engine's calls failed: {stats:?}");
    assert!(stats.elapsed < Duration::from_millis(2500), "the pass did not wait for the hang to end: {stats:?}");
    for id in &fine {
        assert_eq!(jobs.row(id).status, JobStatus::SUCCEEDED);
    }
    assert_eq!(jobs.row(&stuck.id).status, JobStatus::RUNNING);
    assert_eq!(jobs.row(&panicky.id).status, JobStatus::RUNNING);
}

#[test]
fn executions_whose_cluster_was_removed_are_failed_after_the_grace_period() {
    let jobs = Jobs::new(MOCK, ROUTE_ALL_TO_MOCK);
    let cluster = jobs.cluster("vanilla", "2.7.1");
    let template = jobs.template("Pig");
    let row = jobs.submit(&template, &cluster, json!({"mock.run_ms": "600000"})).expect("submitted");
    jobs.wait_for(&row.id, "RUNNING", |row| row.status == JobStatus::RUNNING);
    assert!(jobs.store.delete_cluster(&cluster).expect("delete"));
    let first = jobs.runtime.block_on(jobs.manager.poll_pass()).expect("pass");
    assert_eq!(first.changed, 0, "within the grace period: {first:?}");
    let failed = jobs.wait_for(&row.id, "FAILED", |row| {
        jobs.runtime.block_on(jobs.manager.poll_pass()).expect("pass");
        row.status.is_terminal()
    });
    assert_eq!(failed.status, JobStatus::FAILED);
    assert!(failed.engine_info["error"].as_str().is_some_and(|e| e.contains("no longer exists")), "{failed:?}");
}

#[test]
fn data_sources_are_substituted_and_their_urls_recorded() {
    let jobs = Jobs::new(MOCK, ROUTE_ALL_TO_MOCK);
    let cluster = jobs.cluster("vanilla", "2.7.1");
    let template = jobs.template("Pig");
    let now = now_millis();
    let source = |name: &str, url: &str| DataSourceRow {
        id: uuid::Uuid::new_v4().to_string(),
        project: "p1".into(),
        name: name.into(),
        description: String::new(),
        kind: "hdfs".into(),
        url: url.into(),
        is_public: false,
        is_protected: false,
        created_at: now,
        updated_at: now,
    };
    let input = source("in", "hdfs://nn/in");
    let output = source("out", "hdfs://nn/out/%JOB_EXEC_ID%/%RANDSTR(4)%");
    jobs.store.insert_data_source(&input).expect("insert");
    jobs.store.insert_data_source(&output).expect("insert");
    let row = jobs
        .runtime
        .block_on(jobs.manager.submit(NewExecution {
            project: "p1".into(),
            job_template_id: template,
            cluster_id: cluster,
            input_id: Some(input.id.clone()),
            output_id: Some(output.id.clone()),
            job_configs: json!({
                "configs": {"edp.substitute_data_source_for_name": "True", "edp.substitute_data_source_for_uuid": true},
                "params": {"INPUT": "datasource://in"},
                "args": [output.id, "datasource://in", "plain"]
            }),
            is_public: false,
            is_protected: false,
        }))
        .expect("submitted");
    let launched = jobs.wait_for(&row.id, "launched", |row| row.engine_job_id.is_some());
    let output_url = launched.data_source_urls[&output.id].as_str().expect("output url").to_owned();
    assert!(
        output_url.starts_with(&format!("hdfs://nn/out/{}/", row.id))
            && output_url.len() == format!("hdfs://nn/out/{}/abcd", row.id).len(),
        "{output_url}"
    );
    assert_eq!(launched.data_source_urls[&input.id], "hdfs://nn/in");
    assert_eq!(launched.job_configs["params"]["INPUT"], "hdfs://nn/in");
    assert_eq!(launched.job_configs["args"], json!([output_url, "hdfs://nn/in", "plain"]), "one expansion per source");
}

#[test]
fn suspend_and_resume_go_by_capability_and_the_suspendible_set() {
    let jobs = Jobs::new(
        MOCK,
        "[[routes]]\ncluster_type = \"*\"\njob_types = [\"Shell\"]\nengine = \"local\"\n[[routes]]\ncluster_type = \"*\"\nengine = \"mock\"\n",
    );
    let cluster = jobs.cluster("vanilla", "2.7.1");
    let template = jobs.template("Pig");
    let row = jobs.submit(&template, &cluster, json!({"mock.run_ms": "600000"})).expect("submitted");
    jobs.wait_for(&row.id, "RUNNING", |row| row.status == JobStatus::RUNNING);
    let suspended = jobs.runtime.block_on(jobs.manager.suspend(&row.id)).expect("suspended");
    assert_eq!(suspended.status, JobStatus::SUSPENDED);
    let err = jobs.runtime.block_on(jobs.manager.suspend(&row.id)).expect_err("not suspendible");
    assert!(matches!(err, ManagerError::WrongStatus { .. }), "{err}");
    let resumed = jobs.runtime.block_on(jobs.manager.resume(&row.id)).expect("resumed");
    assert_eq!(resumed.status, JobStatus::RUNNING);
}

#[test]
fn recovery_launches_pending_executions_once_and_only_once() {
    let jobs = Jobs::new(MOCK, ROUTE_ALL_TO_MOCK);
    let cluster = jobs.cluster("vanilla", "2.7.1");
    let template = jobs.template("Pig");
    let ids: Vec<String> = (0..5)
        .map(|_| {
            let id = uuid::Uuid::new_v4().to_string();
            let configs = json!({"configs": {"mock.run_ms": "600000"}});
            records::insert_pending(jobs.store.as_ref(), &id, &template, &cluster, "mock", configs);
            id
        })
        .collect();
    assert_eq!(jobs.runtime.block_on(jobs.manager.recover()).expect("recover"), 5);
    for id in &ids {
        jobs.wait_for(id, "RUNNING", |row| row.status == JobStatus::RUNNING);
    }
    // A second recovery (another restart) launches nothing again.
    assert_eq!(jobs.runtime.block_on(jobs.manager.recover()).expect("recover"), 5);
    jobs.runtime.block_on(jobs.manager.poll_pass()).expect("pass");
    for id in &ids {
        assert_eq!(jobs.launches_of(id), 1, "{id} launched exactly once");
    }
}
