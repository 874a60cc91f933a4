//! The local engine through the host: Shell jobs from job binaries, the "status changed"
//! notification, cancel, and user input that never reaches a shell.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use edp_host::engine::EngineHandle;
use edp_plugin_api::JobStatus;
use serde_json::json;

use crate::support::{self, MemoryContext};

fn local_engine() -> (tempfile::TempDir, Arc<MemoryContext>, EngineHandle) {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = support::write_config(
        dir.path(),
        &format!(
            "[host]\ndata_dir = \"data\"\nplugin_dirs = [{:?}]\n\n[engines.local.config]\ngrace_period_secs = 1\n",
            support::engine_libraries().display().to_string()
        ),
    );
    let context = Arc::new(MemoryContext::default());
    let (_, registry) = support::load_registry(&config, Arc::clone(&context));
    let engine = registry.engine("local").expect("local loaded").clone();
    (dir, context, engine)
}

fn stdout_of(extra: &serde_json::Map<String, serde_json::Value>) -> String {
    let path = PathBuf::from(extra["stdout"].as_str().expect("stdout path in extra"));
    std::fs::read_to_string(path).expect("read stdout")
}

#[test]
fn a_shell_job_runs_and_its_exit_is_pushed_to_the_host_at_once() {
    let (_dir, context, engine) = local_engine();
    let script: &[u8] = b"#!/bin/sh\necho \"hello $1 from $GREETING\"\n";
    context.add_template("t-hello", "Shell", &[("hello.sh", script)], &[]);
    context.set_status("je-hello", JobStatus::PENDING);
    let mut job = support::job("je-hello", "Shell", "t-hello", json!({}), &["world"]);
    job.job_configs = json!({"configs": {}, "params": {"GREETING": "edp"}, "args": ["world"]}).to_string().into();

    let runtime = support::runtime();
    let launch = runtime.block_on(engine.run_job(job.clone())).expect("launched");
    assert_eq!(launch.status, Some(JobStatus::RUNNING));
    assert!(
        context.wait_for_change("local", "je-hello", Duration::from_secs(20)),
        "the engine tells the host when the job exits"
    );

    let job = support::launched(job, launch.engine_job_id.clone());
    let status = runtime.block_on(engine.get_job_status(job)).expect("status").expect("report");
    assert_eq!(status.status, JobStatus::SUCCEEDED, "{:?}", status.info);
    assert_eq!(stdout_of(&launch.extra), "hello world from edp\n");
}

#[test]
fn shell_metacharacters_in_args_and_params_are_data_not_commands() {
    let (dir, context, engine) = local_engine();
    let marker = dir.path().join("pwned");
    let script: &[u8] = b"#!/bin/sh\nprintf '%s\\n' \"$@\" \"$EVIL\"\n";
    context.add_template("t-args", "Shell", &[("args.sh", script)], &[]);
    context.set_status("je-args", JobStatus::PENDING);
    let hostile =
        [format!("$(touch {})", marker.display()), format!("; touch {} #", marker.display()), "`id`".to_owned()];
    let mut job = support::job("je-args", "Shell", "t-args", json!({}), &[]);
    job.job_configs =
        json!({"configs": {}, "params": {"EVIL": format!("$(touch {})", marker.display())}, "args": hostile})
            .to_string()
            .into();

    let runtime = support::runtime();
    let launch = runtime.block_on(engine.run_job(job.clone())).expect("launched");
    assert!(context.wait_for_change("local", "je-args", Duration::from_secs(20)));
    let status =
        runtime.block_on(engine.get_job_status(support::launched(job, launch.engine_job_id.clone()))).expect("status");
    assert_eq!(status.map(|s| s.status), Some(JobStatus::SUCCEEDED));
    let expected: Vec<String> = hostile.iter().cloned().chain([format!("$(touch {})", marker.display())]).collect();
    assert_eq!(stdout_of(&launch.extra), expected.join("\n") + "\n");
    assert!(!marker.exists(), "no user value was run as a command");
}

#[test]
fn cancelling_a_running_job_kills_it_and_reports_killed() {
    let (_dir, context, engine) = local_engine();
    let script: &[u8] = b"#!/bin/sh\nsleep 1000 &\nwait\n";
    context.add_template("t-sleep", "Shell", &[("sleep.sh", script)], &[]);
    context.set_status("je-sleep", JobStatus::PENDING);
    let job = support::job("je-sleep", "Shell", "t-sleep", json!({}), &[]);
    let runtime = support::runtime();
    let launch = runtime.block_on(engine.run_job(job.clone())).expect("launched");
    let job = support::launched(job, launch.engine_job_id);
    let running = runtime.block_on(engine.get_job_status(job.clone())).expect("status").expect("report");
    assert_eq!(running.status, JobStatus::RUNNING);

    context.set_status("je-sleep", JobStatus::TOBEKILLED);
    let mut answer = None;
    let killed = support::wait_until(Duration::from_secs(20), || {
        answer = runtime.block_on(engine.cancel_job(job.clone())).expect("cancel answers");
        answer.is_some()
    });
    assert!(killed, "cancel confirmed within the deadline");
    assert_eq!(answer.map(|report| report.status), Some(JobStatus::KILLED));
    let status = runtime.block_on(engine.get_job_status(job)).expect("status").expect("report");
    assert_eq!(status.status, JobStatus::KILLED);
}
