//! The Oozie web-services client (API v2): submit, control (start, suspend, resume, kill), job
//! info, and finding a job by its application name.
//!
//! - Submissions are `POST /v2/jobs` with `Content-Type: application/xml;charset=UTF-8` and a
//!   Hadoop configuration body; Oozie answers `201 {"id": ...}`.
//! - Every request carries `user.name` (Oozie's pseudo authentication).
//! - Errors come from the `oozie-error-code` and `oozie-error-message` headers, never from the
//!   servlet container's HTML page. `E0604` (no such job) is `not_found`, 5xx `unavailable`.
//! - A control `PUT` answers 200 even when Oozie ignored it (a failed precondition is
//!   swallowed), so callers re-read the job's info instead of trusting it.

use edp_plugin_api::{EngineError, ErrorKind};
use serde_json::Value;

use crate::http::{Body, Http, Method, Reply, encode_path};

/// The content type Oozie checks on submissions.
pub(crate) const XML_CONTENT_TYPE: &str = "application/xml;charset=UTF-8";

/// A job control action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Control {
    /// PREP → RUNNING.
    Start,
    /// RUNNING → SUSPENDED.
    Suspend,
    /// SUSPENDED → RUNNING.
    Resume,
    /// PREP, RUNNING, SUSPENDED → KILLED.
    Kill,
}

impl Control {
    fn name(self) -> &'static str {
        match self {
            Self::Start => "start",
            Self::Suspend => "suspend",
            Self::Resume => "resume",
            Self::Kill => "kill",
        }
    }
}

/// Which kind of Oozie job to look for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum JobKind {
    /// A workflow job (`-W`).
    Workflow,
    /// A coordinator job (`-C`).
    Coordinator,
}

/// A job found by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Found {
    /// Its Oozie id.
    pub(crate) id: String,
    /// Its Oozie status.
    pub(crate) status: String,
}

/// A client of one Oozie server, acting as one user.
pub(crate) struct Oozie<'a> {
    http: &'a Http,
    base: &'a str,
    user: &'a str,
}

/// The error of an answer Oozie gave to `what`, from its error headers.
fn oozie_error(what: &str, reply: &Reply) -> EngineError {
    let detail = match (&reply.error_code, &reply.error_message) {
        (Some(code), Some(message)) => format!("{code}: {message}"),
        (Some(code), None) => code.clone(),
        (None, Some(message)) => message.clone(),
        (None, None) => "no oozie-error-code header (is this an Oozie server?)".to_owned(),
    };
    let message = format!("oozie {what}: HTTP {} {detail}", reply.status);
    let kind = match (reply.status, reply.error_code.as_deref()) {
        (_, Some("E0604")) | (404, _) => ErrorKind::NOT_FOUND,
        (status, _) if status >= 500 => ErrorKind::UNAVAILABLE,
        _ => ErrorKind::INTERNAL,
    };
    EngineError::new(kind, message)
}

impl<'a> Oozie<'a> {
    /// A client of the Oozie server at `base` (e.g. `http://oozie:11000/oozie`).
    pub(crate) fn new(http: &'a Http, base: &'a str, user: &'a str) -> Self {
        Self { http, base, user }
    }

    fn job_url(&self, id: &str) -> String {
        format!("{}/v2/job/{}", self.base, encode_path(id))
    }

    /// Submits a job (its job properties as Hadoop configuration XML); returns its id. The job
    /// is in PREP (a workflow) or waits for its schedule (a coordinator).
    pub(crate) fn submit(&self, configuration_xml: &str) -> Result<String, EngineError> {
        let url = format!("{}/v2/jobs", self.base);
        let body = Body { content_type: XML_CONTENT_TYPE, bytes: configuration_xml.as_bytes() };
        let reply = self.http.call("oozie", Method::Post, &url, &[("user.name", self.user)], Some(body))?;
        if reply.status != 201 {
            let error = oozie_error("refused the job submission", &reply);
            // A 4xx to a submission is about the job itself (a bad workflow, a missing property).
            return Err(if error.kind == ErrorKind::INTERNAL {
                EngineError::invalid_job(error.message.to_string())
            } else {
                error
            });
        }
        let json = reply.json("oozie job submission")?;
        json.get("id").and_then(Value::as_str).map(str::to_owned).ok_or_else(|| {
            EngineError::internal(format!("oozie accepted the job submission but its answer has no id: {json}"))
        })
    }

