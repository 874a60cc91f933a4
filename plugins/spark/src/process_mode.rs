//! spark-submit and Shell jobs: launched under the shared supervisor, their status from
//! liveness and the exit code (Sahara: 0 → SUCCEEDED, 130 after SIGINT → KILLED, else FAILED),
//! with the error lines of the job's stderr in the engine info of a failed job.

use edp_plugin_api::{JobStatus, StatusReport};
use edp_process_supervisor::engine_id::EngineJobId;
use edp_process_supervisor::status;
use edp_process_supervisor::workdir::JobDir;
use serde_json::{Value, json};

use crate::diagnostics;

/// How much of the end of stderr is read for the error lines.
const STDERR_BYTES: u64 = 64 * 1024;

/// Adds the launch mode, and for a failed job the error lines of its stderr, to a supervisor
/// report.
pub(crate) fn with_diagnostics(dir: &JobDir, report: StatusReport) -> StatusReport {
    let mut info: Value = serde_json::from_str(&report.info).unwrap_or_else(|_| json!({}));
    info["mode"] = json!("spark-submit");
    if report.status == JobStatus::FAILED {
        let stderr = diagnostics::read_end(&dir.stderr(), STDERR_BYTES);
        match diagnostics::error_summary(&stderr) {
            Some(summary) => info["error"] = json!(summary),
            None if !stderr.trim().is_empty() => info["stderr_tail"] = json!(diagnostics::tail(&stderr)),
            None => {}
        }
    }
    StatusReport::new(report.status, &info)
}

/// The report of process job `id` in `dir`.
pub(crate) fn report(dir: &JobDir, id: EngineJobId) -> StatusReport {
    with_diagnostics(dir, status::job_status(dir, id))
}
