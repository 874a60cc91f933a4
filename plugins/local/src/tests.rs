//! End-to-end tests of the engine's core with real processes: launch, status and cancel,
//! through the same launcher, status reader and canceller the engine uses, minus the `Host`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use edp_plugin_api::{JobConfigs, JobStatus, JobType, Plugin, StatusReport};
use rustix::process::Signal;
use serde_json::Value;

use edp_process_supervisor::background::{self, Spawner};
use edp_process_supervisor::cancel::Canceller;
use edp_process_supervisor::engine_id::EngineJobId;
use edp_process_supervisor::launch::{Launch, LaunchSpec, Launcher};
use edp_process_supervisor::process;
use edp_process_supervisor::status;
use edp_process_supervisor::workdir::{Binary, JobDir};

use crate::command;

const TIMEOUT: Duration = Duration::from_secs(30);

fn now_millis() -> i64 {
    let since_epoch = SystemTime::now().duration_since(UNIX_EPOCH).expect("clock after 1970");
    i64::try_from(since_epoch.as_millis()).expect("fits")
}

/// Threads as the engine starts them, without a host log scope.
fn threads() -> Spawner {
    background::spawner(|| ())
}

/// A spawner that never runs its tasks: an engine whose threads died with a host restart.
fn no_threads() -> Spawner {
    Arc::new(|_name: &str, _task| Ok(()))
}

/// Polls `condition` until it holds; panics after `timeout`.
fn wait_until(what: &str, timeout: Duration, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !condition() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn info(report: &StatusReport) -> Value {
    serde_json::from_str(&report.info).expect("info is JSON")
}

/// Kills a job's process group when a test ends, whatever happened.
struct KillOnDrop(i32);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = process::signal_group(self.0, Signal::KILL);
    }
}

/// A temporary engine work dir with one job directory in it.
struct Fixture {
    tmp: tempfile::TempDir,
    dir: JobDir,
    launcher: Launcher,
}

impl Fixture {
    fn new() -> Self {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = JobDir::new(tmp.path(), "job-1").expect("valid id");
        dir.create().expect("job dir");
        Self { tmp, dir, launcher: Launcher::new(threads()) }
    }

    /// A Shell job running `script` with `job_configs`, run by `/bin/sh` if it has no `#!`.
    fn shell(&self, script: &str, job_configs: &str) -> LaunchSpec {
        let configs = JobConfigs::parse(job_configs).expect("job_configs");
        let binary = Binary { name: "script.sh".into(), data: script.as_bytes().to_vec() };
        let paths = self.dir.write_binaries(std::slice::from_ref(&binary), true).expect("written");
        command::shell_command("/bin/sh", &paths[0], &binary.data, &configs).expect("command")
    }

    /// Launches `spec`; the receiver gets a message when the supervisor exits.
    fn launch(&self, spec: &LaunchSpec) -> (EngineJobId, mpsc::Receiver<()>) {
        let (exited, on_exit) = mpsc::channel();
        let outcome = self
            .launcher
            .launch(
                &self.dir,
                spec,
                || Ok(true),
                Box::new(move || {
                    let _ = exited.send(());
                }),
            )
            .expect("launched");
        let Launch::Started(id) = outcome else { panic!("expected a new launch, got {outcome:?}") };
        (id, on_exit)
    }

    /// Waits for the exit notification, then reads the status.
    fn finished(&self, id: EngineJobId, on_exit: &mpsc::Receiver<()>) -> StatusReport {
        on_exit.recv_timeout(TIMEOUT).expect("the waiter reports the exit");
        status::job_status(&self.dir, id)
    }

    fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.root().join(name)).expect("readable")
    }

    /// Waits until the job wrote file `name` (non-empty, newline-terminated) and returns it.
    fn wait_for_file(&self, name: &str) -> String {
        let path = self.dir.root().join(name);
        let mut text = String::new();
        wait_until(name, TIMEOUT, || {
            text = std::fs::read_to_string(&path).unwrap_or_default();
            text.ends_with('\n')
        });
        text.trim().to_owned()
    }
}

/// Cancels until the canceller answers with a report.
fn cancel_until_done(canceller: &Canceller, fx: &Fixture, id: EngineJobId) -> StatusReport {
    let deadline = Instant::now() + TIMEOUT;
    loop {
        if let Some(report) = canceller.cancel(&fx.dir, id, now_millis()).expect("cancel") {
            return report;
        }
        assert!(Instant::now() < deadline, "the job did not stop");
    }
}

