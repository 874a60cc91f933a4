//! Launching a job through a fixed supervisor script, exactly once per work directory.
//!
//! The supervisor is `/bin/sh -c SUPERVISOR edp-supervisor <pid file> <exit file> <program>
//! <args...>`: the job's program and arguments are positional parameters, never part of the
//! script text. It records its pid, runs the job, and records the job's exit code, so the
//! outcome survives a host that dies while the job runs. It leads a new process group (the
//! job's), runs in the work directory with stdin from `/dev/null` and the job's output in
//! `stdout` and `stderr`.

use std::ffi::OsString;
use std::fs::{self, File};
use std::os::unix::process::CommandExt as _;
use std::process::{Command, Stdio};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use edp_plugin_api::EngineError;
use rustix::process::Signal;

use crate::background::{Spawner, Task};
use crate::engine_id::EngineJobId;
use crate::process;
use crate::workdir::{JobDir, io_error, write_atomic};

/// The supervisor script. `$1` is the pid file, `$2` the exit file, the rest the job's
/// command. The exit code and a newline go out in one write, so a reader that sees the
/// newline sees the whole code.
const SUPERVISOR: &str = r#"echo "$$" > "$1"
edp_exit_file=$2
shift 2
"$@"
edp_code=$?
printf '%s\n' "$edp_code" > "$edp_exit_file""#;

/// `$0` of the supervisor, as `ps` shows it.
const SUPERVISOR_NAME: &str = "edp-supervisor";

/// How long a recovering launch waits for a supervisor's pid file.
const RECOVERY_WAIT: Duration = Duration::from_secs(2);

/// A program to start, with its arguments and extra environment variables. Values are
/// passed as separate arguments, never joined into shell text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LaunchSpec {
    /// The program (a path, or a name looked up in `PATH`).
    pub program: OsString,
    /// Its arguments.
    pub args: Vec<OsString>,
    /// Environment variables added to the host's environment.
    pub env: Vec<(String, String)>,
}

/// What [`Launcher::launch`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Launch {
    /// The job was started now.
    Started(EngineJobId),
    /// The job had been launched before (a retried `run_job`); nothing was started.
    AlreadyLaunched(EngineJobId),
    /// A cancel came first; nothing was started.
    Cancelled,
}

/// Starts jobs. One launcher per engine: its lock makes "check, spawn, record" atomic for
/// this process, against concurrent launches and cancels of the same job.
pub struct Launcher {
    lock: Mutex<()>,
    spawner: Spawner,
}

impl Launcher {
    /// A launcher that reaps its jobs on threads from `spawner`.
    pub fn new(spawner: Spawner) -> Self {
        Self { lock: Mutex::new(()), spawner }
    }

    /// The launch recorded in `dir`, if any (recovering one whose record a crash prevented).
    pub fn recorded(&self, dir: &JobDir) -> Result<Option<EngineJobId>, EngineError> {
        let _guard = self.lock.lock().unwrap_or_else(PoisonError::into_inner);
        recorded_locked(dir)
    }

    /// Records a cancel request for a job unless it was launched; returns its launch if it was.
    /// A later [`Launcher::launch`] of the job then starts nothing.
    pub fn cancel_unless_launched(&self, dir: &JobDir, now_millis: i64) -> Result<Option<EngineJobId>, EngineError> {
        let _guard = self.lock.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(id) = recorded_locked(dir)? {
            return Ok(Some(id));
        }
        dir.request_cancel(now_millis).map_err(|err| io_error(&dir.cancel_file(), &err))?;
        Ok(None)
    }

