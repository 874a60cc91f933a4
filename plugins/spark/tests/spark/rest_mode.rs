//! REST mode against the real standalone master, through the host: success (a Java Spark job
//! with a library jar on the cluster's executors, and a PySpark job through SparkSubmit),
//! failure with the driver's error in the engine info, ERROR for a jar the worker cannot
//! fetch, cancel of a running and of a queued (SUBMITTED) driver, a host restart mid-job.
//!
//! The tests take turns on the 2-core worker, so that the one that queues a driver knows why.

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use edp_plugin_api::JobStatus;
use serde_json::json;

use crate::apps::{self, PYTHON_SUM};
use crate::host::{Jobs, info_text, job_configs, none};
use crate::standalone::{self, Cluster};
use crate::support;

const LONG: Duration = Duration::from_secs(180);
const SHORT: Duration = Duration::from_secs(60);

/// One REST test at a time on the worker.
fn turn() -> MutexGuard<'static, ()> {
    static TURN: Mutex<()> = Mutex::new(());
    TURN.lock().unwrap_or_else(PoisonError::into_inner)
}

fn rest_cluster(jobs: &Jobs, cluster: &Cluster) -> String {
    jobs.cluster(json!({
        "spark_master": cluster.master_url,
        "spark_launch_mode": "rest",
        "spark_rest_url": cluster.rest_url,
        "spark_master_ui_url": cluster.ui_url,
    }))
}

fn jar_template(jobs: &Jobs) -> String {
    let apps = apps::apps();
    jobs.template("Spark", &[("edptest-app.jar", &apps.app_jar)], &[("edptest-lib.jar", &apps.lib_jar)])
}

fn main_class(class: &str) -> serde_json::Value {
    json!({"edp.java.main_class": class})
}

fn submission_id(row: &edp_host::store::JobExecutionRow) -> String {
    let id = row.engine_job_id.as_deref().expect("launched");
    let (submission, url) = id.split_once('@').expect("<submission id>@<REST URL>");
    assert!(submission.starts_with("driver-") && url.starts_with("http://"), "{id}");
    submission.to_owned()
}

/// The driver's stdout in the worker's work directory.
fn driver_stdout(cluster: &Cluster, submission: &str) -> String {
    std::fs::read_to_string(cluster.dir.join("work").join(submission).join("stdout")).unwrap_or_default()
}

#[test]
fn rest_runs_a_spark_jar_and_a_python_app_to_success() {
    let _turn = turn();
    let cluster = standalone::cluster();
    let jobs = Jobs::new();
    let spark_cluster = rest_cluster(&jobs, cluster);
    let configs = json!({"edp.java.main_class": "edptest.SparkSum", "spark.edp.marker": "m2"});
    let jar = jobs.submit(&jar_template(&jobs), &spark_cluster, job_configs(configs, &["10", "a b"], none()));
    let jar = jobs.wait_for_end(&jar.id, LONG);
    assert_eq!(jar.status, JobStatus::SUCCEEDED, "{jar:#?}");
    let submission = submission_id(&jar);
    assert_eq!(cluster.completed_state(&submission).as_deref(), Some("FINISHED"));
    assert!(driver_stdout(cluster, &submission).contains("sum=385 marker=m2 args=10|a b"));
    assert_eq!(info_text(&jar, "driver_state"), "FINISHED");

    let python_template = jobs.template("Spark", &[("sum.py", PYTHON_SUM.as_bytes())], &[]);
    let python = jobs.submit(&python_template, &spark_cluster, job_configs(none(), &["10", "x"], none()));
    let python = jobs.wait_for_end(&python.id, LONG);
    assert_eq!(python.status, JobStatus::SUCCEEDED, "{python:#?}");
    let submission = submission_id(&python);
    assert!(
        driver_stdout(cluster, &submission).contains("py-sum=385 args=10|x"),
        "{}",
        driver_stdout(cluster, &submission)
    );
}

