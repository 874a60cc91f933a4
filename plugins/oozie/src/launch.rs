//! Launching: plan (everything read and generated before the first request), stage over
//! WebHDFS, submit, the cancel handshake, start.
//!
//! 1. If the host already says TOBEKILLED, nothing is touched.
//! 2. The plan: the cluster's endpoints, the template's binaries, the data sources' URLs,
//!    workflow.xml (and coordinator.xml), the job properties.
//! 3. A job Oozie already has under the application name `edp-<job execution id>` (an earlier
//!    launch of the same execution, cut short) is taken over, not submitted twice.
//! 4. Staging: `/user/<hdfs user>/[<postfix>/]<job name>/<job execution id>` with the mains,
//!    `lib/` with the libs (Shell: beside the script), workflow.xml; a failure removes it.
//! 5. TOBEKILLED is checked again (a coordinator starts on its own once submitted), then the
//!    job is submitted: a workflow is now in PREP.
//! 6. The handshake Sahara had, with its bug fixed: TOBEKILLED (or already terminal) now means
//!    the PREP job is killed, not left behind, and the launch reports KILLED.
//! 7. `start`; if it fails the launch reports READYTORUN with the Oozie id, and the next status
//!    call starts the PREP job. Then the job's status is read back (a PUT is never trusted).

use edp_plugin_api::abi_stable::std_types::RString;
use edp_plugin_api::{EngineError, JobExecution, JobStatus, JobType, RunOutcome};
use serde_json::{Value, json};

use crate::OozieEngine;
use crate::endpoints::Endpoints;
use crate::oozie::{Control, JobKind};
use crate::properties::{PropertiesInput, job_properties};
use crate::schedule::Schedule;
use crate::status::{is_coordinator_id, status_of};
use crate::validate;
use crate::workflow::{self, WorkflowInput, coordinator_xml, workflow_xml};
use crate::xml::hadoop_configuration;

/// Everything a launch sends, prepared before the first request.
pub(crate) struct Plan {
    /// The cluster's endpoints.
    pub(crate) endpoints: Endpoints,
    /// `edp-<job execution id>`.
    pub(crate) app_name: String,
    /// The workflow directory.
    pub(crate) dir: String,
    /// Directories to create, parents first.
    pub(crate) dirs: Vec<String>,
    /// Files to upload: (HDFS path, bytes).
    pub(crate) files: Vec<(String, Vec<u8>)>,
    /// The job properties as Hadoop configuration XML.
    pub(crate) configuration_xml: String,
    /// A scheduled run (a coordinator).
    pub(crate) scheduled: bool,
}

impl Plan {
    /// What the launch records in the execution's `extra`.
    fn extra(&self, oozie_job_id: &str) -> Value {
        json!({
            "oozie_job_id": oozie_job_id,
            "app_name": self.app_name,
            "workflow_dir": self.dir,
            "endpoints": self.endpoints.to_json(),
        })
    }
}

/// A template name as one HDFS path segment.
fn path_segment(name: &str) -> String {
    let cleaned: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() || "._-".contains(c) { c } else { '_' }).collect();
    if cleaned.is_empty() || cleaned.chars().all(|c| c == '.') { "job".to_owned() } else { cleaned }
}

/// `/user/<hdfs user>/[<postfix>/]<job name>/<job execution id>` (Sahara's layout).
pub(crate) fn workflow_dir(hdfs_user: &str, postfix: &str, job_name: &str, job_execution_id: &str) -> String {
    let mut dir = format!("/user/{hdfs_user}/");
    if !postfix.is_empty() {
        dir.push_str(postfix);
        dir.push('/');
    }
    dir.push_str(&path_segment(job_name));
    dir.push('/');
    dir.push_str(job_execution_id);
    dir
}

impl OozieEngine {
    /// Whether the host wants the job gone: TOBEKILLED, or already ended (a cancel that found
    /// the job by name and finished it).
    pub(crate) fn cancel_requested(&self, job: &JobExecution) -> Result<bool, EngineError> {
        let status = self.host.job_execution_status(&job.id)?;
        Ok(status == JobStatus::TOBEKILLED || status.is_terminal())
    }

    fn data_source_url(
        &self,
        id: Option<&RString>,
        configs: &edp_plugin_api::JobConfigs,
    ) -> Result<Option<String>, EngineError> {
        let Some(id) = id else { return Ok(None) };
        if let Some(url) = configs.data_source_urls.get(id.as_str()).and_then(Value::as_str) {
            return Ok(Some(url.to_owned()));
        }
        Ok(Some(self.host.data_source(id)?.url.into_string()))
    }

