//! The engine driven directly (through `Host::from_services`) against the fake: staging,
//! submission, the cancel handshake, status, cancel, suspend and resume, scheduled runs,
//! errors, retries, timeouts, cleanup.

use std::time::{Duration, Instant};

use edp_plugin_api::{Engine, ErrorKind, HealthState, JobStatus, RunOutcome};
use serde_json::{Value, json};

use crate::fake::{FaultKind, NAME_NODE, Role};
use crate::support::{Rig, iso, job, launched, oozie_id, wait_until};

const ID: &str = "6b3c35b6-0000-4000-8000-000000000001";

fn pig_rig(config: Value) -> Rig {
    let rig = Rig::new(config);
    rig.host.add_template("pig", "Pig", &[("wordcount.pig", b"A = LOAD '$INPUT';")], &[("udf.jar", b"PK\x03\x04")]);
    rig.host.add_source("in", "hdfs", &format!("{NAME_NODE}/user/hadoop/input"));
    rig.host.add_source("out", "hdfs", &format!("{NAME_NODE}/user/hadoop/output/{ID}"));
    rig
}

fn pig_job(configs: Value) -> edp_plugin_api::JobExecution {
    let mut pig = job(ID, "Pig", "pig", json!({"configs": configs, "params": {"extra": "1"}, "args": ["-v"]}));
    pig.input_id = edp_plugin_api::abi_stable::std_types::ROption::RSome("in".into());
    pig.output_id = edp_plugin_api::abi_stable::std_types::ROption::RSome("out".into());
    pig
}

fn status_of(rig: &Rig, job: &edp_plugin_api::JobExecution) -> JobStatus {
    rig.engine.get_job_status(job).expect("status").expect("a report").status
}

fn dir() -> String {
    format!("/user/hadoop/pig-job/{ID}")
}

#[test]
fn a_pig_job_is_staged_over_webhdfs_submitted_and_started() {
    let rig = pig_rig(json!({}));
    let configs = json!({
        "mapreduce.job.reduces": 2,
        "oozie.launcher.mapreduce.map.memory.mb": "<&> 1024",
        "oozie.wf.application.path": "hdfs://evil/app",
        "fake.script": "RUNNING"
    });
    let outcome = rig.engine.run_job(&pig_job(configs)).expect("launched");
    let id = oozie_id(&outcome);
    assert_eq!(outcome.status.into_option(), Some(JobStatus::RUNNING));

    // The staged directory: the script beside workflow.xml, the lib under lib/.
    let dir = dir();
    assert_eq!(
        rig.fake.paths_under(&dir),
        [
            dir.clone(),
            format!("{dir}/lib"),
            format!("{dir}/lib/udf.jar"),
            format!("{dir}/wordcount.pig"),
            format!("{dir}/workflow.xml")
        ]
    );
    assert_eq!(rig.fake.file(&format!("{dir}/wordcount.pig")).as_deref(), Some(&b"A = LOAD '$INPUT';"[..]));
    let workflow = String::from_utf8(rig.fake.file(&format!("{dir}/workflow.xml")).expect("workflow")).expect("utf-8");
    assert!(workflow.contains(&format!("name=\"edp-{ID}\"")) && workflow.contains("<script>wordcount.pig</script>"));
    assert!(workflow.contains(&format!("<param>INPUT={NAME_NODE}/user/hadoop/input</param>")), "{workflow}");

    // Two-step CREATE: no data to the NameNode, all of it to the DataNode.
    let creates = rig.fake.requests_to(Role::NameNode, "PUT", &dir);
    assert!(creates.iter().filter(|r| r.param("op") == Some("CREATE")).all(|r| r.body.is_empty()));
    assert_eq!(rig.fake.requests_to(Role::DataNode, "PUT", &dir).len(), 3);

    // The submission: the exact content type, user.name, the job properties.
    let submits = rig.fake.requests_to(Role::Oozie, "POST", "/oozie/v2/jobs");
    assert_eq!(submits.len(), 1);
    assert_eq!(submits[0].content_type.as_deref(), Some("application/xml;charset=UTF-8"));
    assert!(rig.fake.requests().iter().all(|r| r.role == Role::DataNode || r.param("user.name") == Some("hadoop")));
    let oozie_job = rig.fake.job(&id).expect("the fake has the job");
    let conf = &oozie_job.conf;
    assert_eq!(conf["nameNode"], NAME_NODE);
    assert_eq!(conf["jobTracker"], "resourcemanager.fake:8032");
    assert_eq!(conf["user.name"], "hadoop");
    assert_eq!(
        conf["oozie.wf.application.path"],
        format!("{NAME_NODE}{dir}/workflow.xml"),
        "the user cannot override it"
    );
    assert_eq!(conf["oozie.use.system.libpath"], "true");
    assert_eq!(conf["oozie.libpath"], "");
    assert_eq!(conf["oozie.launcher.mapreduce.map.memory.mb"], "<&> 1024", "escaped on the way, intact on arrival");
    assert!(!conf.contains_key("mapreduce.job.reduces"));
    assert_eq!(
        (oozie_job.status.as_str(), oozie_job.starts, oozie_job.app_name.as_str()),
        ("RUNNING", 1, &*format!("edp-{ID}"))
    );

    // What the launch recorded.
    let extra: Value = serde_json::from_str(&outcome.extra.clone().into_option().expect("extra")).expect("json");
    assert_eq!(extra["workflow_dir"], dir.as_str());
    assert_eq!(extra["oozie_job_id"], id.as_str());
    assert_eq!(extra["endpoints"]["oozie_url"], rig.fake.oozie_url().as_str());
}