    /// `PUT /v2/job/<id>?action=...`. Success means Oozie took the request, not that the job
    /// changed: re-read its info.
    pub(crate) fn control(&self, id: &str, action: Control) -> Result<(), EngineError> {
        let query = [("action", action.name()), ("user.name", self.user)];
        let reply = self.http.call("oozie", Method::Put, &self.job_url(id), &query, None)?;
        if reply.status != 200 {
            return Err(oozie_error(&format!("{} of job {id}", action.name()), &reply));
        }
        Ok(())
    }

    /// The job's info (`show=info`): Oozie's whole job JSON.
    pub(crate) fn info(&self, id: &str) -> Result<Value, EngineError> {
        let query = [("show", "info"), ("user.name", self.user)];
        let reply = self.http.call("oozie", Method::Get, &self.job_url(id), &query, None)?;
        if reply.status != 200 {
            return Err(oozie_error(&format!("info of job {id}"), &reply));
        }
        reply.json(&format!("oozie info of job {id}"))
    }

    /// The job of `kind` named `app_name`, if Oozie has one: a live one first, else the newest.
    pub(crate) fn find(&self, app_name: &str, kind: JobKind) -> Result<Option<Found>, EngineError> {
        let (jobtype, list_key, id_key) = match kind {
            JobKind::Workflow => ("wf", "workflows", "id"),
            JobKind::Coordinator => ("coordinator", "coordinatorjobs", "coordJobId"),
        };
        let filter = format!("name={app_name}");
        let query = [
            ("jobtype", jobtype),
            ("filter", filter.as_str()),
            ("offset", "1"),
            ("len", "50"),
            ("user.name", self.user),
        ];
        let url = format!("{}/v2/jobs", self.base);
        let reply = self.http.call("oozie", Method::Get, &url, &query, None)?;
        if reply.status != 200 {
            return Err(oozie_error(&format!("listing jobs named {app_name}"), &reply));
        }
        let json = reply.json("oozie job list")?;
        let jobs = json.get(list_key).and_then(Value::as_array).cloned().unwrap_or_default();
        let found: Vec<Found> = jobs
            .iter()
            .filter_map(|job| {
                Some(Found {
                    id: job.get(id_key)?.as_str()?.to_owned(),
                    status: job.get("status")?.as_str()?.to_owned(),
                })
            })
            .collect();
        let live =
            |found: &&Found| crate::status::job_status(&found.status).is_some_and(|status| !status.is_terminal());
        Ok(found.iter().find(live).or_else(|| found.first()).cloned())
    }

    /// Oozie's system mode (`NORMAL`, `SAFEMODE`, `NOWEBSERVICE`).
    pub(crate) fn system_mode(&self) -> Result<String, EngineError> {
        let url = format!("{}/v2/admin/status", self.base);
        let reply = self.http.call("oozie", Method::Get, &url, &[("user.name", self.user)], None)?;
        if reply.status != 200 {
            return Err(oozie_error("admin status", &reply));
        }
        let json = reply.json("oozie admin status")?;
        json.get("systemMode")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| EngineError::internal(format!("oozie admin status has no systemMode: {json}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(status: u16, code: Option<&str>, message: Option<&str>) -> Reply {
        Reply {
            status,
            location: None,
            error_code: code.map(str::to_owned),
            error_message: message.map(str::to_owned),
            body: "<html><body><HR size=\"1\" noshade=\"noshade\">Apache Tomcat</body></html>".into(),
        }
    }

    #[test]
    fn errors_come_from_the_headers_not_the_html() {
        let err = oozie_error("info of job x", &reply(400, Some("E0604"), Some("Job does not exist [x]")));
        assert_eq!(err.kind, ErrorKind::NOT_FOUND);
        assert_eq!(err.message.as_str(), "oozie info of job x: HTTP 400 E0604: Job does not exist [x]");
        let err = oozie_error("kill", &reply(503, Some("E0002"), Some("System is in safe mode")));
        assert_eq!(err.kind, ErrorKind::UNAVAILABLE);
        let err = oozie_error("kill", &reply(502, None, None));
        assert_eq!(err.kind, ErrorKind::UNAVAILABLE);
        assert!(err.message.contains("no oozie-error-code header") && !err.message.contains("Tomcat"), "{err}");
        assert_eq!(oozie_error("x", &reply(401, Some("E0501"), None)).kind, ErrorKind::INTERNAL);
    }
}
