//! Engines that panic, hang, fail or answer garbage never take the host down; each call
//! returns a typed error and the next call works.

use std::sync::Arc;

use edp_host::engine::{EngineCallError, EngineHandle};
use edp_host::plugins::{EngineState, PluginLoadError};
use edp_plugin_api::{ErrorKind, JobStatus};
use serde_json::json;

use crate::support::{self, MemoryContext};

use edp_plugin_api::VERB_NAMES as VERBS;

/// A registry with mock engines configured by `engines` (TOML), plus the discovered `mock`.
fn registry(engines: &str) -> (tempfile::TempDir, Arc<MemoryContext>, edp_host::plugins::EngineRegistry) {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = support::write_config(
        dir.path(),
        &format!("[host]\nplugin_dirs = [{:?}]\n\n{engines}", support::engine_libraries().display().to_string()),
    );
    let context = Arc::new(MemoryContext::default());
    let (_, registry) = support::load_registry(&config, Arc::clone(&context) as Arc<MemoryContext>);
    (dir, context, registry)
}

fn mock_library() -> String {
    format!("{:?}", support::engine_library("edp_engine_mock").display().to_string())
}

async fn call(engine: &EngineHandle, verb: &str, job: edp_plugin_api::JobExecution) -> Result<(), EngineCallError> {
    let launched = support::launched(job.clone(), Some("mock-je-1".into()));
    match verb {
        "run_job" => engine.run_job(job).await.map(drop),
        "get_job_status" => engine.get_job_status(launched).await.map(drop),
        "cancel_job" => engine.cancel_job(launched).await.map(drop),
        "validate_job_execution" => engine.validate_job_execution(job).await,
        "get_possible_job_config" => engine.get_possible_job_config("Pig".into()).await.map(drop),
        "health" => engine.health().await.map(drop),
        "suspend_job" => engine.suspend_job(launched).await.map(drop),
        "resume_job" => engine.resume_job(launched).await.map(drop),
        "run_scheduled_job" => engine.run_scheduled_job(job).await.map(drop),
        other => panic!("unknown verb {other}"),
    }
}

#[test]
fn a_panic_in_every_verb_comes_back_as_a_panicked_error_and_the_host_carries_on() {
    let (_dir, context, registry) = registry(&format!(
        "[engines.panicky]\nlibrary = {}\nconfig = {{ script = {{ panic = {:?} }} }}\n",
        mock_library(),
        VERBS
    ));
    let panicky = registry.engine("panicky").expect("panicky loaded").clone();
    let healthy = registry.engine("mock").expect("mock loaded").clone();
    context.set_status("je-1", JobStatus::PENDING);
    let runtime = support::runtime();
    for verb in VERBS {
        let job = support::job("je-1", "Pig", "t", json!({}), &[]);
        let err = runtime.block_on(call(&panicky, verb, job)).expect_err("panics");
        assert!(err.is_panic(), "{verb}: {err}");
        match &err {
            EngineCallError::Failed { error, .. } => {
                assert_eq!(error.kind, ErrorKind::PANICKED);
                assert!(error.message.contains(&format!("mock engine told to panic in {verb}")), "{error}");
            }
            other => panic!("{verb}: {other}"),
        }
        // The same library, another engine instance, still answers.
        let job = support::job("je-1", "Pig", "t", json!({}), &[]);
        runtime.block_on(call(&healthy, verb, job)).unwrap_or_else(|err| panic!("healthy {verb}: {err}"));
    }
}

#[test]
fn a_hanging_call_times_out_and_other_calls_keep_flowing() {
    let (_dir, context, registry) = registry(&format!(
        "[engines.stuck]\nlibrary = {}\nconfig = {{ script = {{ hang = [\"get_job_status\"], hang_ms = 5000 }} }}\ntimeout_secs = {{ get_job_status = 0.2 }}\n",
        mock_library()
    ));
    let stuck = registry.engine("stuck").expect("loaded").clone();
    context.set_status("je-1", JobStatus::PENDING);
    let runtime = support::runtime();
    let job = support::job("je-1", "Pig", "t", json!({}), &[]);
    let launch = runtime.block_on(stuck.run_job(job.clone())).expect("launch is not scripted to hang");
    let job = support::launched(job, launch.engine_job_id);
    let err = runtime.block_on(stuck.get_job_status(job.clone())).expect_err("hangs");
    assert!(matches!(err, EngineCallError::TimedOut { verb: "get_job_status", .. }), "{err}");
    let cancelled = runtime.block_on(stuck.cancel_job(job)).expect("cancel is not scripted to hang");
    assert_eq!(cancelled.map(|report| report.status), Some(JobStatus::SUCCEEDED), "run_ms = 0: already done");
}

