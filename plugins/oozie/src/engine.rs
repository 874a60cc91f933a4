//! [`OozieEngine`]: the engine verbs over the Oozie and WebHDFS clients.
//!
//! - The engine job id is Oozie's job id. Status, cancel, suspend and resume work from it and
//!   the cluster's endpoints (or, if the cluster record is gone, the endpoints the launch
//!   recorded in `extra`), so they survive host restarts.
//! - Status is `show=info`: the mapped status, with Oozie's whole job JSON as the info. A
//!   workflow still in PREP (its start failed at launch) is started then.
//! - Cancel kills and re-reads; without an engine job id (a launch the host never recorded)
//!   it finds the job by its application name `edp-<job execution id>`, or answers "not yet".
//! - Suspend and resume re-read too: Oozie answers 200 to a request it ignored.
//! - The first call that sees a terminal status applies the cleanup policy to the staged
//!   directory.

use edp_plugin_api::{
    Engine, EngineError, ErrorKind, HealthReport, HealthState, Host, JobExecution, JobStatus, RunOutcome, StatusReport,
};
use serde_json::{Value, json};

use crate::config::OozieConfig;
use crate::endpoints::Endpoints;
use crate::hints;
use crate::http::Http;
use crate::launch::workflow_dir;
use crate::oozie::{Control, JobKind, Oozie};
use crate::schedule::{Schedule, is_scheduled};
use crate::status::{self, is_coordinator_id};
use crate::validate;
use crate::webhdfs::WebHdfs;

/// The `oozie` engine: runs Hadoop jobs through Apache Oozie, staging them over WebHDFS.
pub struct OozieEngine {
    pub(crate) host: Host,
    pub(crate) config: OozieConfig,
    http: Http,
}

impl OozieEngine {
    /// An engine with `config`, using `host`'s services.
    pub(crate) fn new(config: OozieConfig, host: Host) -> Self {
        let http = Http::new(config.connect_timeout, config.read_timeout, config.read_retries, config.retry_backoff);
        Self { host, config, http }
    }

    pub(crate) fn oozie<'a>(&'a self, endpoints: &'a Endpoints) -> Oozie<'a> {
        Oozie::new(&self.http, &endpoints.oozie_url, &endpoints.hdfs_user)
    }

    pub(crate) fn webhdfs<'a>(&'a self, endpoints: &'a Endpoints) -> WebHdfs<'a> {
        WebHdfs::new(&self.http, &endpoints.webhdfs_url, &endpoints.hdfs_user)
    }

    /// The endpoints of `job`'s cluster; those recorded at launch if the cluster is gone.
    fn endpoints_of(&self, job: &JobExecution) -> Result<Endpoints, EngineError> {
        match self.host.cluster(&job.cluster_id) {
            Ok(cluster) => Endpoints::resolve(&cluster, &self.config.defaults),
            Err(error) if error.kind == ErrorKind::NOT_FOUND => {
                let extra: Value = serde_json::from_str(&job.extra).unwrap_or(Value::Null);
                Endpoints::from_extra(&extra).ok_or(error)
            }
            Err(error) => Err(error),
        }
    }

    /// The staged directory of `job`: recorded at launch, else computed as the launch did.
    fn dir_of(&self, job: &JobExecution, endpoints: &Endpoints) -> Option<String> {
        let extra: Value = serde_json::from_str(&job.extra).unwrap_or(Value::Null);
        if let Some(dir) = extra.get("workflow_dir").and_then(Value::as_str) {
            return Some(dir.to_owned());
        }
        let template = self.host.job_template(&job.job_template_id).ok()?;
        Some(workflow_dir(&endpoints.hdfs_user, &self.config.workflow_postfix, &template.name, &job.id))
    }

