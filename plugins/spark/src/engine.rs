//! [`SparkEngine`]: the engine verbs, adapting the host's records to the two launch modes.

use edp_plugin_api::{EngineError, HealthReport, Host, JobConfigs, JobExecution, JobStatus, RunOutcome, StatusReport};
use edp_process_supervisor::background;
use edp_process_supervisor::cancel::Canceller;
use edp_process_supervisor::launch::{Launch, LaunchSpec, Launcher};
use edp_process_supervisor::workdir::{self, JobDir};
use rustix::process::Signal;
use serde_json::{Value, json};

use crate::binaries::{self, Fetched};
use crate::command;
use crate::config::SparkConfig;
use crate::health;
use crate::hints;
use crate::http::Http;
use crate::job_id::SparkJobId;
use crate::mode::{self, LaunchMode, Target};
use crate::plan::{self, JobKind, Location};
use crate::process_mode;
use crate::rest::RestApi;
use crate::rest_mode::{RestLauncher, Submission, Submitted};
use crate::rest_request;

/// The `spark` engine: Spark jobs through spark-submit or a standalone master's REST API, and
/// Shell jobs, as Sahara's Spark plugin ran them.
pub struct SparkEngine {
    host: Host,
    config: SparkConfig,
    launcher: Launcher,
    canceller: Canceller,
    rest: RestLauncher,
    api: RestApi,
}

/// A job, prepared to launch.
enum Prepared {
    /// A process (spark-submit or a Shell script) under the supervisor.
    Process(LaunchSpec, &'static str),
    /// A REST submission.
    Rest { request: Value, target: Target },
}

impl SparkEngine {
    /// An engine with `config`, using `host`'s services.
    pub(crate) fn new(config: SparkConfig, host: Host) -> Self {
        let scope_host = host.clone();
        let spawner = background::spawner(move || scope_host.log_scope());
        let api = RestApi::new(Http::new(config.http_timeout));
        Self {
            launcher: Launcher::new(spawner.clone()),
            canceller: Canceller::new(config.grace_period, Signal::INT, spawner),
            rest: RestLauncher::new(api.clone(), config.master_ui_port),
            api,
            host,
            config,
        }
    }

    fn job_dir(&self, job_id: &str) -> Result<JobDir, EngineError> {
        JobDir::new(&self.host.work_dir(), job_id)
    }

    /// The job's kind, checked against its configs, and its cluster's target.
    fn check(&self, job: &JobExecution) -> Result<(JobKind, JobConfigs, Target), EngineError> {
        workdir::validate_job_id(&job.id)?;
        let template = self.host.job_template(&job.job_template_id)?;
        let mains = binaries::names(&self.host, &template.mains)?;
        binaries::names(&self.host, &template.libs)?;
        let kind = plan::job_kind(&job.job_type, mains.first().map(String::as_str))?;
        let configs = job.configs()?;
        plan::validate_configs(kind, &configs)?;
        let target = mode::target(&self.host.cluster(&job.cluster_id)?, &self.config)?;
        Ok((kind, configs, target))
    }

    /// Fetches the job's binaries into `dir` and builds what to launch.
    fn prepare(&self, job: &JobExecution, dir: &JobDir) -> Result<Prepared, EngineError> {
        let (kind, configs, target) = self.check(job)?;
        let template = self.host.job_template(&job.job_template_id)?;
        let ids: Vec<_> = template.mains.iter().chain(template.libs.iter()).cloned().collect();
        dir.create().map_err(|err| workdir::io_error(dir.root(), &err))?;
        let shell = kind == JobKind::Shell;
        let mut fetched = binaries::fetch(&self.host, dir, &ids, !shell, shell)?.into_iter();
        let Some(Fetched { location: main, data: main_data, .. }) = fetched.next() else {
            return Err(EngineError::invalid_job("the job template has no main binary"));
        };
        // As Sahara: the first main is the application, every other binary a library.
        let libs: Vec<(String, Location)> = fetched.map(|binary| (binary.name, binary.location)).collect();
        if shell {
            let Location::Local(script) = &main else {
                return Err(EngineError::internal("a Shell script was not fetched"));
            };
            let data = main_data.unwrap_or_default();
            return Ok(Prepared::Process(
                command::shell(&self.config.shell, script, &data, &self.config.env, &configs),
                "Shell",
            ));
        }
        let app = plan::spark_app(kind, &job.id, main, libs, &self.config.conf, &configs)?;
        match target.mode {
            LaunchMode::SparkSubmit => Ok(Prepared::Process(
                command::spark_submit(
                    &self.config.spark_submit,
                    self.config.spark_home.as_deref(),
                    &self.config.env,
                    &app,
                    &target.master,
                ),
                "spark-submit",
            )),
            LaunchMode::Rest => {
                let request = rest_request::create_request(
                    &app,
                    &target.master,
                    &self.config.client_spark_version,
                    &self.config.env,
                    self.host.now_millis(),
                );
                Ok(Prepared::Rest { request, target })
            }
        }
    }