    fn binaries(&self, ids: &[RString]) -> Result<Vec<(String, Vec<u8>)>, EngineError> {
        ids.iter()
            .map(|id| {
                let name = self.host.job_binary(id)?.name.into_string();
                validate::check_binary_name(&name)?;
                Ok((name, self.host.job_binary_data(id)?))
            })
            .collect()
    }

    /// Reads and generates everything the launch of `job` sends.
    pub(crate) fn plan(&self, job: &JobExecution, scheduled: bool) -> Result<Plan, EngineError> {
        let job_type = validate::job_type(&job.job_type)?;
        let configs = job.configs()?;
        validate::check_configs(job_type, &configs, self.config.java_main_wrapper_jar.is_some())?;
        let schedule = if scheduled { Some(Schedule::parse(&configs)?) } else { None };
        let endpoints = Endpoints::resolve(&self.host.cluster(&job.cluster_id)?, &self.config.defaults)?;
        let template = self.host.job_template(&job.job_template_id)?;
        validate::check_template(job_type, &template)?;
        let mains = self.binaries(&template.mains)?;
        let libs = self.binaries(&template.libs)?;
        let input_url = self.data_source_url(job.input_id.as_ref().into_option(), &configs)?;
        let output_url = self.data_source_url(job.output_id.as_ref().into_option(), &configs)?;
        let app_name = validate::app_name(&job.id)?;
        let dir = workflow_dir(&endpoints.hdfs_user, &self.config.workflow_postfix, &template.name, &job.id);
        let main_names: Vec<String> = mains.iter().map(|(name, _)| name.clone()).collect();
        let lib_names: Vec<String> = libs.iter().map(|(name, _)| name.clone()).collect();
        let workflow = workflow_xml(&WorkflowInput {
            job_type,
            app_name: &app_name,
            configs: &configs,
            input_url: input_url.as_deref(),
            output_url: output_url.as_deref(),
            mains: &main_names,
            libs: &lib_names,
            hdfs_user: &endpoints.hdfs_user,
        })?;
        let mut extra_libpath = Vec::new();
        if workflow::flag(&configs, "edp.hbase_common_lib") {
            extra_libpath.push(self.config.hbase_common_lib.clone());
        }
        if job_type == JobType::Java
            && workflow::flag(&configs, "edp.java.adapt_for_oozie")
            && let Some(jar) = &self.config.java_main_wrapper_jar
        {
            extra_libpath.push(jar.clone());
        }
        let properties = job_properties(&PropertiesInput {
            endpoints: &endpoints,
            workflow_dir: &dir,
            configs: &configs,
            extra_libpath: &extra_libpath,
            schedule: schedule.as_ref(),
        });
        let configuration_xml = hadoop_configuration(&properties)?;
        let lib_dir = if job_type == JobType::Shell { dir.clone() } else { format!("{dir}/lib") };
        let mut dirs = vec![dir.clone()];
        if !libs.is_empty() && lib_dir != dir {
            dirs.push(lib_dir.clone());
        }
        let mut files: Vec<(String, Vec<u8>)> = Vec::new();
        files.extend(mains.into_iter().map(|(name, data)| (format!("{dir}/{name}"), data)));
        files.extend(libs.into_iter().map(|(name, data)| (format!("{lib_dir}/{name}"), data)));
        files.push((format!("{dir}/workflow.xml"), workflow.into_bytes()));
        if scheduled {
            files.push((format!("{dir}/coordinator.xml"), coordinator_xml(&app_name)?.into_bytes()));
        }
        let mut paths: Vec<&str> = files.iter().map(|(path, _)| path.as_str()).collect();
        paths.sort_unstable();
        if let Some(pair) = paths.windows(2).find(|pair| pair[0] == pair[1]) {
            return Err(EngineError::invalid_job(format!(
                "two files of job template `{}` would both be staged as {}",
                template.name, pair[0]
            )));
        }
        Ok(Plan { endpoints, app_name, dir, dirs, files, configuration_xml, scheduled })
    }