    /// Deletes a staged directory; failures are logged, never passed on.
    pub(crate) fn remove_dir(&self, endpoints: &Endpoints, dir: &str) {
        // Only ever a job's own directory: /user/<user>/.../<job execution id>.
        if !dir.starts_with(&format!("/user/{}/", endpoints.hdfs_user)) || dir.split('/').count() < 5 {
            tracing::warn!(dir, "not deleting a directory outside the job's workflow directory");
            return;
        }
        match self.webhdfs(endpoints).delete_tree(dir) {
            Ok(existed) => tracing::debug!(dir, existed, "removed the staged workflow directory"),
            Err(error) => tracing::warn!(dir, %error, "could not remove the staged workflow directory"),
        }
    }

    /// Applies the cleanup policy to a job that ended in `status`.
    pub(crate) fn finished(&self, endpoints: &Endpoints, dir: Option<&str>, status: JobStatus) {
        if let Some(dir) = dir
            && self.config.cleanup.applies_to(status)
        {
            self.remove_dir(endpoints, dir);
        }
    }

    /// The Oozie id of `job`, or `None` if it has none and Oozie knows no job by its name.
    fn oozie_id(&self, job: &JobExecution, oozie: &Oozie<'_>) -> Result<Option<String>, EngineError> {
        if let Some(id) = job.engine_job_id_str() {
            return Ok(Some(id.to_owned()));
        }
        let app_name = validate::app_name(&job.id)?;
        let kind = if is_scheduled(&job.configs()?) { JobKind::Coordinator } else { JobKind::Workflow };
        Ok(oozie.find(&app_name, kind)?.map(|found| found.id))
    }

    /// A suspend or resume: the action, then the status Oozie really has.
    fn control_and_report(
        &self,
        job: &JobExecution,
        action: Control,
        wanted: JobStatus,
    ) -> Result<Option<StatusReport>, EngineError> {
        let id = job
            .engine_job_id_str()
            .ok_or_else(|| EngineError::invalid_job(format!("job execution {} has no Oozie job yet", job.id)))?;
        let endpoints = self.endpoints_of(job)?;
        let oozie = self.oozie(&endpoints);
        oozie.control(id, action)?;
        let report = status::report(&oozie.info(id)?)?;
        if report.status != wanted {
            tracing::warn!(job = %job.id, oozie_job_id = id, action = ?action, status = %report.status,
                "oozie did not act on the request (its precondition failed); reporting the real status");
        }
        if report.status.is_terminal() {
            self.finished(&endpoints, self.dir_of(job, &endpoints).as_deref(), report.status);
        }
        Ok(Some(report))
    }
}

/// The report for a job Oozie no longer knows, after a cancel.
fn forgotten(id: &str, error: &EngineError) -> StatusReport {
    StatusReport::new(
        JobStatus::KILLED,
        &json!({"id": id, "status": "KILLED", "error": format!("oozie no longer knows the job: {}", error.message)}),
    )
}

impl Engine for OozieEngine {
    fn run_job(&self, job: &JobExecution) -> Result<RunOutcome, EngineError> {
        self.launch(job, false)
    }

    fn run_scheduled_job(&self, job: &JobExecution) -> Result<RunOutcome, EngineError> {
        self.launch(job, true)
    }

    fn get_job_status(&self, job: &JobExecution) -> Result<Option<StatusReport>, EngineError> {
        let Some(id) = job.engine_job_id_str() else { return Ok(None) };
        let endpoints = self.endpoints_of(job)?;
        let oozie = self.oozie(&endpoints);
        let mut report = status::report(&oozie.info(id)?)?;
        if report.status == JobStatus::PREP && !is_coordinator_id(id) && !self.cancel_requested(job)? {
            // A workflow is only ever PREP here when its start failed at launch: start it now.
            tracing::info!(job = %job.id, oozie_job_id = id, "starting the workflow its launch could not start");
            oozie.control(id, Control::Start)?;
            report = status::report(&oozie.info(id)?)?;
        }
        if report.status.is_terminal() {
            self.finished(&endpoints, self.dir_of(job, &endpoints).as_deref(), report.status);
        }
        Ok(Some(report))
    }