#[test]
fn status_is_oozie_s_whole_job_json_and_cleanup_follows_the_policy() {
    for (policy, end, removed) in [
        ("always", "SUCCEEDED", true),
        ("always", "FAILED", true),
        ("on_success", "SUCCEEDED", true),
        ("on_success", "FAILED", false),
        ("never", "SUCCEEDED", false),
    ] {
        let rig = pig_rig(json!({"cleanup": policy}));
        let pig = pig_job(json!({}));
        let outcome = rig.engine.run_job(&pig).expect("launched");
        let pig = launched(pig, &outcome);
        let report = rig.engine.get_job_status(&pig).expect("status").expect("report");
        assert_eq!(report.status, JobStatus::RUNNING);
        let info: Value = serde_json::from_str(&report.info).expect("info is JSON");
        assert_eq!(
            (info["id"].as_str(), info["appName"].as_str()),
            (Some(&*oozie_id(&outcome)), Some(&*format!("edp-{ID}")))
        );
        assert!(info["actions"].is_array() && info["conf"].is_string(), "{info}");
        rig.fake.set_status(&oozie_id(&outcome), end);
        let report = rig.engine.get_job_status(&pig).expect("status").expect("report");
        assert_eq!(report.status.to_string(), end);
        assert_eq!(!rig.fake.exists(&dir()), removed, "{policy} after {end}");
    }
}

#[test]
fn a_scripted_job_fails_on_its_own_and_the_report_says_so() {
    let rig = pig_rig(json!({}));
    let pig = pig_job(json!({"fake.script": "RUNNING:200ms,FAILED"}));
    let outcome = rig.engine.run_job(&pig).expect("launched");
    let pig = launched(pig, &outcome);
    assert!(wait_until(Duration::from_secs(10), || status_of(&rig, &pig) == JobStatus::FAILED));
    let report = rig.engine.get_job_status(&pig).expect("status").expect("report");
    let info: Value = serde_json::from_str(&report.info).expect("json");
    assert_eq!(info["actions"][1]["errorCode"], "JA018");
}

