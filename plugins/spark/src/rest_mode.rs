//! REST submissions: submitted at most once per job execution, their status from the master,
//! cancelled with a kill whose acknowledgement is not trusted (the status is polled again).
//!
//! State files in the job's `.edp/` directory (next to the supervisor's):
//!
//! - `submitting`: written just before the create request is sent;
//! - `submission`: the engine job id (`<submission id>@<REST URL>`), once the master answered;
//! - `master_ui_url`: the master's web UI, where a failed driver's log is found;
//! - `cancel_requested`: shared with the supervisor's cancel (the time of the first request).

use std::sync::{Mutex, MutexGuard, PoisonError};

use edp_plugin_api::{EngineError, JobStatus, StatusReport};
use edp_process_supervisor::workdir::{JobDir, io_error, read_optional, write_atomic};
use serde_json::{Value, json};

use crate::diagnostics;
use crate::driver_state;
use crate::job_id::SparkJobId;
use crate::rest::RestApi;

const SUBMITTING: &str = "submitting";
const SUBMISSION: &str = "submission";
const MASTER_UI_URL: &str = "master_ui_url";

/// What [`RestLauncher::launch`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Submitted {
    /// The master took the submission now.
    Now(SparkJobId),
    /// It was submitted before (a retried `run_job`).
    Before(SparkJobId),
    /// A cancel came first; nothing was submitted.
    Cancelled,
}

/// Where a submission goes and what it is.
pub(crate) struct Submission<'a> {
    /// The REST server.
    pub(crate) rest_url: &'a str,
    /// The master's web UI, if known.
    pub(crate) master_ui_url: Option<&'a str>,
    /// The `CreateSubmissionRequest`.
    pub(crate) request: &'a Value,
}

/// Submits drivers and asks about them. One per engine: its lock makes "check, submit, record"
/// atomic against concurrent launches and cancels of the same job in this process.
pub(crate) struct RestLauncher {
    lock: Mutex<()>,
    api: RestApi,
    master_ui_port: u16,
}

impl RestLauncher {
    /// A launcher talking through `api`; `master_ui_port` finds a master's web UI when its
    /// URL was not recorded at launch.
    pub(crate) fn new(api: RestApi, master_ui_port: u16) -> Self {
        Self { lock: Mutex::new(()), api, master_ui_port }
    }

    /// The launch lock; held by a cancel of a job that has no engine job id yet.
    pub(crate) fn lock(&self) -> MutexGuard<'_, ()> {
        self.lock.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The recorded submission in `dir`; the caller holds [`RestLauncher::lock`].
    pub(crate) fn recorded_locked(dir: &JobDir) -> Result<Option<SparkJobId>, EngineError> {
        let path = dir.state_file(SUBMISSION);
        let Some(text) = read_optional(&path).map_err(|err| io_error(&path, &err))? else {
            return Ok(None);
        };
        text.parse().map(Some).map_err(|err: String| EngineError::internal(format!("{}: {err}", path.display())))
    }

    /// The recorded submission in `dir`, if any.
    pub(crate) fn recorded(&self, dir: &JobDir) -> Result<Option<SparkJobId>, EngineError> {
        let _guard = self.lock();
        Self::recorded_locked(dir)
    }

