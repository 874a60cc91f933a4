//! Cancelling: Sahara's sequence, with its bugs fixed.
//!
//! 1. Load the record (a terminal one is returned as it is).
//! 2. Pick its engine of record.
//! 3. Set TOBEKILLED.
//! 4. Ask the engine to cancel, trapping and logging errors.
//! 5. Ask for the status.
//! 6. Write a terminal answer through `finish`.
//! 7. Otherwise wait and retry until the cancel timeout.
//! 8. On timeout the execution stays TOBEKILLED, and the caller learns it.
//!
//! A PENDING execution is cancellable: its launch re-checks TOBEKILLED just before the
//! irreversible step and reports KILLED instead of launching.

use std::time::Instant;

use edp_plugin_api::JobStatus;
use tracing::Instrument as _;

use crate::manager::view::engine_view;
use crate::manager::{JobManager, ManagerError};
use crate::store::{JobExecutionRow, UpdateOutcome};

impl JobManager {
    /// Cancels `id` and waits for the engine to confirm, up to the cancel timeout.
    pub async fn cancel(&self, id: &str) -> Result<JobExecutionRow, ManagerError> {
        let row = self.begin_cancel(id).await?;
        if row.status.is_terminal() {
            return Ok(row);
        }
        self.cancel_loop(id).await
    }

    /// Marks `id` TOBEKILLED and cancels it in the background; returns the record as marked.
    pub async fn request_cancel(&self, id: &str) -> Result<JobExecutionRow, ManagerError> {
        let row = self.begin_cancel(id).await?;
        if !row.status.is_terminal() {
            self.spawn_cancel_loop(id.to_owned());
        }
        Ok(row)
    }

    async fn begin_cancel(&self, id: &str) -> Result<JobExecutionRow, ManagerError> {
        let row = self.job_execution(id).await?;
        if row.status.is_terminal() || row.status == JobStatus::TOBEKILLED {
            return Ok(row);
        }
        self.engine(&row.engine)?;
        match self.set_status(id, JobStatus::TOBEKILLED, None).await? {
            UpdateOutcome::Missing => Err(ManagerError::not_found("job execution", id)),
            UpdateOutcome::Applied | UpdateOutcome::AlreadyTerminal(_) => self.job_execution(id).await,
        }
    }

    pub(crate) fn spawn_cancel_loop(&self, id: String) {
        let manager = self.clone();
        let span = tracing::info_span!("cancel", job = %id);
        tokio::spawn(
            async move {
                if let Err(error) = manager.cancel_loop(&id).await {
                    tracing::warn!(%error, "cancel did not complete");
                }
            }
            .instrument(span),
        );
    }

    async fn cancel_loop(&self, id: &str) -> Result<JobExecutionRow, ManagerError> {
        let deadline = Instant::now() + self.inner.settings.cancel_timeout;
        loop {
            // Re-read each round: the launch, the poller or a delete may have moved it.
            let row = self.job_execution(id).await?;
            if row.status.is_terminal() {
                return Ok(row);
            }
            let engine = self.engine(&row.engine)?;
            let job = engine_view(&row, &self.job_type(&row).await?);
            match engine.cancel_job(job.clone()).await {
                Ok(Some(report)) if report.status.is_terminal() => {
                    self.write_report(id, report, None).await?;
                    return self.job_execution(id).await;
                }
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "engine cancel failed; will retry"),
            }
            if row.engine_job_id.is_some() {
                match engine.get_job_status(job).await {
                    Ok(Some(report)) if report.status.is_terminal() => {
                        self.write_report(id, report, None).await?;
                        return self.job_execution(id).await;
                    }
                    Ok(_) => {}
                    Err(error) => tracing::warn!(%error, "status after cancel failed; will retry"),
                }
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(ManagerError::CancelTimedOut {
                    id: id.to_owned(),
                    after: self.inner.settings.cancel_timeout,
                });
            }
            tokio::time::sleep(self.inner.settings.cancel_retry.min(deadline - now)).await;
        }
    }

    /// Cancels `id` (waiting up to the cancel timeout), then removes it, whether or not the
    /// engine confirmed: Sahara's delete.
    pub async fn delete(&self, id: &str) -> Result<(), ManagerError> {
        match self.cancel(id).await {
            Ok(_) => {}
            Err(ManagerError::NotFound { .. }) => return Err(ManagerError::not_found("job execution", id)),
            Err(error) => tracing::warn!(job = id, %error, "deleting a job execution whose cancel did not complete"),
        }
        let owned = id.to_owned();
        if self.db(move |store| store.delete_job_execution(&owned)).await? {
            Ok(())
        } else {
            Err(ManagerError::not_found("job execution", id))
        }
    }
}