#[test]
fn cancel_kills_then_rereads_and_an_ignored_kill_is_not_taken_for_a_kill() {
    let rig = pig_rig(json!({}));
    let pig = pig_job(json!({"fake.ignore": "kill"}));
    let outcome = rig.engine.run_job(&pig).expect("launched");
    let pig = launched(pig, &outcome);
    assert_eq!(rig.engine.cancel_job(&pig).expect("cancel"), None, "oozie said 200 but the job still runs");
    assert_eq!(rig.fake.job(&oozie_id(&outcome)).expect("job").status, "RUNNING");

    let rig = pig_rig(json!({}));
    let pig = pig_job(json!({}));
    let outcome = rig.engine.run_job(&pig).expect("launched");
    let pig = launched(pig, &outcome);
    let report = rig.engine.cancel_job(&pig).expect("cancel").expect("a final report");
    assert_eq!(report.status, JobStatus::KILLED);
    assert_eq!(rig.fake.job(&oozie_id(&outcome)).expect("job").status, "KILLED");
    assert!(!rig.fake.exists(&dir()), "cleaned up after the kill");
    // A job that already ended is not killed: oozie ignores the kill, the engine reports the end.
    let rig = pig_rig(json!({}));
    let pig = pig_job(json!({}));
    let outcome = rig.engine.run_job(&pig).expect("launched");
    rig.fake.set_status(&oozie_id(&outcome), "SUCCEEDED");
    let report = rig.engine.cancel_job(&launched(pig, &outcome)).expect("cancel").expect("final");
    assert_eq!(report.status, JobStatus::SUCCEEDED);
}

#[test]
fn tobekilled_before_the_launch_touches_nothing() {
    let rig = pig_rig(json!({}));
    rig.host.set_status(ID, JobStatus::TOBEKILLED);
    let outcome = rig.engine.run_job(&pig_job(json!({}))).expect("answered");
    assert_eq!(outcome, RunOutcome::killed_before_launch());
    assert!(rig.fake.requests().is_empty(), "{:?}", rig.fake.requests());
}

#[test]
fn tobekilled_between_submit_and_start_kills_the_prep_job_instead_of_starting_it() {
    let rig = pig_rig(json!({}));
    let host = rig.host.clone();
    rig.fake.on_submit(move |_| host.set_status(ID, JobStatus::TOBEKILLED));
    let outcome = rig.engine.run_job(&pig_job(json!({}))).expect("answered");
    let id = oozie_id(&outcome);
    assert_eq!(outcome.status.into_option(), Some(JobStatus::KILLED));
    let oozie_job = rig.fake.job(&id).expect("submitted");
    assert_eq!(oozie_job.status, "KILLED", "not left behind in PREP, as Sahara did");
    assert_eq!((oozie_job.starts, oozie_job.controls.as_slice()), (0, &["kill".to_owned()][..]));
    assert!(oozie_job.started.is_none());
    assert!(!rig.fake.exists(&dir()), "the staged directory went with it");
}

#[test]
fn cancel_without_an_engine_job_id_finds_the_job_by_its_name_or_answers_not_yet() {
    let rig = pig_rig(json!({}));
    let pig = pig_job(json!({}));
    assert_eq!(rig.engine.cancel_job(&pig).expect("asked"), None, "nothing submitted yet: not yet");
    let outcome = rig.engine.run_job(&pig).expect("launched");
    // The host never recorded the launch: `pig` has no engine job id.
    let report = rig.engine.cancel_job(&pig).expect("cancel").expect("found and killed");
    assert_eq!(report.status, JobStatus::KILLED);
    assert_eq!(rig.fake.job(&oozie_id(&outcome)).expect("job").status, "KILLED");
}

#[test]
fn launching_the_same_execution_again_takes_over_the_job_instead_of_submitting_twice() {
    let rig = pig_rig(json!({}));
    let pig = pig_job(json!({}));
    let first = rig.engine.run_job(&pig).expect("launched");
    let second = rig.engine.run_job(&pig).expect("launched again");
    assert_eq!(oozie_id(&first), oozie_id(&second));
    assert_eq!(second.status.into_option(), Some(JobStatus::RUNNING));
    assert_eq!(rig.fake.requests_to(Role::Oozie, "POST", "/jobs").len(), 1);
    assert_eq!(rig.fake.job(&oozie_id(&first)).expect("job").starts, 1);
}