    /// The job's launch: its `engine_job_id`, else the one recorded in its work directory.
    fn launch_of(&self, job: &JobExecution, dir: &JobDir) -> Result<Option<SparkJobId>, EngineError> {
        if let Some(text) = job.engine_job_id_str() {
            return text.parse().map(Some).map_err(EngineError::not_found);
        }
        if let Some(id) = self.rest.recorded(dir)? {
            return Ok(Some(id));
        }
        Ok(self.launcher.recorded(dir)?.map(SparkJobId::Process))
    }

    /// The status of launched job `id`.
    fn status_of(&self, dir: &JobDir, id: &SparkJobId) -> Result<Option<StatusReport>, EngineError> {
        match id {
            SparkJobId::Process(id) => Ok(Some(process_mode::report(dir, *id))),
            SparkJobId::Driver { submission_id, rest_url } => self.rest.status(dir, submission_id, rest_url),
        }
    }

    fn cancel_launched(
        &self,
        job: &JobExecution,
        dir: &JobDir,
        id: &SparkJobId,
        now: i64,
    ) -> Result<Option<StatusReport>, EngineError> {
        tracing::info!(job = %job.id, engine_job_id = %id, "cancelling job");
        let report = match id {
            SparkJobId::Process(id) => {
                self.canceller.cancel(dir, *id, now)?.map(|report| process_mode::with_diagnostics(dir, report))
            }
            SparkJobId::Driver { submission_id, rest_url } => self.rest.cancel(dir, submission_id, rest_url, now)?,
        };
        match &report {
            Some(report) => tracing::info!(job = %job.id, status = %report.status, "job cancelled"),
            None => tracing::debug!(job = %job.id, "job not gone yet"),
        }
        Ok(report)
    }

    /// The outcome of a job launched now or before, with its current status.
    fn launched(&self, dir: &JobDir, id: &SparkJobId, status: Option<JobStatus>) -> RunOutcome {
        let mut extra = json!({"work_dir": dir.root()});
        match id {
            SparkJobId::Process(process) => {
                extra["pid"] = json!(process.pid);
                extra["stdout"] = json!(dir.stdout());
                extra["stderr"] = json!(dir.stderr());
            }
            SparkJobId::Driver { submission_id, rest_url } => {
                extra["submission_id"] = json!(submission_id);
                extra["rest_url"] = json!(rest_url);
            }
        }
        RunOutcome::launched(id.to_string(), status).with_extra(&extra)
    }