#[test]
fn manifest_declares_local_with_shell_and_java() {
    let manifest = crate::LocalPlugin::manifest();
    assert_eq!(manifest.name, "local");
    assert_eq!(manifest.version, env!("CARGO_PKG_VERSION"));
    assert_eq!(manifest.job_types, [JobType::Shell, JobType::Java]);
    assert_eq!(manifest.capabilities, edp_plugin_api::Capabilities::NONE);
    assert_eq!(manifest.config_schema["type"], "object");
}

#[test]
fn shell_job_gets_args_params_and_its_own_directory() {
    let fx = Fixture::new();
    let spec = fx.shell(
        "#!/bin/sh\necho \"$#:$1:$2\"\necho \"input=$INPUT\"\npwd\necho oops >&2\n",
        r#"{"args": ["a b", "$(id)"], "params": {"INPUT": "x y; `id`"}}"#,
    );
    let (id, on_exit) = fx.launch(&spec);
    assert_eq!(fx.dir.recorded_engine_id().expect("readable"), Some(id));

    let report = fx.finished(id, &on_exit);
    assert_eq!(report.status, JobStatus::SUCCEEDED);
    let info = info(&report);
    assert_eq!(info["exit_code"], 0);
    assert_eq!(info["pid"], id.pid);
    let root = fx.dir.root().display().to_string();
    assert_eq!(fx.read("stdout"), format!("2:a b:$(id)\ninput=x y; `id`\n{root}\n"));
    assert_eq!(fx.read("stderr"), "oops\n");
    assert!(!fx.dir.launching_file().exists());
}

