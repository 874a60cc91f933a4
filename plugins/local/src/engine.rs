//! [`LocalEngine`]: the engine verbs, adapting the host's services to the launcher, the
//! status reader and the canceller (which take plain inputs and are tested on their own).

use edp_plugin_api::abi_stable::std_types::RString;
use edp_plugin_api::{EngineError, HealthReport, Host, JobExecution, JobStatus, JobType, RunOutcome, StatusReport};
use serde_json::json;

use edp_process_supervisor::background;
use edp_process_supervisor::cancel::Canceller;
use edp_process_supervisor::engine_id::EngineJobId;
use edp_process_supervisor::launch::{Launch, LaunchSpec, Launcher};
use edp_process_supervisor::status;
use edp_process_supervisor::workdir::{self, Binary, JobDir};
use rustix::process::Signal;

use crate::command;
use crate::config::LocalConfig;
use crate::health;

/// The `local` engine: runs Shell and Java jobs as processes on the host machine.
pub struct LocalEngine {
    host: Host,
    config: LocalConfig,
    launcher: Launcher,
    canceller: Canceller,
}

impl LocalEngine {
    /// An engine with `config`, using `host`'s services.
    pub(crate) fn new(config: LocalConfig, host: Host) -> Self {
        let scope_host = host.clone();
        let spawner = background::spawner(move || scope_host.log_scope());
        Self {
            launcher: Launcher::new(spawner.clone()),
            canceller: Canceller::new(config.grace_period, Signal::TERM, spawner),
            host,
            config,
        }
    }

    fn job_dir(&self, job_id: &str) -> Result<JobDir, EngineError> {
        JobDir::new(&self.host.work_dir(), job_id)
    }

    /// The job's binaries with their bytes, names checked.
    fn fetch_binaries(&self, ids: &[RString]) -> Result<Vec<Binary>, EngineError> {
        ids.iter()
            .map(|id| {
                let binary = self.host.job_binary(id)?;
                workdir::validate_binary_name(&binary.name)?;
                let data = self.host.job_binary_data(id)?;
                Ok(Binary { name: binary.name.into_string(), data })
            })
            .collect()
    }

    /// Writes the job's binaries into `dir` and builds its command.
    fn prepare(&self, job: &JobExecution, kind: JobType, dir: &JobDir) -> Result<LaunchSpec, EngineError> {
        let configs = job.configs()?;
        command::validate_configs(kind, &configs)?;
        let template = self.host.job_template(&job.job_template_id)?;
        if kind == JobType::Shell && template.mains.is_empty() {
            return Err(no_script());
        }
        let mut binaries = self.fetch_binaries(&template.mains)?;
        binaries.extend(self.fetch_binaries(&template.libs)?);
        dir.create().map_err(|err| workdir::io_error(dir.root(), &err))?;
        let paths = dir.write_binaries(&binaries, kind == JobType::Shell)?;
        match (kind, paths.first(), binaries.first()) {
            (JobType::Shell, Some(script), Some(binary)) => {
                command::shell_command(&self.config.shell, script, &binary.data, &configs)
            }
            (JobType::Shell, _, _) => Err(no_script()),
            _ => command::java_command(&self.config.java, &paths, &configs),
        }
    }

    /// The job's launch: its `engine_job_id`, else the one recorded in its work directory.
    fn launch_of(&self, job: &JobExecution, dir: &JobDir) -> Result<Option<EngineJobId>, EngineError> {
        match job.engine_job_id_str() {
            Some(text) => text.parse().map(Some).map_err(EngineError::not_found),
            None => self.launcher.recorded(dir),
        }
    }

    fn require_dir(job: &JobExecution, dir: &JobDir) -> Result<(), EngineError> {
        if dir.exists() {
            Ok(())
        } else {
            Err(EngineError::not_found(format!(
                "job execution {} has no work directory ({})",
                job.id,
                dir.root().display()
            )))
        }
    }
}

fn no_script() -> EngineError {
    EngineError::invalid_job("a Shell job template needs a main binary: the script to run")
}

fn launched(dir: &JobDir, id: EngineJobId, status: JobStatus) -> RunOutcome {
    RunOutcome::launched(id.to_string(), Some(status)).with_extra(&json!({
        "work_dir": dir.root(),
        "stdout": dir.stdout(),
        "stderr": dir.stderr(),
        "pid": id.pid,
    }))
}

