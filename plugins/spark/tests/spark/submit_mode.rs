//! spark-submit mode, `--master local[1]`, through the host: success (a Java Spark job with a
//! library jar, confs and args, and a PySpark job), failure with the error in the engine info,
//! cancel of a running job and of one not launched yet, a host restart mid-job, Shell jobs.

use std::time::Duration;

use edp_plugin_api::JobStatus;
use serde_json::json;

use crate::apps::{self, PYTHON_SUM};
use crate::host::{Jobs, info_text, job_configs, none};
use crate::support;

const LONG: Duration = Duration::from_secs(180);
const SHORT: Duration = Duration::from_secs(60);

fn local_cluster(jobs: &Jobs) -> String {
    jobs.cluster(json!({"spark_master": "local[1]"}))
}

fn jar_template(jobs: &Jobs) -> String {
    let apps = apps::apps();
    jobs.template("Spark", &[("edptest-app.jar", &apps.app_jar)], &[("edptest-lib.jar", &apps.lib_jar)])
}

fn main_class(class: &str) -> serde_json::Value {
    json!({"edp.java.main_class": class})
}

fn stdout_of(row: &edp_host::store::JobExecutionRow) -> String {
    let path = row.extra["stdout"].as_str().expect("stdout path in extra");
    std::fs::read_to_string(path).unwrap_or_default()
}

#[test]
fn a_spark_jar_with_libs_confs_and_args_and_a_python_app_succeed() {
    let jobs = Jobs::new();
    let cluster = local_cluster(&jobs);
    let jar = jobs.submit(
        &jar_template(&jobs),
        &cluster,
        job_configs(
            json!({"edp.java.main_class": "edptest.SparkSum", "spark.edp.marker": "m1"}),
            &["10", "a b"],
            none(),
        ),
    );
    let python_template = jobs.template("Spark", &[("sum.py", PYTHON_SUM.as_bytes())], &[]);
    let python = jobs.submit(&python_template, &cluster, job_configs(none(), &["10", "x"], none()));

    let jar = jobs.wait_for_end(&jar.id, LONG);
    assert_eq!(jar.status, JobStatus::SUCCEEDED, "{jar:#?}");
    assert!(stdout_of(&jar).contains("sum=385 marker=m1 args=10|a b"), "{}", stdout_of(&jar));
    assert_eq!(jar.engine_info["exit_code"], 0);
    assert_eq!(info_text(&jar, "mode"), "spark-submit");

    let python = jobs.wait_for_end(&python.id, LONG);
    assert_eq!(python.status, JobStatus::SUCCEEDED, "{python:#?}");
    assert!(stdout_of(&python).contains("py-sum=385 args=10|x"), "{}", stdout_of(&python));
}

#[test]
fn a_job_that_throws_fails_with_its_error_in_the_engine_info() {
    let jobs = Jobs::new();
    let row =
        jobs.submit(&jar_template(&jobs), &local_cluster(&jobs), job_configs(main_class("edptest.Fail"), &[], none()));
    let row = jobs.wait_for_end(&row.id, SHORT);
    assert_eq!(row.status, JobStatus::FAILED, "{row:#?}");
    assert!(info_text(&row, "error").contains("edp test failure on purpose"), "{:#?}", row.engine_info);
    assert_ne!(row.engine_info["exit_code"], 0);
}

#[test]
fn cancelling_a_running_job_kills_it_and_every_process_of_it() {
    let jobs = Jobs::new();
    let row = jobs.submit(
        &jar_template(&jobs),
        &local_cluster(&jobs),
        job_configs(main_class("edptest.Sleep"), &["120000"], none()),
    );
    let running = jobs.wait_for_status(&row.id, JobStatus::RUNNING, SHORT);
    assert!(support::wait_until(SHORT, || stdout_of(&running).contains("sleeping")), "the job's main never ran");
    assert!(support::process_running(&row.id), "the job's JVM runs");

    let cancelled = jobs.cancel(&row.id);
    assert_eq!(cancelled.status, JobStatus::KILLED, "{cancelled:#?}");
    assert!(
        support::wait_until(Duration::from_secs(10), || !support::process_running(&row.id)),
        "a process of the job survived the cancel"
    );
}

#[test]
fn a_job_cancelled_before_its_launch_is_killed_and_never_runs() {
    let jobs = Jobs::new();
    let template = jar_template(&jobs);
    let cluster = local_cluster(&jobs);
    let row = jobs.submit(&template, &cluster, job_configs(main_class("edptest.Sleep"), &["120000"], none()));
    let cancelled = jobs.cancel(&row.id);
    assert_eq!(cancelled.status, JobStatus::KILLED, "{cancelled:#?}");
    assert!(
        support::wait_until(Duration::from_secs(10), || !support::process_running(&row.id)),
        "no process of a cancelled job is left"
    );
}

#[test]
fn the_final_status_arrives_after_a_host_restart_mid_job() {
    let mut jobs = Jobs::new();
    let row = jobs.submit(
        &jar_template(&jobs),
        &local_cluster(&jobs),
        job_configs(main_class("edptest.Sleep"), &["6000"], none()),
    );
    jobs.wait_for_status(&row.id, JobStatus::RUNNING, SHORT);
    let engine_job_id = jobs.row(&row.id).engine_job_id.expect("launched");
    jobs.restart();
    let done = jobs.wait_for_end(&row.id, SHORT);
    assert_eq!(done.status, JobStatus::SUCCEEDED, "{done:#?}");
    assert_eq!(done.engine_job_id.as_deref(), Some(engine_job_id.as_str()), "not launched again");
}

#[test]
fn shell_jobs_run_with_their_args_and_params() {
    let jobs = Jobs::new();
    let script = b"#!/bin/sh\necho \"args=$1|$2 input=$INPUT\"\n";
    let template = jobs.template("Shell", &[("run.sh", script)], &[]);
    let row =
        jobs.submit(&template, &local_cluster(&jobs), job_configs(none(), &["a b", "$(id)"], json!({"INPUT": "x; y"})));
    let row = jobs.wait_for_end(&row.id, SHORT);
    assert_eq!(row.status, JobStatus::SUCCEEDED, "{row:#?}");
    assert_eq!(stdout_of(&row), "args=a b|$(id) input=x; y\n");
}

#[test]
fn jobs_that_cannot_run_are_refused_at_submit() {
    let jobs = Jobs::new();
    let cluster = local_cluster(&jobs);
    let err = jobs.try_submit(&jar_template(&jobs), &cluster, job_configs(none(), &[], none())).expect_err("no class");
    assert!(err.contains("edp.java.main_class"), "{err}");
    let bare = jobs.cluster(json!({}));
    let err = jobs
        .try_submit(&jar_template(&jobs), &bare, job_configs(main_class("edptest.Hello"), &[], none()))
        .expect_err("no master");
    assert!(err.contains("spark_master"), "{err}");
}