    /// Submits unless submitted before or cancelled; `still_wanted` runs just before the
    /// create request (the host's TOBEKILLED handshake).
    pub(crate) fn launch(
        &self,
        dir: &JobDir,
        submission: &Submission<'_>,
        still_wanted: impl FnOnce() -> Result<bool, EngineError>,
    ) -> Result<Submitted, EngineError> {
        let _guard = self.lock();
        if let Some(id) = Self::recorded_locked(dir)? {
            return Ok(Submitted::Before(id));
        }
        let submitting = dir.state_file(SUBMITTING);
        if let Some(at) = read_optional(&submitting).map_err(|err| io_error(&submitting, &err))? {
            // A create request went out and its answer was lost (the host died, or the
            // connection broke after sending). Submitting again could run the job twice.
            return Err(EngineError::internal(format!(
                "a submission of this job was sent to {} at {} (Unix ms) and its answer was lost; \
                 it is not sent twice: look for the driver on the master",
                submission.rest_url,
                at.trim()
            )));
        }
        if dir.cancel_requested_at().is_some() || !still_wanted()? {
            return Ok(Submitted::Cancelled);
        }
        dir.create().map_err(|err| io_error(dir.root(), &err))?;
        if let Some(url) = submission.master_ui_url {
            let path = dir.state_file(MASTER_UI_URL);
            write_atomic(&path, url.as_bytes()).map_err(|err| io_error(&path, &err))?;
        }
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_millis();
        write_atomic(&submitting, now.to_string().as_bytes()).map_err(|err| io_error(&submitting, &err))?;
        let submission_id = match self.api.create(submission.rest_url, submission.request) {
            Ok(id) => id,
            Err(failure) => {
                if !failure.maybe_submitted {
                    let _ = std::fs::remove_file(&submitting);
                }
                return Err(failure.error);
            }
        };
        let id = SparkJobId::Driver { submission_id, rest_url: submission.rest_url.to_owned() };
        let path = dir.state_file(SUBMISSION);
        write_atomic(&path, id.to_string().as_bytes()).map_err(|err| io_error(&path, &err))?;
        let _ = std::fs::remove_file(&submitting);
        Ok(Submitted::Now(id))
    }

    /// The status of submission `submission_id`; `None` when the master has nothing new.
    pub(crate) fn status(
        &self,
        dir: &JobDir,
        submission_id: &str,
        rest_url: &str,
    ) -> Result<Option<StatusReport>, EngineError> {
        let status = self.api.status(rest_url, submission_id)?;
        let Some((job_status, mut info)) =
            driver_state::decide(&status, submission_id, rest_url, dir.cancel_requested_at())
        else {
            return Ok(None);
        };
        info["engine_job_id"] = json!(format!("{submission_id}@{rest_url}"));
        info["work_dir"] = json!(dir.root());
        if job_status == JobStatus::FAILED
            && status.state.as_deref() == Some("FAILED")
            && let Some(worker_id) = &status.worker_id
        {
            self.add_driver_log(dir, &mut info, rest_url, worker_id, submission_id);
        }
        Ok(Some(StatusReport::new(job_status, &info)))
    }

    /// Best effort: the error lines of a failed driver's stderr, from its worker.
    fn add_driver_log(&self, dir: &JobDir, info: &mut Value, rest_url: &str, worker_id: &str, submission_id: &str) {
        let path = dir.state_file(MASTER_UI_URL);
        let Some(master_ui_url) =
            read_optional(&path).ok().flatten().or_else(|| derived_ui_url(rest_url, self.master_ui_port))
        else {
            return;
        };
        match self.api.driver_stderr(master_ui_url.trim(), worker_id, submission_id) {
            Ok(log) => match diagnostics::error_summary(&log) {
                Some(summary) => info["error"] = json!(summary),
                None => info["stderr_tail"] = json!(diagnostics::tail(&log)),
            },
            Err(err) => tracing::debug!(%err, submission_id, "cannot read the failed driver's log"),
        }
    }

    /// Asks the master to kill the driver, then reads its status again: the kill's answer is
    /// not trusted. `None`: not gone yet, ask again.
    pub(crate) fn cancel(
        &self,
        dir: &JobDir,
        submission_id: &str,
        rest_url: &str,
        now_millis: i64,
    ) -> Result<Option<StatusReport>, EngineError> {
        if let Some(report) = self.status(dir, submission_id, rest_url)?
            && report.status.is_terminal()
        {
            return Ok(Some(report));
        }
        dir.request_cancel(now_millis).map_err(|err| io_error(&dir.cancel_file(), &err))?;
        let (accepted, message) = self.api.kill(rest_url, submission_id)?;
        tracing::info!(submission_id, accepted, message = %message, "asked the master to kill the driver");
        for _ in 0..10 {
            match self.status(dir, submission_id, rest_url)? {
                Some(report) if report.status.is_terminal() => return Ok(Some(report)),
                _ => std::thread::sleep(std::time::Duration::from_millis(100)),
            }
        }
        Ok(None)
    }
}

/// The master UI of the REST server at `rest_url`, on `port`, when none was recorded.
fn derived_ui_url(rest_url: &str, port: u16) -> Option<String> {
    let authority = rest_url.strip_prefix("http://")?.split('/').next()?;
    let host = authority.rsplit_once(':').map_or(authority, |(host, _)| host);
    Some(format!("http://{host}:{port}"))
}
