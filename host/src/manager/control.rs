//! Suspend and resume, by capability bit, with Sahara's suspendible set.

use edp_plugin_api::JobStatus;

use crate::manager::terminal::error_info;
use crate::manager::view::engine_view;
use crate::manager::{JobManager, ManagerError};
use crate::store::JobExecutionRow;

impl JobManager {
    /// Suspends a PREP or RUNNING execution. An engine that fails or gives no answer leaves it
    /// SUSPENDFAILED (terminal, as in Sahara, and now with its end time).
    pub async fn suspend(&self, id: &str) -> Result<JobExecutionRow, ManagerError> {
        let row = self.job_execution(id).await?;
        if !row.status.is_suspendible() {
            return Err(ManagerError::WrongStatus { id: id.to_owned(), status: row.status, action: "suspend" });
        }
        let engine = self.engine(&row.engine)?;
        if !engine.description().capabilities.contains(edp_plugin_api::Capabilities::SUSPEND) {
            return Err(crate::engine::EngineCallError::NotCapable {
                engine: row.engine.clone(),
                verb: "suspend_job",
                capability: "suspend",
            }
            .into());
        }
        self.set_status(id, JobStatus::TOBESUSPENDED, None).await?;
        let job = engine_view(&row, &self.job_type(&row).await?);
        match engine.suspend_job(job).await {
            Ok(Some(report)) => {
                self.write_report(id, report, None).await?;
            }
            Ok(None) => {
                self.finish(id, JobStatus::SUSPENDFAILED, Some(error_info("the engine did not confirm the suspend")))
                    .await?;
            }
            Err(error) => {
                self.finish(id, JobStatus::SUSPENDFAILED, Some(error_info(error.to_string()))).await?;
                return Err(error.into());
            }
        }
        self.job_execution(id).await
    }

    /// Resumes a SUSPENDED (or PREPSUSPENDED: suspended before it started) execution.
    pub async fn resume(&self, id: &str) -> Result<JobExecutionRow, ManagerError> {
        let row = self.job_execution(id).await?;
        if row.status != JobStatus::SUSPENDED && row.status != JobStatus::PREPSUSPENDED {
            return Err(ManagerError::WrongStatus { id: id.to_owned(), status: row.status, action: "resume" });
        }
        let engine = self.engine(&row.engine)?;
        let job = engine_view(&row, &self.job_type(&row).await?);
        if let Some(report) = engine.resume_job(job).await? {
            self.write_report(id, report, None).await?;
        }
        self.job_execution(id).await
    }
}