#[test]
fn a_failed_start_reports_readytorun_and_the_next_status_call_starts_the_job() {
    let rig = pig_rig(json!({}));
    rig.fake.inject(Role::Oozie, "PUT", "/v2/job/", 1, FaultKind::Status(500));
    let pig = pig_job(json!({}));
    let outcome = rig.engine.run_job(&pig).expect("launched, not failed");
    assert_eq!(outcome.status.into_option(), Some(JobStatus::READYTORUN));
    let extra: Value = serde_json::from_str(&outcome.extra.clone().into_option().expect("extra")).expect("json");
    assert!(extra["start_error"].as_str().is_some_and(|e| e.contains("HTTP 500 E0603")), "{extra}");
    assert_eq!(rig.fake.job(&oozie_id(&outcome)).expect("job").status, "PREP");
    assert_eq!(status_of(&rig, &launched(pig, &outcome)), JobStatus::RUNNING);
    assert_eq!(rig.fake.job(&oozie_id(&outcome)).expect("job").starts, 1);
}

#[test]
fn suspend_and_resume_go_through_oozie_and_report_what_oozie_did() {
    let rig = pig_rig(json!({}));
    let pig = pig_job(json!({}));
    let outcome = rig.engine.run_job(&pig).expect("launched");
    let pig = launched(pig, &outcome);
    let suspended = rig.engine.suspend_job(&pig).expect("suspend").expect("report");
    assert_eq!(suspended.status, JobStatus::SUSPENDED);
    assert_eq!(rig.fake.job(&oozie_id(&outcome)).expect("job").status, "SUSPENDED");
    assert_eq!(rig.engine.suspend_job(&pig).expect("again").expect("report").status, JobStatus::SUSPENDED);
    let resumed = rig.engine.resume_job(&pig).expect("resume").expect("report");
    assert_eq!(resumed.status, JobStatus::RUNNING);
    // Resuming a running job: oozie ignores it; the report is the truth, RUNNING.
    assert_eq!(rig.engine.resume_job(&pig).expect("resume").expect("report").status, JobStatus::RUNNING);
    let unlaunched = pig_job(json!({}));
    assert_eq!(rig.engine.suspend_job(&unlaunched).expect_err("no job yet").kind, ErrorKind::INVALID_JOB);
}

#[test]
fn oozie_errors_come_from_its_headers_and_a_failed_submission_leaves_nothing_behind() {
    let rig = pig_rig(json!({}));
    rig.fake.inject(Role::Oozie, "POST", "/v2/jobs", 1, FaultKind::Status(500));
    let err = rig.engine.run_job(&pig_job(json!({}))).expect_err("oozie failed");
    assert_eq!(err.kind, ErrorKind::UNAVAILABLE);
    assert!(err.message.contains("HTTP 500 E0603: SQL error in operation"), "{err}");
    assert!(!err.message.contains("Tomcat"), "{err}");
    assert_eq!(rig.fake.requests_to(Role::Oozie, "POST", "/v2/jobs").len(), 1, "a submission is never retried");
    assert!(rig.fake.paths_under(&dir()).is_empty(), "the staged directory was removed");

    let mut unknown = pig_job(json!({}));
    unknown.engine_job_id =
        edp_plugin_api::abi_stable::std_types::ROption::RSome("0000042-000000000000000-oozie-oozi-W".into());
    let err = rig.engine.get_job_status(&unknown).expect_err("unknown");
    assert_eq!(err.kind, ErrorKind::NOT_FOUND);
    assert!(err.message.contains("E0604: Job does not exist"), "{err}");
    let report = rig.engine.cancel_job(&unknown).expect("cancel").expect("final");
    assert_eq!(report.status, JobStatus::KILLED, "a job oozie forgot is gone");

    // A job oozie refuses (its workflow asks for a variable nobody defines) is an invalid job.
    rig.fake.inject(Role::Oozie, "POST", "/v2/jobs", 1, FaultKind::Status(400));
    let err = rig.engine.run_job(&pig_job(json!({}))).expect_err("refused");
    assert_eq!(err.kind, ErrorKind::INVALID_JOB, "{err}");
}