#[test]
fn script_without_shebang_runs_through_the_configured_shell() {
    let fx = Fixture::new();
    let fake_shell = fx.tmp.path().join("fake-shell");
    std::fs::write(&fake_shell, "#!/bin/sh\necho \"fake-shell $*\"\nexec /bin/sh \"$@\"\n").expect("write");
    std::fs::set_permissions(&fake_shell, std::os::unix::fs::PermissionsExt::from_mode(0o755)).expect("chmod");
    let script = b"echo from-script \"$1\"\n";
    let binary = Binary { name: "plain".into(), data: script.to_vec() };
    let paths = fx.dir.write_binaries(&[binary], true).expect("written");
    let configs = JobConfigs::parse(r#"{"args": ["x"]}"#).expect("configs");
    let shell = fake_shell.to_str().expect("utf-8 path");
    let spec = command::shell_command(shell, &paths[0], script, &configs).expect("command");

    let (id, on_exit) = fx.launch(&spec);
    assert_eq!(fx.finished(id, &on_exit).status, JobStatus::SUCCEEDED);
    let script_path = paths[0].display();
    assert_eq!(fx.read("stdout"), format!("fake-shell {script_path} x\nfrom-script x\n"));
}

#[test]
fn failing_and_missing_programs_are_failed_with_their_exit_code() {
    let fx = Fixture::new();
    let (id, on_exit) = fx.launch(&fx.shell("#!/bin/sh\nexit 3\n", "{}"));
    let report = fx.finished(id, &on_exit);
    assert_eq!(report.status, JobStatus::FAILED);
    assert_eq!(info(&report)["exit_code"], 3);

    let other = Fixture::new();
    let spec = LaunchSpec { program: "/no/such/program".into(), args: vec![], env: vec![] };
    let (id, on_exit) = other.launch(&spec);
    let report = other.finished(id, &on_exit);
    assert_eq!(report.status, JobStatus::FAILED);
    assert_eq!(info(&report)["exit_code"], 127);
}

#[test]
fn launching_twice_starts_the_job_once() {
    let fx = Fixture::new();
    let spec = fx.shell("#!/bin/sh\necho run >> runs\n", "{}");
    let (id, on_exit) = fx.launch(&spec);
    let again = fx.launcher.launch(&fx.dir, &spec, || Ok(true), Box::new(|| ())).expect("ok");
    assert_eq!(again, Launch::AlreadyLaunched(id));
    assert_eq!(fx.finished(id, &on_exit).status, JobStatus::SUCCEEDED);

    // A new launcher (a restarted host) finds the recorded launch too.
    let restarted = Launcher::new(threads());
    let again = restarted.launch(&fx.dir, &spec, || Ok(true), Box::new(|| ())).expect("ok");
    assert_eq!(again, Launch::AlreadyLaunched(id));
    assert_eq!(fx.read("runs"), "run\n");
}

#[test]
fn cancel_handshake_stops_the_launch() {
    let fx = Fixture::new();
    let spec = fx.shell("#!/bin/sh\necho run >> runs\n", "{}");
    let outcome = fx.launcher.launch(&fx.dir, &spec, || Ok(false), Box::new(|| ()));
    assert_eq!(outcome.expect("no error"), Launch::Cancelled);
    let failing = || Err(edp_plugin_api::EngineError::unavailable("host is down"));
    assert!(fx.launcher.launch(&fx.dir, &spec, failing, Box::new(|| ())).is_err());

    assert_eq!(fx.launcher.recorded(&fx.dir).expect("readable"), None);
    assert!(!fx.dir.pid_file().exists());
    assert!(!fx.dir.root().join("stdout").exists());
}

#[test]
fn cancel_before_launch_wins_over_a_later_launch() {
    let fx = Fixture::new();
    let spec = fx.shell("#!/bin/sh\necho run >> runs\n", "{}");
    assert_eq!(fx.launcher.cancel_unless_launched(&fx.dir, now_millis()).expect("ok"), None);
    let outcome = fx.launcher.launch(&fx.dir, &spec, || Ok(true), Box::new(|| ()));
    assert_eq!(outcome.expect("no error"), Launch::Cancelled);
    assert!(!fx.dir.pid_file().exists());
}

#[test]
fn cancel_stops_the_job_and_its_children() {
    let fx = Fixture::new();
    let spec = fx.shell("#!/bin/sh\nsleep 1000 &\necho $! > child.pid\nwait\n", "{}");
    let (id, on_exit) = fx.launch(&spec);
    let _cleanup = KillOnDrop(id.pid);
    let child: i32 = fx.wait_for_file("child.pid").parse().expect("child pid");
    let child_start = process::start_time(child).expect("child runs");
    assert_eq!(status::job_status(&fx.dir, id).status, JobStatus::RUNNING);

    let canceller = Canceller::new(Duration::from_secs(10), Signal::TERM, threads());
    let report = cancel_until_done(&canceller, &fx, id);
    assert_eq!(report.status, JobStatus::KILLED);
    assert!(info(&report)["cancel_requested_at"].is_i64());
    assert!(!process::group_alive(id.pid), "no process of the job is left");
    assert!(!process::is_alive(EngineJobId { pid: child, start_time: child_start }));

    on_exit.recv_timeout(TIMEOUT).expect("the waiter reports the exit");
    assert_eq!(status::job_status(&fx.dir, id).status, JobStatus::KILLED);
    // Cancelling again is harmless and gives the same answer.
    let again = canceller.cancel(&fx.dir, id, now_millis()).expect("cancel");
    assert_eq!(again.map(|report| report.status), Some(JobStatus::KILLED));
}

#[test]
fn a_job_that_ignores_sigterm_is_killed_after_the_grace_period() {
    let fx = Fixture::new();
    let spec = fx.shell("#!/bin/sh\ntrap '' TERM\necho ready > ready\nsleep 1000\n", "{}");
    let (id, _on_exit) = fx.launch(&spec);
    let _cleanup = KillOnDrop(id.pid);
    fx.wait_for_file("ready");

    let grace = Duration::from_secs(2);
    let canceller = Canceller::new(grace, Signal::TERM, threads());
    let started = Instant::now();
    assert_eq!(canceller.cancel(&fx.dir, id, now_millis()).expect("cancel"), None);
    // SIGTERM ended the supervisor but not the job: it is still running, not KILLED yet.
    assert!(process::group_alive(id.pid));
    assert_eq!(status::job_status(&fx.dir, id).status, JobStatus::RUNNING);

    // The watcher thread sends SIGKILL when the grace period ends; nobody asks again.
    wait_until("the group to die", TIMEOUT, || !process::group_alive(id.pid));
    assert!(started.elapsed() >= grace - Duration::from_millis(100));
    assert_eq!(status::job_status(&fx.dir, id).status, JobStatus::KILLED);
    let report = canceller.cancel(&fx.dir, id, now_millis()).expect("cancel");
    assert_eq!(report.map(|report| report.status), Some(JobStatus::KILLED));
}

#[test]
fn cancel_after_the_grace_period_kills_without_a_watcher() {
    let fx = Fixture::new();
    let spec = fx.shell("#!/bin/sh\ntrap '' TERM\necho ready > ready\nsleep 1000\n", "{}");
    let (id, _on_exit) = fx.launch(&spec);
    let _cleanup = KillOnDrop(id.pid);
    fx.wait_for_file("ready");

    // No watcher threads: as if the host restarted after the first request.
    let grace = Duration::from_millis(300);
    let canceller = Canceller::new(grace, Signal::TERM, no_threads());
    let first = now_millis();
    assert_eq!(canceller.cancel(&fx.dir, id, first).expect("cancel"), None);
    wait_until("the grace period", TIMEOUT, || now_millis() > first + 300);
    assert!(process::group_alive(id.pid), "SIGTERM alone does not stop this job");

    let report = cancel_until_done(&canceller, &fx, id);
    assert_eq!(report.status, JobStatus::KILLED);
    assert!(!process::group_alive(id.pid));
}

#[test]
fn a_job_that_vanishes_without_exit_code_is_failed() {
    let fx = Fixture::new();
    let (id, on_exit) = fx.launch(&fx.shell("#!/bin/sh\nsleep 1000\n", "{}"));
    let _cleanup = KillOnDrop(id.pid);
    fx.wait_for_file(".edp/pid");
    process::signal_group(id.pid, Signal::KILL).expect("killed");

    let report = fx.finished(id, &on_exit);
    assert_eq!(report.status, JobStatus::FAILED);
    let info = info(&report);
    assert!(info["message"].as_str().expect("message").contains("vanished"));
    assert!(info.get("exit_code").is_none());
}

#[test]
fn cancelling_a_finished_job_reports_how_it_ended() {
    let fx = Fixture::new();
    let (id, on_exit) = fx.launch(&fx.shell("#!/bin/sh\ntrue\n", "{}"));
    assert_eq!(fx.finished(id, &on_exit).status, JobStatus::SUCCEEDED);
    let canceller = Canceller::new(Duration::from_secs(10), Signal::TERM, threads());
    let report = canceller.cancel(&fx.dir, id, now_millis()).expect("cancel");
    assert_eq!(report.map(|report| report.status), Some(JobStatus::SUCCEEDED));
    assert_eq!(fx.dir.cancel_requested_at(), None);
}

#[test]
fn a_launch_whose_record_was_lost_is_recovered_from_the_pid_file() {
    let fx = Fixture::new();
    let (id, _on_exit) = fx.launch(&fx.shell("#!/bin/sh\nsleep 1000\n", "{}"));
    let _cleanup = KillOnDrop(id.pid);
    fx.wait_for_file(".edp/pid");
    // The host died between spawning the supervisor and recording its id.
    std::fs::remove_file(fx.dir.engine_id_file()).expect("removed");
    std::fs::write(fx.dir.launching_file(), "").expect("marker");

    let restarted = Launcher::new(threads());
    assert_eq!(restarted.recorded(&fx.dir).expect("recovered"), Some(id));
    assert_eq!(fx.dir.recorded_engine_id().expect("readable"), Some(id));
    assert!(!fx.dir.launching_file().exists());
}

#[test]
fn a_launch_that_never_started_is_not_recovered() {
    let fx = Fixture::new();
    std::fs::write(fx.dir.launching_file(), "").expect("marker");
    assert_eq!(fx.launcher.recorded(&fx.dir).expect("readable"), None);
    let (id, on_exit) = fx.launch(&fx.shell("#!/bin/sh\ntrue\n", "{}"));
    assert_eq!(fx.finished(id, &on_exit).status, JobStatus::SUCCEEDED);
}

/// `Some(path)` of a JDK tool on `PATH`.
fn tool(name: &str) -> Option<PathBuf> {
    edp_process_supervisor::program::find_program(name)
}

fn run(program: &Path, args: &[&str], cwd: &Path) {
    let status = Command::new(program).args(args).current_dir(cwd).status().expect("runs");
    assert!(status.success(), "{} {args:?} failed", program.display());
}

#[test]
fn java_job_runs_its_main_class_from_the_jars() {
    let (Some(javac), Some(jar), Some(_)) = (tool("javac"), tool("jar"), tool("java")) else {
        println!("skipped: javac, jar or java is not on PATH");
        return;
    };
    let fx = Fixture::new();
    let src = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        src.path().join("Hello.java"),
        "public class Hello { public static void main(String[] args) { \
         System.out.println(\"hello \" + String.join(\",\", args) + \" \" \
         + System.getProperty(\"edp.test\")); } }",
    )
    .expect("write");
    run(&javac, &["-d", "classes", "Hello.java"], src.path());
    run(&jar, &["cf", "hello.jar", "-C", "classes", "."], src.path());
    let data = std::fs::read(src.path().join("hello.jar")).expect("jar");
    let binary = Binary { name: "hello.jar".into(), data };
    let classpath = fx.dir.write_binaries(&[binary], false).expect("written");
    let configs = JobConfigs::parse(
        r#"{"configs": {"edp.java.main_class": "Hello", "edp.java.java_opts": "-Dedp.test=yes -Xss1m"},
            "args": ["a", "b c"]}"#,
    )
    .expect("configs");
    let spec = command::java_command("java", &classpath, &configs).expect("command");

    let (id, on_exit) = fx.launch(&spec);
    on_exit.recv_timeout(Duration::from_secs(120)).expect("java exits");
    let report = status::job_status(&fx.dir, id);
    assert_eq!(report.status, JobStatus::SUCCEEDED, "stderr: {}", fx.read("stderr"));
    assert_eq!(fx.read("stdout"), "hello a,b c yes\n");
}
