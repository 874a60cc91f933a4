//! Oozie's job statuses as edp statuses, and status reports carrying Oozie's whole job JSON.
//!
//! Workflow statuses are Sahara's own names and pass through. A coordinator (a scheduled run)
//! has more: the `*WITHERROR` variants keep running or suspended, paused is running (Oozie
//! holds back new actions until a pause time), and `IGNORED` (a user gave up on the job) is
//! KILLED.

use edp_plugin_api::{EngineError, JobStatus, StatusReport};
use serde_json::Value;

/// Whether an Oozie job id names a coordinator (`...-C`).
pub(crate) fn is_coordinator_id(id: &str) -> bool {
    id.ends_with("-C")
}

/// The edp status of an Oozie workflow or coordinator status.
pub(crate) fn job_status(oozie_status: &str) -> Option<JobStatus> {
    Some(match oozie_status {
        "PREP" | "PREPPAUSED" | "PREMATER" => JobStatus::PREP,
        "RUNNING" | "RUNNINGWITHERROR" | "PAUSED" | "PAUSEDWITHERROR" => JobStatus::RUNNING,
        "SUSPENDED" | "SUSPENDEDWITHERROR" => JobStatus::SUSPENDED,
        "PREPSUSPENDED" => JobStatus::PREPSUSPENDED,
        "SUCCEEDED" => JobStatus::SUCCEEDED,
        "FAILED" => JobStatus::FAILED,
        "KILLED" | "IGNORED" => JobStatus::KILLED,
        "DONEWITHERROR" => JobStatus::DONEWITHERROR,
        _ => return None,
    })
}

/// The status of an Oozie job's info JSON (`show=info`).
pub(crate) fn status_of(info: &Value) -> Result<JobStatus, EngineError> {
    let text = info.get("status").and_then(Value::as_str).ok_or_else(|| {
        EngineError::internal("oozie's job info has no `status`; is the URL an Oozie server's?".to_owned())
    })?;
    job_status(text).ok_or_else(|| EngineError::internal(format!("oozie reported an unknown job status `{text}`")))
}

/// A report of Oozie's job info: its status, and the whole JSON as the engine info.
pub(crate) fn report(info: &Value) -> Result<StatusReport, EngineError> {
    if !info.is_object() {
        return Err(EngineError::internal(format!("oozie's job info is not a JSON object: {info}")));
    }
    Ok(StatusReport::new(status_of(info)?, info))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn workflow_statuses_pass_through() {
        for name in ["PREP", "RUNNING", "SUSPENDED", "SUCCEEDED", "KILLED", "FAILED"] {
            assert_eq!(job_status(name).map(|s| s.to_string()).as_deref(), Some(name));
        }
    }

    #[test]
    fn coordinator_statuses_map_onto_sahara_statuses() {
        assert_eq!(job_status("RUNNINGWITHERROR"), Some(JobStatus::RUNNING));
        assert_eq!(job_status("PAUSED"), Some(JobStatus::RUNNING));
        assert_eq!(job_status("PREPPAUSED"), Some(JobStatus::PREP));
        assert_eq!(job_status("PREPSUSPENDED"), Some(JobStatus::PREPSUSPENDED));
        assert_eq!(job_status("SUSPENDEDWITHERROR"), Some(JobStatus::SUSPENDED));
        assert_eq!(job_status("DONEWITHERROR"), Some(JobStatus::DONEWITHERROR));
        assert_eq!(job_status("IGNORED"), Some(JobStatus::KILLED));
        assert_eq!(job_status("running"), None);
        assert!(is_coordinator_id("0000001-200101000000000-oozie-oozi-C"));
        assert!(!is_coordinator_id("0000001-200101000000000-oozie-oozi-W"));
    }

    #[test]
    fn a_report_keeps_the_whole_job_json() {
        let info = json!({"id": "1-W", "status": "RUNNING", "actions": [{"name": "job-node"}]});
        let full = report(&info).expect("report");
        assert_eq!(full.status, JobStatus::RUNNING);
        assert_eq!(serde_json::from_str::<Value>(&full.info).expect("json"), info);
        assert!(report(&json!({"id": "1-W"})).is_err());
        assert!(report(&json!({"status": "WEIRD"})).is_err());
        assert!(report(&json!(["RUNNING"])).is_err());
    }
}