#[test]
fn reads_are_retried_and_writes_are_not() {
    let rig = pig_rig(json!({"read_retries": 2}));
    let pig = pig_job(json!({}));
    let outcome = rig.engine.run_job(&pig).expect("launched");
    let pig = launched(pig, &outcome);
    let id = oozie_id(&outcome);
    let before = rig.fake.requests_to(Role::Oozie, "GET", &id).len();
    rig.fake.inject(Role::Oozie, "GET", &id, 2, FaultKind::Status(503));
    assert_eq!(status_of(&rig, &pig), JobStatus::RUNNING, "two 503s, then an answer");
    assert_eq!(rig.fake.requests_to(Role::Oozie, "GET", &id).len() - before, 3);
    rig.fake.inject(Role::Oozie, "GET", &id, 1, FaultKind::Drop);
    assert_eq!(status_of(&rig, &pig), JobStatus::RUNNING, "a dropped connection is retried too");
    rig.fake.inject(Role::Oozie, "GET", &id, 3, FaultKind::Status(500));
    let err = rig.engine.get_job_status(&pig).expect_err("three failures, two retries");
    assert_eq!(err.kind, ErrorKind::UNAVAILABLE);
    rig.fake.inject(Role::Oozie, "PUT", &id, 1, FaultKind::Status(500));
    let err = rig.engine.suspend_job(&pig).expect_err("not retried");
    assert!(err.message.contains("suspend of job"), "{err}");
    assert_eq!(
        rig.fake.requests_to(Role::Oozie, "PUT", &id).iter().filter(|r| r.param("action") == Some("suspend")).count(),
        1
    );
}

#[test]
fn a_slow_oozie_is_cut_off_by_the_read_timeout_and_not_retried() {
    let rig = pig_rig(json!({"read_timeout_secs": 0.5}));
    let pig = pig_job(json!({}));
    let outcome = rig.engine.run_job(&pig).expect("launched");
    let pig = launched(pig, &outcome);
    rig.fake.inject(Role::Oozie, "GET", &oozie_id(&outcome), 1, FaultKind::DelayBefore(Duration::from_secs(3)));
    let started = Instant::now();
    let err = rig.engine.get_job_status(&pig).expect_err("too slow");
    assert!(started.elapsed() < Duration::from_millis(2500), "{:?}", started.elapsed());
    assert_eq!(err.kind, ErrorKind::UNAVAILABLE);
    assert!(err.message.contains("did not answer") && err.message.contains("0.5s"), "{err}");
}

#[test]
fn oozie_down_is_a_clear_unavailable_error_until_it_comes_back() {
    let rig = pig_rig(json!({}));
    let pig = pig_job(json!({}));
    let outcome = rig.engine.run_job(&pig).expect("launched");
    let pig = launched(pig, &outcome);
    rig.fake.stop(Role::Oozie);
    let err = rig.engine.get_job_status(&pig).expect_err("down");
    assert_eq!(err.kind, ErrorKind::UNAVAILABLE);
    assert!(err.message.contains("cannot reach oozie") && err.message.contains(&rig.fake.oozie_url()), "{err}");
    rig.fake.restart(Role::Oozie);
    assert_eq!(status_of(&rig, &pig), JobStatus::RUNNING);
    // WebHDFS down: the launch fails before anything is submitted.
    rig.fake.stop(Role::NameNode);
    let mut other = job("6b3c35b6-0000-4000-8000-000000000002", "Pig", "pig", json!({}));
    other.input_id = pig.input_id.clone();
    other.output_id = pig.output_id.clone();
    let err = rig.engine.run_job(&other).expect_err("no webhdfs");
    assert!(err.message.contains("cannot reach webhdfs"), "{err}");
    assert_eq!(rig.fake.requests_to(Role::Oozie, "POST", "/jobs").len(), 1);
}

#[test]
fn the_status_of_a_job_whose_cluster_record_is_gone_uses_the_endpoints_recorded_at_launch() {
    let rig = pig_rig(json!({}));
    let pig = pig_job(json!({}));
    let outcome = rig.engine.run_job(&pig).expect("launched");
    rig.host.remove_cluster("c1");
    assert_eq!(status_of(&rig, &launched(pig, &outcome)), JobStatus::RUNNING);
}

