//! The two fields the harness reads from job answers: the id of a launched job and the status
//! of a job. Typed, borrowing deserialization: everything else in the body is skipped.

use serde::Deserialize;

#[derive(Deserialize)]
struct JobReply<'a> {
    #[serde(borrow)]
    job: JobFields<'a>,
}

#[derive(Deserialize)]
struct JobFields<'a> {
    #[serde(borrow, default)]
    id: Option<&'a str>,
    #[serde(borrow, default)]
    info: Option<JobInfo<'a>>,
}

#[derive(Deserialize)]
struct JobInfo<'a> {
    #[serde(borrow, default)]
    status: Option<&'a str>,
}

/// The id in `{"job": {"id": ...}}`.
pub(crate) fn job_id(body: &[u8]) -> Option<String> {
    let reply: JobReply<'_> = serde_json::from_slice(body).ok()?;
    reply.job.id.map(str::to_owned)
}

/// The status in `{"job": {"info": {"status": ...}}}`.
pub(crate) fn job_status(body: &[u8]) -> Option<String> {
    let reply: JobReply<'_> = serde_json::from_slice(body).ok()?;
    reply.job.info.and_then(|info| info.status).map(str::to_owned)
}

/// Whether `status` never changes again (the host's terminal statuses).
pub(crate) fn is_terminal(status: &str) -> bool {
    matches!(status, "SUCCEEDED" | "FAILED" | "KILLED" | "DONEWITHERROR" | "SUSPENDFAILED")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_id_and_the_status_and_skips_the_rest() {
        let body = br#"{"job":{"cluster_id":"c","extra":{"id":"nested"},"id":"j1","info":{"mock":true,"status":"RUNNING"},"job_configs":{}}}"#;
        assert_eq!(job_id(body).as_deref(), Some("j1"));
        assert_eq!(job_status(body).as_deref(), Some("RUNNING"));
        assert_eq!(job_id(b"{\"error_code\": 404}"), None);
        assert!(is_terminal("KILLED") && !is_terminal("TOBEKILLED"));
    }
}