    /// Launches `spec` in `dir` unless it was launched already or a cancel came first.
    /// `still_wanted` runs just before the spawn (the host's cancel handshake); `on_exit` runs
    /// on the waiter thread once the supervisor has exited and been reaped.
    pub fn launch(
        &self,
        dir: &JobDir,
        spec: &LaunchSpec,
        still_wanted: impl FnOnce() -> Result<bool, EngineError>,
        on_exit: Task,
    ) -> Result<Launch, EngineError> {
        let _guard = self.lock.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(id) = recorded_locked(dir)? {
            return Ok(Launch::AlreadyLaunched(id));
        }
        if dir.cancel_requested_at().is_some() || !still_wanted()? {
            return Ok(Launch::Cancelled);
        }
        dir.create().map_err(|err| io_error(dir.root(), &err))?;
        for stale in [dir.pid_file(), dir.exit_file()] {
            remove_if_present(&stale)?;
        }
        let mut command = supervisor_command(dir, spec)?;
        write_atomic(&dir.launching_file(), b"").map_err(|err| io_error(&dir.launching_file(), &err))?;
        let mut child = command.spawn().map_err(|err| {
            let _ = fs::remove_file(dir.launching_file());
            EngineError::internal(format!("cannot start the job's supervisor /bin/sh: {err}"))
        })?;
        // The child is not reaped before the waiter thread starts, so its /proc entry exists.
        let pid = i32::try_from(child.id()).unwrap_or(0);
        let start_time = match process::start_time(pid) {
            Ok(start_time) if pid > 1 => start_time,
            other => {
                let _ = process::signal_group(pid, Signal::KILL);
                let _ = child.wait();
                let _ = fs::remove_file(dir.launching_file());
                return Err(EngineError::internal(format!(
                    "cannot read the start time of process {pid}: {}",
                    other.err().map_or_else(|| "bad pid".to_owned(), |err| err.to_string())
                )));
            }
        };
        let id = EngineJobId { pid, start_time };

        let waiter: Task = Box::new(move || {
            let status = child.wait();
            tracing::debug!(pid, ?status, "job supervisor exited");
            on_exit();
        });
        if let Err(err) = (self.spawner)("edp-job-wait", waiter) {
            // The job runs and its status is still read from its files; only the zombie stays.
            tracing::warn!(pid, %err, "cannot start the thread that waits for the job");
        }

        dir.record_engine_id(id).map_err(|err| io_error(&dir.engine_id_file(), &err))?;
        remove_if_present(&dir.launching_file())?;
        Ok(Launch::Started(id))
    }
}

/// The supervisor command for `spec` in `dir`.
fn supervisor_command(dir: &JobDir, spec: &LaunchSpec) -> Result<Command, EngineError> {
    let output = |path: std::path::PathBuf| File::create(&path).map_err(|err| io_error(&path, &err));
    let mut command = Command::new("/bin/sh");
    command
        .arg("-c")
        .arg(SUPERVISOR)
        .arg(SUPERVISOR_NAME)
        .arg(dir.pid_file())
        .arg(dir.exit_file())
        .arg(&spec.program)
        .args(&spec.args)
        .envs(spec.env.iter().map(|(name, value)| (name, value)))
        .current_dir(dir.root())
        .stdin(Stdio::null())
        .stdout(output(dir.stdout())?)
        .stderr(output(dir.stderr())?)
        .process_group(0);
    Ok(command)
}

/// The recorded launch; the caller holds the launch lock.
///
/// A `launching` marker without a record means a launch began and was not recorded: the
/// host died between spawn and record, or the record failed. The supervisor writes its pid
/// first thing, so a launch that happened is found by its pid file; without one after a
/// short wait, nothing was started and the job may be launched again.
fn recorded_locked(dir: &JobDir) -> Result<Option<EngineJobId>, EngineError> {
    if let Some(id) = dir.recorded_engine_id()? {
        return Ok(Some(id));
    }
    if !dir.launching_file().exists() {
        return Ok(None);
    }
    let deadline = Instant::now() + RECOVERY_WAIT;
    let pid = loop {
        if let Some(pid) = dir.supervisor_pid() {
            break pid;
        }
        if Instant::now() >= deadline {
            return Ok(None);
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    // The supervisor leads its own group; anything else with that pid is not it. Start time
    // 0 never matches a live process: the files alone then decide the job's status.
    let start_time = match process::read_stat(pid) {
        Ok(Some(stat)) if stat.pgrp == pid => stat.start_time,
        _ => 0,
    };
    let id = EngineJobId { pid, start_time };
    dir.record_engine_id(id).map_err(|err| io_error(&dir.engine_id_file(), &err))?;
    remove_if_present(&dir.launching_file())?;
    tracing::info!(engine_job_id = %id, "recovered a launch that was not recorded");
    Ok(Some(id))
}

fn remove_if_present(path: &std::path::Path) -> Result<(), EngineError> {
    match fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(err) => Err(io_error(path, &err)),
    }
}