#[test]
fn health_asks_the_default_oozie_for_its_system_mode() {
    let engine_rig = Rig::new(json!({}));
    let probe = |mode: Option<&str>| {
        if let Some(mode) = mode {
            engine_rig.fake.set_system_mode(mode);
        }
        let host = edp_plugin_api::Host::from_services(engine_rig.host.clone());
        let config = json!({"oozie_url": engine_rig.fake.oozie_url(), "read_retries": 0});
        let engine = <edp_engine_oozie::OoziePlugin as edp_plugin_api::Plugin>::new_engine(&config.to_string(), host)
            .expect("engine");
        engine.health().expect("health")
    };
    assert_eq!(probe(None).state, HealthState::HEALTHY);
    let degraded = probe(Some("SAFEMODE"));
    assert_eq!(degraded.state, HealthState::DEGRADED);
    assert!(degraded.message.contains("SAFEMODE"));
    engine_rig.fake.stop(Role::Oozie);
    assert_eq!(probe(None).state, HealthState::UNHEALTHY);
}

#[test]
fn a_scheduled_run_is_a_coordinator_with_its_schedule_in_the_properties() {
    let rig = Rig::new(json!({}));
    rig.host.add_template("java", "Java", &[], &[("app.jar", b"PK")]);
    let now_minute = crate::support::now_minute();
    let schedule = |start: u64| {
        json!({
            "configs": {"edp.java.main_class": "org.example.Main"},
            "args": ["x"],
            "job_execution_info": {"job_execution_type": "scheduled", "start": iso(start), "end": iso(now_minute + 120), "frequency": 60}
        })
    };
    // Validation wants a start that is not past; the run itself keeps whatever schedule it got.
    rig.engine.validate_job_execution(&job(ID, "Java", "java", schedule(now_minute + 1))).expect("a valid schedule");
    let coordinator = job(ID, "Java", "java", schedule(now_minute - 1));
    let outcome = rig.engine.run_scheduled_job(&coordinator).expect("scheduled");
    let id = oozie_id(&outcome);
    assert!(id.ends_with("-C"), "{id}");
    assert_eq!(outcome.status.into_option(), Some(JobStatus::RUNNING));
    let dir = format!("/user/hadoop/java-job/{ID}");
    assert!(rig.fake.exists(&format!("{dir}/coordinator.xml")) && rig.fake.exists(&format!("{dir}/workflow.xml")));
    let oozie_job = rig.fake.job(&id).expect("coordinator");
    assert_eq!(oozie_job.conf["oozie.coord.application.path"], format!("{NAME_NODE}{dir}"));
    assert_eq!(oozie_job.conf["workflowAppUri"], format!("{NAME_NODE}{dir}"));
    assert_eq!(oozie_job.conf["start"], iso(now_minute - 1));
    assert_eq!(oozie_job.conf["frequency"], "60");
    assert!(oozie_job.controls.is_empty(), "a coordinator is not started: it runs on its schedule");
    let coordinator = launched(coordinator, &outcome);
    assert_eq!(status_of(&rig, &coordinator), JobStatus::RUNNING);
    assert_eq!(rig.engine.suspend_job(&coordinator).expect("suspend").expect("report").status, JobStatus::SUSPENDED);
    assert_eq!(rig.engine.cancel_job(&coordinator).expect("cancel").expect("report").status, JobStatus::KILLED);

    let past = job(
        ID,
        "Java",
        "java",
        json!({"configs": {"edp.java.main_class": "M"}, "job_execution_info": {
            "job_execution_type": "scheduled", "start": "2015-06-10T06:05Z", "end": "2015-06-11T06:05Z", "frequency": 60}}),
    );
    let err = rig.engine.validate_job_execution(&past).expect_err("start in the past");
    assert!(err.message.contains("in the past"), "{err}");
}

