//! The `edp-host serve` and `edp-host run` processes end to end: real jobs on the local engine,
//! Ctrl-C, the data-directory lock, and SIGKILL while jobs run.

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use edp_host::store::{SqliteStore, Store};
use edp_plugin_api::JobStatus;
use rustix::process::{Pid, Signal, kill_process};
use serde_json::json;

use crate::{records, support};

/// A running `edp-host` with its output collected line by line.
pub(crate) struct HostProcess {
    child: Child,
    lines: Arc<Mutex<Vec<String>>>,
    readers: Vec<std::thread::JoinHandle<()>>,
}

impl HostProcess {
    pub(crate) fn start(config: &Path, args: &[&str]) -> HostProcess {
        Self::start_with_env(config, args, &[])
    }

    pub(crate) fn start_with_env(config: &Path, args: &[&str], env: &[(&str, &str)]) -> HostProcess {
        let mut child = Command::new(env!("CARGO_BIN_EXE_edp-host"))
            .arg("--config")
            .arg(config)
            .args(args)
            .envs(env.iter().copied())
            .env("RUST_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start edp-host");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let mut readers = Vec::new();
        for stream in [
            child.stdout.take().map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
            child.stderr.take().map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
        ]
        .into_iter()
        .flatten()
        {
            let lines = Arc::clone(&lines);
            readers.push(std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    lines.lock().unwrap_or_else(PoisonError::into_inner).push(line);
                }
            }));
        }
        HostProcess { child, lines, readers }
    }

    pub(crate) fn output(&self) -> Vec<String> {
        self.lines.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    pub(crate) fn wait_for_line(&self, what: &str, predicate: impl Fn(&str) -> bool) -> String {
        let mut found = None;
        let seen = support::wait_until(Duration::from_secs(60), || {
            found = self.output().into_iter().find(|line| predicate(line));
            found.is_some()
        });
        assert!(seen, "edp-host never printed {what}; output:\n{}", self.output().join("\n"));
        found.unwrap_or_default()
    }

    pub(crate) fn signal(&self, signal: Signal) {
        kill_process(Pid::from_child(&self.child), signal).expect("signal edp-host");
    }

    pub(crate) fn wait(mut self) -> (Option<i32>, Vec<String>) {
        let mut status = None;
        let exited = support::wait_until(Duration::from_secs(60), || {
            status = self.child.try_wait().expect("wait");
            status.is_some()
        });
        assert!(exited, "edp-host did not exit; output:\n{}", self.output().join("\n"));
        // The readers end at the end of the pipes: then every line is in.
        let drained =
            support::wait_until(Duration::from_secs(10), || self.readers.iter().all(|reader| reader.is_finished()));
        assert!(drained, "edp-host's output pipes stayed open after it exited");
        (status.and_then(|status| status.code()), self.output())
    }
}

impl Drop for HostProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn local_config(dir: &Path) -> PathBuf {
    support::write_config(
        dir,
        &format!(
            "[host]\ndata_dir = \"data\"\nplugin_dirs = [{:?}]\npoll_interval_secs = 3600\n\n\
             [engines.local.config]\ngrace_period_secs = 1\n\n[[routes]]\ncluster_type = \"*\"\nengine = \"local\"\n",
            support::engine_libraries().display().to_string()
        ),
    )
}

fn script(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write script");
    path.display().to_string()
}

fn statuses(output: &[String]) -> Vec<&str> {
    output.iter().filter_map(|line| line.strip_prefix("status: ")).collect()
}

fn value_of<'a>(output: &'a [String], key: &str) -> Option<&'a str> {
    output.iter().find_map(|line| line.strip_prefix(key))
}

#[test]
fn run_follows_a_shell_job_from_pending_to_succeeded_without_waiting_for_a_poll() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = local_config(dir.path());
    let main = script(dir.path(), "hello.sh", "#!/bin/sh\necho \"hello $1 $2 from $WHO\"\n");
    let host = HostProcess::start(
        &config,
        &[
            "run",
            "--cluster-type",
            "vanilla",
            "--version",
            "2.7.1",
            "--job-type",
            "Shell",
            "--main",
            &main,
            "--param",
            "WHO=edp",
            "--",
            "big",
            "world",
        ],
    );
    let (code, output) = host.wait();
    assert_eq!(code, Some(0), "{output:#?}");
    assert_eq!(statuses(&output), ["PENDING", "RUNNING", "SUCCEEDED"], "{output:#?}");
    let stdout = value_of(&output, "stdout: ").expect("stdout path printed");
    assert_eq!(std::fs::read_to_string(stdout).expect("read stdout"), "hello big world from edp\n");
}

#[test]
fn run_of_a_failing_job_exits_non_zero_and_points_at_its_stderr() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = local_config(dir.path());
    let main = script(dir.path(), "fail.sh", "#!/bin/sh\necho \"it broke\" >&2\nexit 3\n");
    let (code, output) =
        HostProcess::start(&config, &["run", "--cluster-type", "vanilla", "--job-type", "Shell", "--main", &main])
            .wait();
    assert_eq!(code, Some(1), "{output:#?}");
    assert_eq!(statuses(&output).last(), Some(&"FAILED"), "{output:#?}");
    let stderr = value_of(&output, "stderr: ").expect("stderr path printed");
    assert_eq!(std::fs::read_to_string(stderr).expect("read stderr"), "it broke\n");
}

