//! A job's status, from its work directory and its supervisor process.

use edp_plugin_api::{JobStatus, StatusReport};
use serde_json::json;

use crate::engine_id::EngineJobId;
use crate::process;
use crate::workdir::JobDir;

/// Exit codes of a job ended by SIGINT (130) or SIGTERM (143), as the shell reports them.
const KILLED_EXIT_CODES: [i32; 2] = [130, 143];

/// What is known about a job at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Observation {
    /// The exit code the supervisor recorded, if the job ended.
    pub exit_code: Option<i32>,
    /// Whether the job still runs: its supervisor (same pid, same start time) or, once a
    /// cancel was requested, any live process of its group (one that ignores SIGTERM).
    pub alive: bool,
    /// Whether a cancel was requested.
    pub cancel_requested: bool,
}

/// The status for an observation, with a note for people when the status needs one.
pub fn decide(seen: Observation) -> (JobStatus, Option<&'static str>) {
    match seen.exit_code {
        Some(0) => (JobStatus::SUCCEEDED, None),
        Some(code) if KILLED_EXIT_CODES.contains(&code) || seen.cancel_requested => (JobStatus::KILLED, None),
        Some(_) => (JobStatus::FAILED, Some("the job exited with a non-zero exit code")),
        None if seen.alive => (JobStatus::RUNNING, None),
        None if seen.cancel_requested => (JobStatus::KILLED, None),
        None => (JobStatus::FAILED, Some("the job's process vanished without recording an exit status")),
    }
}

/// Observes the job now. Liveness is read *before* the exit file: the supervisor writes the
/// exit file before it exits, so a supervisor seen dead has written it if it ever will.
pub fn observe(dir: &JobDir, id: EngineJobId) -> Observation {
    let supervisor_alive = process::is_alive(id);
    let cancel_requested = dir.cancel_requested_at().is_some();
    let exit_code = dir.exit_code();
    // A cancelled job is not over while a process of its group survives SIGTERM.
    let alive = supervisor_alive || (exit_code.is_none() && cancel_requested && process::group_alive(id.pid));
    Observation { exit_code, alive, cancel_requested }
}

/// The status report of the job: its status, and `info` with the exit code (if any), the pid
/// and the paths of its output.
pub fn job_status(dir: &JobDir, id: EngineJobId) -> StatusReport {
    let seen = observe(dir, id);
    let (status, message) = decide(seen);
    let mut info = json!({
        "pid": id.pid,
        "engine_job_id": id.to_string(),
        "work_dir": dir.root(),
        "stdout": dir.stdout(),
        "stderr": dir.stderr(),
    });
    if let Some(code) = seen.exit_code {
        info["exit_code"] = json!(code);
    }
    if let Some(at) = dir.cancel_requested_at() {
        info["cancel_requested_at"] = json!(at);
    }
    if let Some(message) = message {
        info["message"] = json!(message);
    }
    StatusReport::new(status, &info)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(exit_code: Option<i32>, alive: bool, cancel_requested: bool) -> Observation {
        Observation { exit_code, alive, cancel_requested }
    }

    #[test]
    fn exit_codes_decide_once_recorded() {
        assert_eq!(decide(seen(Some(0), false, false)).0, JobStatus::SUCCEEDED);
        assert_eq!(decide(seen(Some(0), false, true)).0, JobStatus::SUCCEEDED);
        assert_eq!(decide(seen(Some(1), false, false)).0, JobStatus::FAILED);
        assert_eq!(decide(seen(Some(127), true, false)).0, JobStatus::FAILED);
        assert_eq!(decide(seen(Some(143), false, false)).0, JobStatus::KILLED);
        assert_eq!(decide(seen(Some(130), false, false)).0, JobStatus::KILLED);
        assert_eq!(decide(seen(Some(137), false, true)).0, JobStatus::KILLED);
        assert_eq!(decide(seen(Some(137), false, false)).0, JobStatus::FAILED);
    }

    #[test]
    fn without_exit_code_liveness_and_cancel_decide() {
        assert_eq!(decide(seen(None, true, false)).0, JobStatus::RUNNING);
        assert_eq!(decide(seen(None, true, true)).0, JobStatus::RUNNING);
        assert_eq!(decide(seen(None, false, true)).0, JobStatus::KILLED);
        let (status, message) = decide(seen(None, false, false));
        assert_eq!(status, JobStatus::FAILED);
        assert!(message.expect("explains").contains("vanished"));
    }

    #[test]
    fn report_info_has_exit_code_pid_and_output_paths() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = JobDir::new(tmp.path(), "job").expect("valid");
        dir.create().expect("create");
        std::fs::write(dir.exit_file(), "3\n").expect("write");
        // Start time 0 never matches a live process: only the exit file decides.
        let report = job_status(&dir, EngineJobId { pid: 999_999_999, start_time: 0 });
        assert_eq!(report.status, JobStatus::FAILED);
        let info: serde_json::Value = serde_json::from_str(&report.info).expect("json");
        assert_eq!(info["exit_code"], 3);
        assert_eq!(info["pid"], 999_999_999);
        assert_eq!(info["stdout"], json!(dir.stdout()));
        assert_eq!(info["stderr"], json!(dir.stderr()));
    }
}
