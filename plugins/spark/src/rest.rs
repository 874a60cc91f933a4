//! The standalone master's REST submission protocol (`/v1/submissions/...`, port 6066) and the
//! pages around it: create, status, kill, readyz, and a failed driver's stderr from its
//! worker's log page (found through the master's `/json/`).
//!
//! The server answers HTTP 200 even when it did not do what was asked (`success: false`), 400
//! with an `ErrorResponse` for a request it rejects, 468 for an unknown protocol version.

use edp_plugin_api::EngineError;
use serde_json::Value;

use crate::http::{Failure, Http, Reply};

/// What the master says about a submission.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct DriverStatus {
    /// `success`: false when the master does not know the id (never existed, or forgotten).
    pub(crate) known: bool,
    /// `driverState`: SUBMITTED, RUNNING, FINISHED, RELAUNCHING, UNKNOWN, KILLED, FAILED, ERROR.
    pub(crate) state: Option<String>,
    /// `message` (ERROR carries the cluster's exception here).
    pub(crate) message: Option<String>,
    /// `workerId`, once a worker runs the driver.
    pub(crate) worker_id: Option<String>,
    /// `workerHostPort`.
    pub(crate) worker_host_port: Option<String>,
}

/// Why a create did not give a submission id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CreateFailure {
    /// The request may have reached the master and been acted on (the connection broke after
    /// it was sent): submitting again could run the job twice.
    pub(crate) maybe_submitted: bool,
    /// What happened.
    pub(crate) error: EngineError,
}

/// The REST API client.
#[derive(Clone)]
pub(crate) struct RestApi {
    http: Http,
}

fn text(value: &Value, key: &str) -> Option<String> {
    value.get(key).and_then(Value::as_str).map(str::to_owned)
}

/// An error for an answer that is not the expected one.
fn rejected(what: &str, reply: &Reply) -> EngineError {
    let message = serde_json::from_str::<Value>(&reply.body)
        .ok()
        .and_then(|body| text(&body, "message"))
        .unwrap_or_else(|| reply.body.chars().take(300).collect());
    let text = format!("{what}: HTTP {}: {}", reply.status, message.trim());
    match reply.status {
        400 => EngineError::invalid_job(text),
        468 => EngineError::internal(text),
        _ => EngineError::unavailable(text),
    }
}

impl RestApi {
    /// A client over `http`.
    pub(crate) fn new(http: Http) -> Self {
        Self { http }
    }

    /// `POST /v1/submissions/create`: the submission id.
    pub(crate) fn create(&self, rest_url: &str, request: &Value) -> Result<String, CreateFailure> {
        let url = format!("{rest_url}/v1/submissions/create");
        let reply = self
            .http
            .post_json(&url, request)
            .map_err(|Failure { not_sent, error }| CreateFailure { maybe_submitted: !not_sent, error })?;
        let refused = |error| CreateFailure { maybe_submitted: false, error };
        if reply.status != 200 {
            return Err(refused(rejected("the master refused the submission", &reply)));
        }
        let body = reply.json("submission").map_err(refused)?;
        match (body.get("success").and_then(Value::as_bool), text(&body, "submissionId")) {
            (Some(true), Some(id)) if crate::job_id::is_submission_id(&id) => Ok(id),
            _ => Err(refused(EngineError::invalid_job(format!(
                "the master did not accept the submission: {}",
                text(&body, "message").unwrap_or_else(|| reply.body.clone())
            )))),
        }
    }

    /// `GET /v1/submissions/status/<id>`.
    pub(crate) fn status(&self, rest_url: &str, submission_id: &str) -> Result<DriverStatus, EngineError> {
        let url = format!("{rest_url}/v1/submissions/status/{submission_id}");
        let reply = self.http.get(&url).map_err(|failure| failure.error)?;
        if reply.status != 200 {
            return Err(rejected("driver status", &reply));
        }
        let body = reply.json("driver status")?;
        Ok(DriverStatus {
            known: body.get("success").and_then(Value::as_bool).unwrap_or(false),
            state: text(&body, "driverState"),
            message: text(&body, "message"),
            worker_id: text(&body, "workerId"),
            worker_host_port: text(&body, "workerHostPort"),
        })
    }

    /// `POST /v1/submissions/kill/<id>`: whether the master took the request, and its message.
    /// Not to be trusted: the driver's status says whether it was killed.
    pub(crate) fn kill(&self, rest_url: &str, submission_id: &str) -> Result<(bool, String), EngineError> {
        let url = format!("{rest_url}/v1/submissions/kill/{submission_id}");
        let reply = self.http.post_empty(&url).map_err(|failure| failure.error)?;
        if reply.status != 200 {
            return Err(rejected("kill", &reply));
        }
        let body = reply.json("kill")?;
        Ok((body.get("success").and_then(Value::as_bool).unwrap_or(false), text(&body, "message").unwrap_or_default()))
    }

    /// `GET /v1/submissions/readyz`: Ok when the REST server is up.
    pub(crate) fn readyz(&self, rest_url: &str) -> Result<(), EngineError> {
        let reply = self.http.get(&format!("{rest_url}/v1/submissions/readyz")).map_err(|failure| failure.error)?;
        match reply.json("readyz")?.get("success").and_then(Value::as_bool) {
            Some(true) if reply.status == 200 => Ok(()),
            _ => Err(rejected("readyz", &reply)),
        }
    }

    /// The end of a driver's stderr: the worker's web UI address from the master's `/json/`,
    /// then the worker's `/log/` page (plain text).
    pub(crate) fn driver_stderr(
        &self,
        master_ui_url: &str,
        worker_id: &str,
        submission_id: &str,
    ) -> Result<String, EngineError> {
        let master = self.http.get(&format!("{master_ui_url}/json/")).map_err(|failure| failure.error)?;
        let master = master.json("master status")?;
        let webui = master
            .get("workers")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .find(|worker| worker.get("id").and_then(Value::as_str) == Some(worker_id))
            .and_then(|worker| text(worker, "webuiaddress"))
            .ok_or_else(|| EngineError::not_found(format!("the master does not list worker {worker_id}")))?;
        let url =
            format!("{}/log/?driverId={submission_id}&logType=stderr&byteLength=65536", webui.trim_end_matches('/'));
        let reply = self.http.get(&url).map_err(|failure| failure.error)?;
        if reply.status != 200 {
            return Err(rejected("driver log", &reply));
        }
        Ok(reply.body)
    }
}