#[test]
fn in_a_batch_of_status_calls_a_hang_or_panic_costs_only_its_own_answer() {
    let (_dir, context, registry) = registry(&format!(
        "[engines.batch]\nlibrary = {}\nconfig = {{ script = {{ hang_ms = 5000 }} }}\ntimeout_secs = {{ get_job_status = 0.3 }}\n",
        mock_library()
    ));
    let engine = registry.engine("batch").expect("loaded").clone();
    let runtime = support::runtime();
    // Five jobs; the second hangs and the fourth panics when asked for its status.
    let scripts = [
        json!({}),
        json!({"mock.hang": "get_job_status"}),
        json!({}),
        json!({"mock.panic": "get_job_status"}),
        json!({}),
    ];
    let jobs: Vec<_> = scripts
        .iter()
        .enumerate()
        .map(|(n, configs)| {
            let id = format!("je-{n}");
            context.set_status(&id, JobStatus::PENDING);
            let job = support::job(&id, "Pig", "t", configs.clone(), &[]);
            let launch = runtime.block_on(engine.run_job(job.clone())).expect("launch is not scripted to fail");
            support::launched(job, launch.engine_job_id)
        })
        .collect();
    let answers = runtime.block_on(engine.get_job_statuses(jobs));
    assert_eq!(answers.len(), 5);
    for n in [0, 2, 4] {
        let report = answers[n].as_ref().unwrap_or_else(|err| panic!("job {n}: {err}")).as_ref().expect("a report");
        assert_eq!(report.status, JobStatus::SUCCEEDED, "job {n}: run_ms = 0");
    }
    assert!(matches!(answers[1], Err(EngineCallError::TimedOut { verb: "get_job_status", .. })), "{:?}", answers[1]);
    assert!(answers[3].as_ref().is_err_and(EngineCallError::is_panic), "{:?}", answers[3]);
}

#[test]
fn garbage_answers_are_refused_not_passed_on() {
    let (_dir, context, registry) = registry(&format!(
        "[engines.liar]\nlibrary = {}\nconfig = {{ script = {{ garbage = [\"run_job\", \"get_job_status\"] }} }}\n",
        mock_library()
    ));
    let liar = registry.engine("liar").expect("loaded").clone();
    context.set_status("je-1", JobStatus::PENDING);
    let runtime = support::runtime();
    let job = support::job("je-1", "Pig", "t", json!({}), &[]);
    let err = runtime.block_on(liar.run_job(job.clone())).expect_err("garbage");
    assert!(
        matches!(&err, EngineCallError::InvalidAnswer { reason, .. } if reason.contains("unknown status code 250")),
        "{err}"
    );
    let err =
        runtime.block_on(liar.get_job_status(support::launched(job, Some("mock-je-1-0".into())))).expect_err("garbage");
    assert!(matches!(&err, EngineCallError::InvalidAnswer { .. }), "{err}");
}

#[test]
fn optional_verbs_are_refused_by_capability() {
    let (_dir, _context, registry) = registry("");
    let local = registry.engine("local").expect("local loaded").clone();
    let runtime = support::runtime();
    let job = support::launched(support::job("je-1", "Shell", "t", json!({}), &[]), Some("1@1".into()));
    let err = runtime.block_on(local.suspend_job(job)).expect_err("local cannot suspend");
    assert!(matches!(err, EngineCallError::NotCapable { capability: "suspend", .. }), "{err}");
}

#[test]
fn an_engine_that_panics_or_fails_while_starting_is_reported_and_the_others_load() {
    let (_dir, _context, registry) = registry(&format!(
        "[engines.boom]\nlibrary = {lib}\nconfig = {{ panic_on_new = true }}\n\n\
         [engines.nope]\nlibrary = {lib}\nconfig = {{ fail_on_new = true }}\n\n\
         [engines.typo]\nlibrary = {lib}\nconfig = {{ scrip = {{}} }}\n\n\
         [engines.missing]\nlibrary = \"edp_engine_missing\"\n",
        lib = mock_library()
    ));
    let state = |name: &str| match &registry.slot(name).expect("slot").state {
        EngineState::Loaded(_) => None,
        EngineState::Failed(error) => Some(error.clone()),
    };
    assert!(
        matches!(state("boom"), Some(PluginLoadError::InitPanicked { reason }) if reason.contains("told to panic in new_engine"))
    );
    assert!(
        matches!(state("nope"), Some(PluginLoadError::InitFailed { reason }) if reason.contains("told to fail in new_engine"))
    );
    assert!(
        matches!(state("typo"), Some(PluginLoadError::InitFailed { reason }) if reason.contains("unknown field `scrip`"))
    );
    assert!(matches!(state("missing"), Some(PluginLoadError::NotFound { .. })));
    assert_eq!(state("mock"), None);
    assert_eq!(state("local"), None);
}

#[test]
fn cancel_answers_not_yet_until_the_script_lets_it_through() {
    let (_dir, context, registry) = registry(&format!(
        "[engines.slow]\nlibrary = {}\nconfig = {{ script = {{ run_ms = 600000, cancel_not_yet = 2 }} }}\n",
        mock_library()
    ));
    let slow = registry.engine("slow").expect("loaded").clone();
    context.set_status("je-9", JobStatus::PENDING);
    let runtime = support::runtime();
    let job = support::job("je-9", "Pig", "t", json!({}), &[]);
    let launch = runtime.block_on(slow.run_job(job.clone())).expect("launched");
    let job = support::launched(job, launch.engine_job_id);
    let answers: Vec<Option<JobStatus>> = (0..3)
        .map(|_| runtime.block_on(slow.cancel_job(job.clone())).expect("answered").map(|report| report.status))
        .collect();
    assert_eq!(answers, [None, None, Some(JobStatus::KILLED)]);
}