    fn cancel_job(&self, job: &JobExecution) -> Result<Option<StatusReport>, EngineError> {
        let endpoints = self.endpoints_of(job)?;
        let oozie = self.oozie(&endpoints);
        let Some(id) = self.oozie_id(job, &oozie)? else {
            tracing::debug!(job = %job.id, "no oozie job for this execution yet");
            return Ok(None);
        };
        let report = match oozie.control(&id, Control::Kill).and_then(|()| oozie.info(&id)) {
            Ok(info) => status::report(&info)?,
            Err(error) if error.kind == ErrorKind::NOT_FOUND => forgotten(&id, &error),
            Err(error) => return Err(error),
        };
        if !report.status.is_terminal() {
            tracing::info!(job = %job.id, oozie_job_id = %id, status = %report.status, "the kill has not taken yet");
            return Ok(None);
        }
        tracing::info!(job = %job.id, oozie_job_id = %id, status = %report.status, "cancelled");
        self.finished(&endpoints, self.dir_of(job, &endpoints).as_deref(), report.status);
        Ok(Some(report))
    }

    fn suspend_job(&self, job: &JobExecution) -> Result<Option<StatusReport>, EngineError> {
        self.control_and_report(job, Control::Suspend, JobStatus::SUSPENDED)
    }

    fn resume_job(&self, job: &JobExecution) -> Result<Option<StatusReport>, EngineError> {
        self.control_and_report(job, Control::Resume, JobStatus::RUNNING)
    }

    fn validate_job_execution(&self, job: &JobExecution) -> Result<(), EngineError> {
        validate::app_name(&job.id)?;
        let job_type = validate::job_type(&job.job_type)?;
        let configs = job.configs()?;
        validate::check_configs(job_type, &configs, self.config.java_main_wrapper_jar.is_some())?;
        if is_scheduled(&configs) {
            Schedule::parse(&configs)?.check_not_past(self.host.now_millis())?;
        }
        Endpoints::resolve(&self.host.cluster(&job.cluster_id)?, &self.config.defaults)?;
        let template = self.host.job_template(&job.job_template_id)?;
        validate::check_template(job_type, &template)?;
        for id in template.mains.iter().chain(template.libs.iter()) {
            validate::check_binary_name(&self.host.job_binary(id)?.name)?;
        }
        if validate::uses_data_sources(job_type) {
            let (Some(input), Some(output)) =
                (job.input_id.as_ref().into_option(), job.output_id.as_ref().into_option())
            else {
                return Err(EngineError::invalid_job(format!(
                    "{job_type} jobs need an input and an output data source"
                )));
            };
            let (input, output) = (self.host.data_source(input)?, self.host.data_source(output)?);
            if input.kind == output.kind && input.url == output.url {
                return Err(EngineError::invalid_job(format!(
                    "the input and output data sources are the same {} location {}",
                    input.kind, input.url
                )));
            }
        }
        Ok(())
    }

    fn get_possible_job_config(&self, job_type: &str) -> Result<Option<String>, EngineError> {
        Ok(hints::possible_job_config(job_type).map(|hints| hints.to_string()))
    }

    fn health(&self) -> Result<HealthReport, EngineError> {
        let Some(url) = &self.config.defaults.oozie_url else {
            return Ok(HealthReport::new(
                HealthState::HEALTHY,
                "no default oozie_url: every cluster's info names its own Oozie server",
            ));
        };
        let url = url.trim_end_matches('/');
        Ok(match Oozie::new(&self.http, url, &self.config.defaults.hdfs_user).system_mode() {
            Ok(mode) if mode == "NORMAL" => HealthReport::healthy(),
            Ok(mode) => HealthReport::new(HealthState::DEGRADED, format!("oozie at {url} is in {mode} mode")),
            Err(error) => HealthReport::new(HealthState::UNHEALTHY, error.message.to_string()),
        })
    }
}