fn killed_before_launch(dir: &JobDir) -> StatusReport {
    StatusReport::new(JobStatus::KILLED, &json!({"message": "cancelled before launch", "work_dir": dir.root()}))
}

impl edp_plugin_api::Engine for LocalEngine {
    fn run_job(&self, job: &JobExecution) -> Result<RunOutcome, EngineError> {
        let dir = self.job_dir(&job.id)?;
        if let Some(id) = self.launcher.recorded(&dir)? {
            tracing::info!(job = %job.id, engine_job_id = %id, "job was launched before");
            return Ok(launched(&dir, id, status::job_status(&dir, id).status));
        }
        let kind = command::job_type(&job.job_type)?;
        let spec = self.prepare(job, kind, &dir)?;
        let host = self.host.clone();
        let job_id = job.id.to_string();
        let on_exit = Box::new(move || {
            tracing::info!(job = %job_id, "job process exited");
            host.status_changed(&job_id);
        });
        let still_wanted = || Ok(self.host.job_execution_status(&job.id)? != JobStatus::TOBEKILLED);
        match self.launcher.launch(&dir, &spec, still_wanted, on_exit)? {
            Launch::Started(id) => {
                tracing::info!(
                    job = %job.id, engine_job_id = %id, job_type = %kind,
                    work_dir = %dir.root().display(), "launched job"
                );
                Ok(launched(&dir, id, JobStatus::RUNNING))
            }
            Launch::AlreadyLaunched(id) => {
                tracing::info!(job = %job.id, engine_job_id = %id, "job was launched before");
                Ok(launched(&dir, id, status::job_status(&dir, id).status))
            }
            Launch::Cancelled => {
                tracing::info!(job = %job.id, "job cancelled before launch");
                Ok(RunOutcome::killed_before_launch())
            }
        }
    }

    fn get_job_status(&self, job: &JobExecution) -> Result<Option<StatusReport>, EngineError> {
        let dir = self.job_dir(&job.id)?;
        Self::require_dir(job, &dir)?;
        match self.launch_of(job, &dir)? {
            Some(id) => {
                let report = status::job_status(&dir, id);
                tracing::debug!(job = %job.id, status = %report.status, "job status");
                Ok(Some(report))
            }
            None if dir.cancel_requested_at().is_some() => Ok(Some(killed_before_launch(&dir))),
            None => Err(EngineError::not_found(format!("job execution {} was not launched", job.id))),
        }
    }

    fn cancel_job(&self, job: &JobExecution) -> Result<Option<StatusReport>, EngineError> {
        let dir = self.job_dir(&job.id)?;
        let now = self.host.now_millis();
        let launch = match job.engine_job_id_str() {
            Some(_) => {
                Self::require_dir(job, &dir)?;
                self.launch_of(job, &dir)?
            }
            None => self.launcher.cancel_unless_launched(&dir, now)?,
        };
        let Some(id) = launch else {
            tracing::info!(job = %job.id, "job cancelled before launch");
            return Ok(Some(killed_before_launch(&dir)));
        };
        tracing::info!(job = %job.id, engine_job_id = %id, "cancelling job");
        let report = self.canceller.cancel(&dir, id, now)?;
        match &report {
            Some(report) => tracing::info!(job = %job.id, status = %report.status, "job cancelled"),
            None => tracing::debug!(job = %job.id, "job not gone yet"),
        }
        Ok(report)
    }

    fn validate_job_execution(&self, job: &JobExecution) -> Result<(), EngineError> {
        workdir::validate_job_id(&job.id)?;
        let kind = command::job_type(&job.job_type)?;
        command::validate_configs(kind, &job.configs()?)?;
        if kind == JobType::Shell && self.host.job_template(&job.job_template_id)?.mains.is_empty() {
            return Err(no_script());
        }
        Ok(())
    }

    fn get_possible_job_config(&self, job_type: &str) -> Result<Option<String>, EngineError> {
        Ok(command::possible_job_config(job_type).map(|hints| hints.to_string()))
    }

    fn health(&self) -> Result<HealthReport, EngineError> {
        Ok(health::check(&self.host.work_dir(), &self.config))
    }
}