#[test]
fn ctrl_c_cancels_the_job_and_leaves_no_process_of_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = local_config(dir.path());
    let main = script(dir.path(), "long.sh", "#!/bin/sh\nsleep 1000 &\necho $! > child.pid\nwait\n");
    let host =
        HostProcess::start(&config, &["run", "--cluster-type", "vanilla", "--job-type", "Shell", "--main", &main]);
    let line = host.wait_for_line("the job id", |line| line.starts_with("job execution "));
    let id = line.split_whitespace().nth(2).expect("job execution <id> ...").to_owned();
    host.wait_for_line("RUNNING", |line| line == "status: RUNNING");
    let pid_file = dir.path().join("data/engines/local").join(&id).join("child.pid");
    assert!(support::wait_until(Duration::from_secs(20), || std::fs::read_to_string(&pid_file)
        .is_ok_and(|t| t.ends_with('\n'))));
    let child_pid = std::fs::read_to_string(&pid_file).expect("pid").trim().to_owned();
    assert!(Path::new("/proc").join(&child_pid).exists(), "the job's child runs");

    host.signal(Signal::INT);
    let (code, output) = host.wait();
    assert_eq!(code, Some(130), "{output:#?}");
    assert_eq!(statuses(&output).last(), Some(&"KILLED"), "{output:#?}");
    assert!(
        support::wait_until(Duration::from_secs(10), || !Path::new("/proc").join(&child_pid).exists()),
        "the job's child process {child_pid} is gone"
    );
}

#[test]
fn run_refuses_a_data_directory_a_server_holds_and_serve_stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = local_config(dir.path());
    let server = HostProcess::start(&config, &["serve", "--listen", "127.0.0.1:0"]);
    server.wait_for_line("ready", |line| line.starts_with("edp-host: serving with "));
    let main = script(dir.path(), "hello.sh", "#!/bin/sh\necho hi\n");
    let (code, output) =
        HostProcess::start(&config, &["run", "--cluster-type", "vanilla", "--job-type", "Shell", "--main", &main])
            .wait();
    assert_eq!(code, Some(1));
    let text = output.join("\n");
    assert!(text.contains("is in use by another edp-host (pid ") && text.contains("`edp-host serve`"), "{text}");
    server.signal(Signal::TERM);
    let (code, output) = server.wait();
    assert_eq!(code, Some(0), "{output:#?}");
    assert!(output.iter().any(|line| line == "edp-host: stopping"), "{output:#?}");
}

#[test]
fn serve_killed_with_sigkill_while_jobs_run_finishes_every_job_exactly_once_after_restarts() {
    const JOBS: usize = 24;
    let dir = tempfile::tempdir().expect("temp dir");
    let launch_log = dir.path().join("launches.tsv");
    let config = support::write_config(
        dir.path(),
        &format!(
            "[host]\ndata_dir = \"data\"\nplugin_dirs = [{:?}]\npoll_interval_secs = 0.2\n\n\
             [engines.mock.config]\nlaunch_log = {:?}\nscript = {{ run_ms = 1500, launch_delay_ms = 40 }}\n\n\
             [[routes]]\ncluster_type = \"*\"\nengine = \"mock\"\n",
            support::engine_libraries().display().to_string(),
            launch_log.display().to_string()
        ),
    );
    let store = SqliteStore::open(&dir.path().join("data/edp.sqlite")).expect("store");
    let ids = accepted_jobs(&store, JOBS);
    let launches = || std::fs::read_to_string(&launch_log).unwrap_or_default().lines().count();

    // Kill the host twice while it launches and runs jobs, at different moments.
    for launched_at_least in [4, 12] {
        let server = HostProcess::start(&config, &["serve", "--listen", "127.0.0.1:0"]);
        assert!(
            support::wait_until(Duration::from_secs(60), || launches() >= launched_at_least),
            "launches: {}",
            launches()
        );
        drop(server); // SIGKILL
    }
    let server = HostProcess::start(&config, &["serve", "--listen", "127.0.0.1:0"]);
    let finished = support::wait_until(Duration::from_secs(90), || {
        ids.iter().all(|id| store.job_execution(id).expect("read").is_some_and(|row| row.status.is_terminal()))
    });
    server.signal(Signal::TERM);
    let (code, output) = server.wait();
    assert!(finished, "every job finished; server output:\n{}", output.join("\n"));
    assert_eq!(code, Some(0));
    for id in &ids {
        let row = store.job_execution(id).expect("read").expect("exists");
        assert_eq!(row.status, JobStatus::SUCCEEDED, "{row:#?}");
        assert!(row.end_time.is_some() && row.start_time.is_some());
    }
    let log = std::fs::read_to_string(&launch_log).expect("launch log");
    let mut launched: Vec<&str> = log.lines().filter_map(|line| line.split('\t').next()).collect();
    assert_eq!(launched.len(), JOBS, "one launch per job:\n{log}");
    launched.sort_unstable();
    launched.dedup();
    assert_eq!(launched.len(), JOBS, "no job launched twice:\n{log}");
}

/// `count` PENDING executions, as the API will have accepted them.
fn accepted_jobs(store: &SqliteStore, count: usize) -> Vec<String> {
    let cluster = records::insert_cluster(store, "vanilla", "2.7.1");
    let template = records::insert_template(store, "Pig");
    (0..count)
        .map(|index| {
            // Ids sort in creation order, so recovery meets them in the order they came.
            let id = format!("{index:02}-{}", uuid::Uuid::new_v4());
            records::insert_pending(
                store,
                &id,
                &template,
                &cluster,
                "mock",
                json!({"configs": {}, "params": {}, "args": []}),
            );
            id
        })
        .collect()
}

#[test]
fn serve_refuses_a_non_loopback_address_without_tokens() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = local_config(dir.path());
    let (code, output) = HostProcess::start(&config, &["serve", "--listen", "0.0.0.0:0"]).wait();
    assert_eq!(code, Some(1), "{output:#?}");
    assert!(
        output.iter().any(|line| line.contains("refusing to listen on 0.0.0.0:0 with no [[auth.tokens]]")),
        "{output:#?}"
    );
}