#[test]
fn rest_failures_carry_the_drivers_error() {
    let _turn = turn();
    let cluster = standalone::cluster();
    let jobs = Jobs::new();
    let spark_cluster = rest_cluster(&jobs, cluster);
    let row = jobs.submit(&jar_template(&jobs), &spark_cluster, job_configs(main_class("edptest.Fail"), &[], none()));
    let row = jobs.wait_for_end(&row.id, SHORT);
    assert_eq!(row.status, JobStatus::FAILED, "{row:#?}");
    assert_eq!(info_text(&row, "driver_state"), "FAILED");
    assert!(info_text(&row, "error").contains("edp test failure on purpose"), "{:#?}", row.engine_info);

    // A jar the worker cannot fetch: the driver is in ERROR, with the cluster's exception.
    let port = support::free_port();
    let remote = jobs.template_with_urls("Spark", &[("missing.jar", &format!("http://127.0.0.1:{port}/missing.jar"))]);
    let row = jobs.submit(&remote, &spark_cluster, job_configs(main_class("edptest.Hello"), &[], none()));
    let row = jobs.wait_for_end(&row.id, SHORT);
    assert_eq!(row.status, JobStatus::FAILED, "{row:#?}");
    assert_eq!(info_text(&row, "driver_state"), "ERROR");
    let error = info_text(&row, "error");
    assert!(error.contains("Exception from the cluster") && error.contains("ConnectException"), "{error}");
}

#[test]
fn rest_cancel_kills_a_running_driver_and_it_is_gone_from_the_worker() {
    let _turn = turn();
    let cluster = standalone::cluster();
    let jobs = Jobs::new();
    let spark_cluster = rest_cluster(&jobs, cluster);
    let row = jobs.submit(
        &jar_template(&jobs),
        &spark_cluster,
        job_configs(main_class("edptest.Sleep"), &["120000"], none()),
    );
    let running = jobs.wait_for_status(&row.id, JobStatus::RUNNING, SHORT);
    let submission = submission_id(&running);
    assert!(support::wait_until(SHORT, || support::process_running(&submission)), "the driver runs on the worker");

    let cancelled = jobs.cancel(&row.id);
    assert_eq!(cancelled.status, JobStatus::KILLED, "{cancelled:#?}");
    assert!(!cluster.active_drivers().contains(&submission));
    assert_eq!(cluster.completed_state(&submission).as_deref(), Some("KILLED"));
    assert!(
        support::wait_until(Duration::from_secs(10), || !support::process_running(&submission)),
        "the driver's JVM is gone from the worker"
    );
}

#[test]
fn rest_cancel_of_a_queued_driver_is_killed() {
    let _turn = turn();
    let cluster = standalone::cluster();
    let jobs = Jobs::new();
    let spark_cluster = rest_cluster(&jobs, cluster);
    let template = jar_template(&jobs);
    // A driver that takes both of the worker's cores, then one that has to wait.
    let blocker_configs = json!({"edp.java.main_class": "edptest.Sleep", "spark.driver.cores": "2"});
    let blocker = jobs.submit(&template, &spark_cluster, job_configs(blocker_configs, &["120000"], none()));
    jobs.wait_for_status(&blocker.id, JobStatus::RUNNING, SHORT);
    let queued = jobs.submit(&template, &spark_cluster, job_configs(main_class("edptest.Hello"), &[], none()));
    let waiting = jobs.wait_for_status(&queued.id, JobStatus::PREP, SHORT);
    assert_eq!(info_text(&waiting, "driver_state"), "SUBMITTED");
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(jobs.wait_for_status(&queued.id, JobStatus::PREP, SHORT).status, JobStatus::PREP, "still queued");

    let cancelled = jobs.cancel(&queued.id);
    assert_eq!(cancelled.status, JobStatus::KILLED, "{cancelled:#?}");
    assert_eq!(cluster.completed_state(&submission_id(&cancelled)).as_deref(), Some("KILLED"));
    assert_eq!(jobs.cancel(&blocker.id).status, JobStatus::KILLED);
}

#[test]
fn rest_final_status_arrives_after_a_host_restart_mid_job() {
    let _turn = turn();
    let cluster = standalone::cluster();
    let mut jobs = Jobs::new();
    let spark_cluster = rest_cluster(&jobs, cluster);
    let row =
        jobs.submit(&jar_template(&jobs), &spark_cluster, job_configs(main_class("edptest.Sleep"), &["6000"], none()));
    jobs.wait_for_status(&row.id, JobStatus::RUNNING, SHORT);
    let engine_job_id = jobs.row(&row.id).engine_job_id.expect("launched");
    jobs.restart();
    let done = jobs.wait_for_end(&row.id, SHORT);
    assert_eq!(done.status, JobStatus::SUCCEEDED, "{done:#?}");
    assert_eq!(done.engine_job_id.as_deref(), Some(engine_job_id.as_str()), "not submitted again");
}