    /// A job launched before: its outcome with the status as it is now.
    fn relaunched(&self, job: &JobExecution, dir: &JobDir, id: &SparkJobId) -> RunOutcome {
        tracing::info!(job = %job.id, engine_job_id = %id, "job was launched before");
        let status = match self.status_of(dir, id) {
            Ok(report) => report.map(|report| report.status),
            Err(err) => {
                tracing::warn!(job = %job.id, %err, "cannot read the status of the earlier launch");
                None
            }
        };
        self.launched(dir, id, status)
    }
}

fn killed_before_launch(dir: &JobDir) -> StatusReport {
    StatusReport::new(JobStatus::KILLED, &json!({"message": "cancelled before launch", "work_dir": dir.root()}))
}

impl edp_plugin_api::Engine for SparkEngine {
    fn run_job(&self, job: &JobExecution) -> Result<RunOutcome, EngineError> {
        let dir = self.job_dir(&job.id)?;
        if let Some(id) = self.launch_of(job, &dir)? {
            return Ok(self.relaunched(job, &dir, &id));
        }
        let still_wanted = || Ok(self.host.job_execution_status(&job.id)? != JobStatus::TOBEKILLED);
        match self.prepare(job, &dir)? {
            Prepared::Process(spec, what) => {
                let host = self.host.clone();
                let job_id = job.id.to_string();
                let on_exit = Box::new(move || {
                    tracing::info!(job = %job_id, "job process exited");
                    host.status_changed(&job_id);
                });
                match self.launcher.launch(&dir, &spec, still_wanted, on_exit)? {
                    Launch::Started(id) => {
                        tracing::info!(job = %job.id, engine_job_id = %id, what, "launched job");
                        Ok(self.launched(&dir, &SparkJobId::Process(id), Some(JobStatus::RUNNING)))
                    }
                    Launch::AlreadyLaunched(id) => Ok(self.relaunched(job, &dir, &SparkJobId::Process(id))),
                    Launch::Cancelled => {
                        tracing::info!(job = %job.id, "job cancelled before launch");
                        Ok(RunOutcome::killed_before_launch())
                    }
                }
            }
            Prepared::Rest { request, target } => {
                let rest_url = target.rest_url.as_deref().unwrap_or_default();
                let submission =
                    Submission { rest_url, master_ui_url: target.master_ui_url.as_deref(), request: &request };
                match self.rest.launch(&dir, &submission, still_wanted)? {
                    Submitted::Now(id) => {
                        tracing::info!(job = %job.id, engine_job_id = %id, "submitted driver");
                        let status = self.status_of(&dir, &id).ok().flatten().map(|report| report.status);
                        Ok(self.launched(&dir, &id, status.or(Some(JobStatus::PREP))))
                    }
                    Submitted::Before(id) => Ok(self.relaunched(job, &dir, &id)),
                    Submitted::Cancelled => {
                        tracing::info!(job = %job.id, "job cancelled before submission");
                        Ok(RunOutcome::killed_before_launch())
                    }
                }
            }
        }
    }

    fn get_job_status(&self, job: &JobExecution) -> Result<Option<StatusReport>, EngineError> {
        let dir = self.job_dir(&job.id)?;
        match self.launch_of(job, &dir)? {
            Some(id) => self.status_of(&dir, &id),
            None if dir.cancel_requested_at().is_some() => Ok(Some(killed_before_launch(&dir))),
            None => Err(EngineError::not_found(format!("job execution {} was not launched", job.id))),
        }
    }

    fn cancel_job(&self, job: &JobExecution) -> Result<Option<StatusReport>, EngineError> {
        let dir = self.job_dir(&job.id)?;
        let now = self.host.now_millis();
        if let Some(text) = job.engine_job_id_str() {
            let id: SparkJobId = text.parse().map_err(EngineError::not_found)?;
            return self.cancel_launched(job, &dir, &id, now);
        }
        // Not launched as far as the host knows: under both launch locks, either find the
        // launch or record the cancel so that no later launch happens.
        let launch = {
            let _rest = self.rest.lock();
            match RestLauncher::recorded_locked(&dir)? {
                Some(id) => Some(id),
                None => self.launcher.cancel_unless_launched(&dir, now)?.map(SparkJobId::Process),
            }
        };
        match launch {
            Some(id) => self.cancel_launched(job, &dir, &id, now),
            None => {
                tracing::info!(job = %job.id, "job cancelled before launch");
                Ok(Some(killed_before_launch(&dir)))
            }
        }
    }

    fn validate_job_execution(&self, job: &JobExecution) -> Result<(), EngineError> {
        self.check(job).map(drop)
    }

    fn get_possible_job_config(&self, job_type: &str) -> Result<Option<String>, EngineError> {
        Ok(hints::possible_job_config(job_type).map(|hints| hints.to_string()))
    }

    fn health(&self) -> Result<HealthReport, EngineError> {
        Ok(health::check(&self.host.work_dir(), &self.config, &self.api))
    }
}