    /// Runs `job` (a workflow), or schedules it (a coordinator).
    pub(crate) fn launch(&self, job: &JobExecution, scheduled: bool) -> Result<RunOutcome, EngineError> {
        validate::app_name(&job.id)?;
        if self.cancel_requested(job)? {
            tracing::info!(job = %job.id, "cancelled before launch: nothing was staged or submitted");
            return Ok(RunOutcome::killed_before_launch());
        }
        let plan = self.plan(job, scheduled)?;
        let oozie = self.oozie(&plan.endpoints);
        let kind = if scheduled { JobKind::Coordinator } else { JobKind::Workflow };
        if let Some(found) = oozie.find(&plan.app_name, kind)? {
            tracing::info!(job = %job.id, oozie_job_id = %found.id, status = %found.status,
                "oozie already has this job execution's job: taking it over instead of submitting again");
            let status = crate::status::job_status(&found.status);
            return self.after_submit(job, &plan, found.id, status);
        }
        let hdfs = self.webhdfs(&plan.endpoints);
        let staged = plan
            .dirs
            .iter()
            .try_for_each(|dir| hdfs.mkdirs(dir))
            .and_then(|()| plan.files.iter().try_for_each(|(path, data)| hdfs.create(path, data)));
        if let Err(error) = staged {
            self.remove_dir(&plan.endpoints, &plan.dir);
            return Err(error);
        }
        tracing::debug!(job = %job.id, dir = %plan.dir, files = plan.files.len(), "staged the workflow");
        if self.cancel_requested(job)? {
            tracing::info!(job = %job.id, "cancelled before submission");
            self.remove_dir(&plan.endpoints, &plan.dir);
            return Ok(RunOutcome::killed_before_launch());
        }
        let id = match oozie.submit(&plan.configuration_xml) {
            Ok(id) => id,
            Err(error) => {
                self.remove_dir(&plan.endpoints, &plan.dir);
                return Err(error);
            }
        };
        tracing::info!(job = %job.id, oozie_job_id = %id, dir = %plan.dir, "submitted to oozie");
        let status = if scheduled { None } else { Some(JobStatus::PREP) };
        self.after_submit(job, &plan, id, status)
    }

    /// Steps 6 and 7 for the job `id`, whose status is `known` if the caller knows it.
    fn after_submit(
        &self,
        job: &JobExecution,
        plan: &Plan,
        id: String,
        known: Option<JobStatus>,
    ) -> Result<RunOutcome, EngineError> {
        let oozie = self.oozie(&plan.endpoints);
        let mut extra = plan.extra(&id);
        let launched = |status: Option<JobStatus>, extra: &Value| {
            if let Some(status) = status.filter(|status| status.is_terminal()) {
                self.finished(&plan.endpoints, Some(&plan.dir), status);
            }
            RunOutcome::launched(id.clone(), status).with_extra(extra)
        };
        if let Some(status) = known.filter(|status| status.is_terminal()) {
            return Ok(launched(Some(status), &extra));
        }
        if self.cancel_requested(job)? {
            tracing::info!(job = %job.id, oozie_job_id = %id, "cancel requested before start: killing the PREP job");
            if let Err(error) = oozie.control(&id, Control::Kill) {
                tracing::warn!(job = %job.id, oozie_job_id = %id, %error, "could not kill the job; the cancel retries");
                return Ok(launched(None, &extra));
            }
            let status = oozie.info(&id).and_then(|info| status_of(&info));
            return Ok(match status {
                Ok(status) if status.is_terminal() => launched(Some(status), &extra),
                // The kill did not take (yet): keep TOBEKILLED, so the host's cancel goes on.
                _ => launched(None, &extra),
            });
        }
        let needs_start = !plan.scheduled && !is_coordinator_id(&id) && matches!(known, None | Some(JobStatus::PREP));
        if needs_start && let Err(error) = oozie.control(&id, Control::Start) {
            tracing::warn!(job = %job.id, oozie_job_id = %id, %error,
                "could not start the submitted job: READYTORUN, the next status call starts it");
            extra["start_error"] = Value::String(error.message.to_string());
            return Ok(launched(Some(JobStatus::READYTORUN), &extra));
        }
        match oozie.info(&id).and_then(|info| status_of(&info)) {
            Ok(status) => {
                tracing::info!(job = %job.id, oozie_job_id = %id, %status, "launched");
                Ok(launched(Some(status), &extra))
            }
            Err(error) => {
                tracing::warn!(job = %job.id, oozie_job_id = %id, %error, "launched, but its status could not be read");
                Ok(launched(None, &extra))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workflow_dirs_follow_sahara_s_layout() {
        assert_eq!(workflow_dir("hadoop", "", "wordcount", "je-1"), "/user/hadoop/wordcount/je-1");
        assert_eq!(
            workflow_dir("hdfs", "edp/jobs", "word count/v2:x", "je-1"),
            "/user/hdfs/edp/jobs/word_count_v2_x/je-1"
        );
        assert_eq!(workflow_dir("hadoop", "", "..", "je-1"), "/user/hadoop/job/je-1");
        assert_eq!(workflow_dir("hadoop", "", "", "je-1"), "/user/hadoop/job/je-1");
    }
}
