//! Cancelling a running job: a first signal (SIGTERM for the local engine, SIGINT for Spark,
//! as Sahara sent) to its process group, SIGKILL after the grace period.
//!
//! The first request records a `cancel_requested` marker (with its time) and sends the first
//! signal to the group; a watcher thread sends SIGKILL when the grace period ends with a member of
//! the group still alive. Later requests are safe: before the grace period ends they only
//! make sure a watcher runs (the host may have restarted), after it they send SIGKILL.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use edp_plugin_api::{EngineError, StatusReport};
use rustix::process::Signal;

use crate::background::{Spawner, Task};
use crate::engine_id::EngineJobId;
use crate::process;
use crate::status;
use crate::workdir::{JobDir, io_error};

/// How long a cancel request waits for the job to go before answering "not yet".
const SETTLE: Duration = Duration::from_millis(300);
/// How often the group is probed while waiting.
const POLL: Duration = Duration::from_millis(20);
/// How often a grace-period watcher probes the group.
const WATCH_POLL: Duration = Duration::from_millis(100);

/// Cancels jobs; one per engine.
pub struct Canceller {
    grace: Duration,
    first_signal: Signal,
    spawner: Spawner,
    /// The work directories that have a grace-period watcher running in this process.
    watched: Arc<Mutex<HashSet<PathBuf>>>,
}

impl Canceller {
    /// A canceller that sends `first_signal` (SIGTERM, SIGINT), then SIGKILL after `grace`.
    pub fn new(grace: Duration, first_signal: Signal, spawner: Spawner) -> Self {
        Self { grace, first_signal, spawner, watched: Arc::default() }
    }

    /// Asks the launched job `id` in `dir` to stop. Returns its final report once no process
    /// of the job is left (or at once if it had ended), `None` for "not yet, ask again".
    pub fn cancel(&self, dir: &JobDir, id: EngineJobId, now_millis: i64) -> Result<Option<StatusReport>, EngineError> {
        let seen = status::observe(dir, id);
        if seen.exit_code.is_some() || !seen.alive {
            return Ok(Some(status::job_status(dir, id)));
        }
        let (requested_at, first) = dir.request_cancel(now_millis).map_err(|err| io_error(&dir.cancel_file(), &err))?;
        let elapsed = u64::try_from(now_millis.saturating_sub(requested_at)).unwrap_or(0);
        let elapsed = Duration::from_millis(elapsed);
        let pgid = id.pid;
        if elapsed >= self.grace {
            tracing::info!(engine_job_id = %id, "grace period over: sending SIGKILL to the job");
            signal(pgid, Signal::KILL)?;
        } else if first || !self.is_watched(dir) {
            let name = signal_name(self.first_signal);
            tracing::info!(engine_job_id = %id, grace = ?self.grace, "sending {name} to the job");
            signal(pgid, self.first_signal)?;
            self.watch(dir, pgid, self.grace - elapsed);
        }

        let deadline = Instant::now() + SETTLE;
        loop {
            if !process::group_alive(pgid) {
                return Ok(Some(status::job_status(dir, id)));
            }
            if Instant::now() >= deadline {
                return Ok(None);
            }
            std::thread::sleep(POLL);
        }
    }

    fn is_watched(&self, dir: &JobDir) -> bool {
        self.watched.lock().unwrap_or_else(PoisonError::into_inner).contains(dir.root())
    }

    /// Starts a watcher that sends SIGKILL to group `pgid` after `remaining`, unless the group
    /// is gone by then or a watcher for `dir` runs already.
    fn watch(&self, dir: &JobDir, pgid: i32, remaining: Duration) {
        let key = dir.root().to_owned();
        if !self.watched.lock().unwrap_or_else(PoisonError::into_inner).insert(key.clone()) {
            return;
        }
        let watched = Arc::clone(&self.watched);
        let task_key = key.clone();
        let task: Task = Box::new(move || {
            let deadline = Instant::now() + remaining;
            while process::group_alive(pgid) {
                let now = Instant::now();
                if now >= deadline {
                    tracing::info!(pgid, "grace period over: sending SIGKILL to the job");
                    if let Err(err) = process::signal_group(pgid, Signal::KILL) {
                        tracing::warn!(pgid, %err, "cannot send SIGKILL to the job");
                    }
                    break;
                }
                std::thread::sleep((deadline - now).min(WATCH_POLL));
            }
            watched.lock().unwrap_or_else(PoisonError::into_inner).remove(&task_key);
        });
        if let Err(err) = (self.spawner)("edp-job-grace", task) {
            // The next cancel request after the grace period sends SIGKILL itself.
            tracing::warn!(pgid, %err, "cannot start the grace-period watcher");
            self.watched.lock().unwrap_or_else(PoisonError::into_inner).remove(&key);
        }
    }
}

fn signal(pgid: i32, signal: Signal) -> Result<(), EngineError> {
    process::signal_group(pgid, signal)
        .map_err(|err| EngineError::internal(format!("cannot signal process group {pgid}: {err}")))
}

/// The usual name of the signals a canceller sends.
fn signal_name(signal: Signal) -> &'static str {
    match signal {
        Signal::INT => "SIGINT",
        Signal::TERM => "SIGTERM",
        Signal::KILL => "SIGKILL",
        _ => "a signal",
    }
}
