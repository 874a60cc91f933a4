//! A REST submission's status from the master's answer, with the rules of
//! engine-protocols.md §8: a driver the master no longer knows is KILLED after a cancel
//! request and FAILED otherwise; ERROR carries its message; UNKNOWN (master fail-over) is
//! "nothing new".

use edp_plugin_api::JobStatus;
use serde_json::{Value, json};

use crate::rest::DriverStatus;

/// The job status for a `driverState`, or `None` for "ask again".
fn mapped(state: &str) -> Option<JobStatus> {
    Some(match state {
        "SUBMITTED" | "RELAUNCHING" => JobStatus::PREP,
        "RUNNING" => JobStatus::RUNNING,
        "FINISHED" => JobStatus::SUCCEEDED,
        "FAILED" | "ERROR" => JobStatus::FAILED,
        "KILLED" => JobStatus::KILLED,
        _ => return None,
    })
}

/// The status and engine info of submission `submission_id` on `rest_url`, as `status` says,
/// given whether (and when) a cancel was requested. `None`: nothing new, ask again.
pub(crate) fn decide(
    status: &DriverStatus,
    submission_id: &str,
    rest_url: &str,
    cancel_requested_at: Option<i64>,
) -> Option<(JobStatus, Value)> {
    let mut info = json!({
        "mode": "rest",
        "submission_id": submission_id,
        "rest_url": rest_url,
    });
    if let Some(at) = cancel_requested_at {
        info["cancel_requested_at"] = json!(at);
    }
    for (key, value) in [
        ("driver_state", &status.state),
        ("worker_id", &status.worker_id),
        ("worker_host_port", &status.worker_host_port),
    ] {
        if let Some(value) = value {
            info[key] = json!(value);
        }
    }
    if !status.known || status.state.is_none() {
        if cancel_requested_at.is_some() {
            info["message"] = json!("the master no longer knows the driver; it was cancelled");
            return Some((JobStatus::KILLED, info));
        }
        info["message"] = json!(format!(
            "the master does not know driver {submission_id} (never submitted, or forgotten after it ended)"
        ));
        return Some((JobStatus::FAILED, info));
    }
    let state = status.state.as_deref().unwrap_or_default();
    let job_status = mapped(state)?;
    if let Some(message) = status.message.as_deref().filter(|message| !message.trim().is_empty()) {
        let key = if state == "ERROR" { "error" } else { "message" };
        info[key] = json!(message.trim());
    }
    Some((job_status, info))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known(state: &str) -> DriverStatus {
        DriverStatus { known: true, state: Some(state.into()), ..DriverStatus::default() }
    }

    fn status_of(status: &DriverStatus, cancel: Option<i64>) -> Option<JobStatus> {
        decide(status, "driver-1", "http://m:6066", cancel).map(|(status, _)| status)
    }

    #[test]
    fn driver_states_map_to_job_statuses() {
        let cases = [
            ("SUBMITTED", Some(JobStatus::PREP)),
            ("RELAUNCHING", Some(JobStatus::PREP)),
            ("RUNNING", Some(JobStatus::RUNNING)),
            ("FINISHED", Some(JobStatus::SUCCEEDED)),
            ("FAILED", Some(JobStatus::FAILED)),
            ("ERROR", Some(JobStatus::FAILED)),
            ("KILLED", Some(JobStatus::KILLED)),
            ("UNKNOWN", None),
            ("SOMETHING_NEW", None),
        ];
        for (state, want) in cases {
            assert_eq!(status_of(&known(state), None), want, "{state}");
        }
        // A cancel request does not turn a real answer into another one.
        assert_eq!(status_of(&known("FINISHED"), Some(5)), Some(JobStatus::SUCCEEDED));
        assert_eq!(status_of(&known("RUNNING"), Some(5)), Some(JobStatus::RUNNING));
    }

    #[test]
    fn an_unknown_driver_is_killed_after_a_cancel_and_failed_otherwise() {
        let forgotten = DriverStatus::default();
        assert_eq!(status_of(&forgotten, Some(1)), Some(JobStatus::KILLED));
        let (status, info) = decide(&forgotten, "driver-1", "http://m:6066", None).expect("a report");
        assert_eq!(status, JobStatus::FAILED);
        assert!(info["message"].as_str().expect("message").contains("does not know driver driver-1"));
    }

    #[test]
    fn error_carries_its_message_and_the_worker_is_in_the_info() {
        let status = DriverStatus {
            known: true,
            state: Some("ERROR".into()),
            message: Some("Exception from the cluster:\njava.nio.file.NoSuchFileException: /x.jar".into()),
            worker_id: Some("worker-1".into()),
            worker_host_port: Some("127.0.0.1:41899".into()),
        };
        let (job_status, info) = decide(&status, "driver-1", "http://m:6066", None).expect("a report");
        assert_eq!(job_status, JobStatus::FAILED);
        assert!(info["error"].as_str().expect("error").contains("NoSuchFileException"));
        assert_eq!(info["worker_id"], "worker-1");
        assert_eq!(info["driver_state"], "ERROR");
        assert_eq!(info["submission_id"], "driver-1");
    }
}
