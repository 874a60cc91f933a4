//! Refreshing one execution's status from its engine of record: the code path shared by the
//! poller, "refresh now" and engines' "status changed" notifications.

use std::time::Instant;

use edp_plugin_api::JobStatus;
use tracing::Instrument as _;

use crate::engine::EngineStatus;
use crate::manager::terminal::error_info;
use crate::manager::view::engine_view;
use crate::manager::{JobManager, ManagerError, lock};
use crate::store::JobExecutionRow;

/// What a refresh did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refreshed {
    /// Nothing to ask: terminal, not launched yet, or being cancelled.
    Skipped,
    /// The engine had nothing new.
    Unchanged,
    /// A new status or info was written.
    Changed,
    /// The engine call failed; nothing was written.
    Failed,
}

impl Refreshed {
    /// Whether the refresh wrote the record.
    fn wrote(self) -> bool {
        matches!(self, Refreshed::Changed)
    }
}

/// What a refresh of a row comes to before any engine is asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Triage {
    /// Nothing to ask: terminal, not launched yet, or being cancelled.
    Skip,
    /// Its cluster is gone.
    ClusterGone,
    /// Ask its engine.
    Ask,
}

impl Triage {
    pub(crate) fn of(row: &JobExecutionRow, cluster_exists: bool) -> Self {
        let launching = row.status == JobStatus::PENDING && row.engine_job_id.is_none();
        let cancelling = row.status == JobStatus::TOBEKILLED;
        if row.status.is_terminal() || launching || cancelling {
            Triage::Skip
        } else if cluster_exists {
            Triage::Ask
        } else {
            Triage::ClusterGone
        }
    }
}

impl JobManager {
    /// Asks the engine of record for `id`'s status now, and returns the record.
    pub async fn refresh(&self, id: &str) -> Result<JobExecutionRow, ManagerError> {
        let owned = id.to_owned();
        let (row, cluster_exists) = self
            .db(move |store| {
                let Some(row) = store.job_execution(&owned)? else { return Ok(None) };
                let cluster_exists = store.cluster(&row.cluster_id)?.is_some();
                Ok(Some((row, cluster_exists)))
            })
            .await?
            .ok_or_else(|| ManagerError::not_found("job execution", id))?;
        if !self.refresh_row(row.clone(), cluster_exists).await.wrote() {
            return Ok(row);
        }
        self.job_execution(id).await
    }

    pub(crate) fn spawn_refresh(&self, id: String) {
        let manager = self.clone();
        let span = tracing::debug_span!("refresh", job = %id);
        tokio::spawn(
            async move {
                if let Err(error) = manager.refresh(&id).await {
                    tracing::debug!(%error, "refresh did not complete");
                }
            }
            .instrument(span),
        );
    }

    /// Refreshes `row`. Errors are logged and counted, never passed on: one execution's
    /// failure must not touch another's.
    pub(crate) async fn refresh_row(&self, row: JobExecutionRow, cluster_exists: bool) -> Refreshed {
        match Triage::of(&row, cluster_exists) {
            Triage::Skip => Refreshed::Skipped,
            Triage::ClusterGone => self.cluster_gone(&row).await,
            Triage::Ask => {
                let answer = async {
                    let engine = self.engine(&row.engine)?;
                    let job = engine_view(&row, &self.job_type(&row).await?);
                    Ok::<_, ManagerError>(engine.get_job_status(job).await?)
                };
                let answer = answer.await;
                self.apply_answer(&row, answer).await
            }
        }
    }

    /// Writes what the engine answered about `row`, if it is news.
    pub(crate) async fn apply_answer(
        &self,
        row: &JobExecutionRow,
        answer: Result<Option<EngineStatus>, ManagerError>,
    ) -> Refreshed {
        lock(&self.inner.missing_clusters).remove(&row.id);
        let result = async {
            let Some(report) = answer? else { return Ok(Refreshed::Unchanged) };
            if report.status == row.status && report.info == row.engine_info {
                return Ok(Refreshed::Unchanged);
            }
            self.write_report(&row.id, report, Some(row.status)).await?;
            Ok::<_, ManagerError>(Refreshed::Changed)
        };
        match result.await {
            Ok(refreshed) => refreshed,
            Err(error) => {
                tracing::debug!(job = %row.id, %error, "status refresh failed");
                Refreshed::Failed
            }
        }
    }

    /// An execution whose cluster was removed is FAILED once the grace period has passed,
    /// instead of being polled forever (Sahara's executions on deleted clusters never ended).
    async fn cluster_gone(&self, row: &JobExecutionRow) -> Refreshed {
        let since = *lock(&self.inner.missing_clusters).entry(row.id.clone()).or_insert_with(Instant::now);
        if since.elapsed() < self.inner.settings.missing_cluster_grace {
            return Refreshed::Skipped;
        }
        let message = format!("cluster `{}` no longer exists", row.cluster_id);
        match self.finish(&row.id, JobStatus::FAILED, Some(error_info(message))).await {
            Ok(_) => Refreshed::Changed,
            Err(_) => Refreshed::Failed,
        }
    }
}