#[test]
fn validation_follows_sahara() {
    let rig = pig_rig(json!({}));
    rig.engine.validate_job_execution(&pig_job(json!({}))).expect("valid");
    let mut no_output = pig_job(json!({}));
    no_output.output_id = edp_plugin_api::abi_stable::std_types::ROption::RNone;
    assert!(
        rig.engine.validate_job_execution(&no_output).expect_err("no output").message.contains("output data source")
    );
    rig.host.add_source("same", "hdfs", &format!("{NAME_NODE}/user/hadoop/input"));
    let mut same = pig_job(json!({}));
    same.output_id = edp_plugin_api::abi_stable::std_types::ROption::RSome("same".into());
    assert!(rig.engine.validate_job_execution(&same).expect_err("same").message.contains("the same"));
    rig.host.add_template("java", "Java", &[], &[("app.jar", b"PK")]);
    let java = job(ID, "Java", "java", json!({"configs": {}}));
    assert!(
        rig.engine.validate_job_execution(&java).expect_err("no main class").message.contains("edp.java.main_class")
    );
    let spark = job(ID, "Spark", "java", json!({}));
    assert_eq!(rig.engine.validate_job_execution(&spark).expect_err("spark").kind, ErrorKind::NOT_SUPPORTED);
    let mut bad_id = pig_job(json!({}));
    bad_id.id = "../../etc".into();
    assert_eq!(rig.engine.validate_job_execution(&bad_id).expect_err("bad id").kind, ErrorKind::INVALID_JOB);
    let hints = rig.engine.get_possible_job_config("Java").expect("hints").expect("some");
    assert!(hints.contains("edp.java.main_class"));
}

#[test]
fn a_cluster_without_endpoints_and_no_defaults_is_refused_with_the_key_named() {
    let fake = crate::fake::Fake::start();
    let host = crate::support::FakeHost::default();
    host.add_cluster("c1", json!({"oozie_url": fake.oozie_url()}));
    host.add_template("pig", "Pig", &[("s.pig", b"")], &[]);
    host.add_source("in", "hdfs", "hdfs://nn/in");
    host.add_source("out", "hdfs", "hdfs://nn/out");
    let engine = <edp_engine_oozie::OoziePlugin as edp_plugin_api::Plugin>::new_engine(
        "{}",
        edp_plugin_api::Host::from_services(host),
    )
    .expect("engine");
    let err = engine.validate_job_execution(&pig_job(json!({}))).expect_err("no webhdfs_url");
    assert_eq!(err.kind, ErrorKind::INVALID_CONFIG);
    assert!(err.message.contains("`webhdfs_url`"), "{err}");
    let err = engine.run_job(&pig_job(json!({}))).expect_err("no webhdfs_url");
    assert!(err.message.contains("`webhdfs_url`"), "{err}");
    assert!(fake.requests().is_empty());
}

#[test]
fn shell_and_java_jobs_stage_their_binaries_where_their_workflows_look() {
    let rig = Rig::new(json!({"cleanup": "never"}));
    rig.host.add_template("sh", "Shell", &[("run.sh", b"#!/bin/sh\necho hi\n")], &[("helper.py", b"print(1)")]);
    let outcome = rig
        .engine
        .run_job(&job(ID, "Shell", "sh", json!({"params": {"GREETING": "hi there"}, "args": ["a b"]})))
        .expect("shell launched");
    let dir = format!("/user/hadoop/sh-job/{ID}");
    assert_eq!(
        rig.fake.paths_under(&dir),
        [dir.clone(), format!("{dir}/helper.py"), format!("{dir}/run.sh"), format!("{dir}/workflow.xml")]
    );
    assert_eq!(rig.fake.job(&oozie_id(&outcome)).expect("job").action_type, "shell");

    let id2 = "6b3c35b6-0000-4000-8000-000000000003";
    rig.host.add_template("java", "Java", &[], &[("app.jar", b"PK")]);
    let outcome = rig
        .engine
        .run_job(&job(
            id2,
            "Java",
            "java",
            json!({"configs": {"edp.java.main_class": "org.example.Main", "edp.hbase_common_lib": true}}),
        ))
        .expect("java launched");
    let oozie_job = rig.fake.job(&oozie_id(&outcome)).expect("job");
    assert!(rig.fake.exists(&format!("/user/hadoop/java-job/{id2}/lib/app.jar")));
    assert_eq!(oozie_job.action_type, "java");
    assert_eq!(oozie_job.conf["oozie.libpath"], format!("{NAME_NODE}/user/sahara-hbase-lib"));
}
