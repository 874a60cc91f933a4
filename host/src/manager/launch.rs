//! Launching a PENDING job execution through its engine of record.

use edp_plugin_api::JobStatus;
use serde_json::Value;
use tracing::Instrument as _;

use crate::engine::EngineHandle;
use crate::manager::substitution;
use crate::manager::terminal::error_info;
use crate::manager::view::engine_view;
use crate::manager::{JobManager, ManagerError, now_millis};
use crate::store::{JobExecutionRow, Launched, UpdateOutcome};

/// Whether Sahara's `job_execution_info.job_execution_type` asks for a scheduled run.
pub(crate) fn is_scheduled(job_configs: &Value) -> bool {
    job_configs.pointer("/job_execution_info/job_execution_type").and_then(Value::as_str) == Some("scheduled")
}

impl JobManager {
    /// Launches `id` on a task of its own.
    pub(crate) fn spawn_launch(&self, id: String) {
        let manager = self.clone();
        let span = tracing::info_span!("launch", job = %id);
        tokio::spawn(
            async move {
                if let Err(error) = manager.launch(&id).await {
                    tracing::warn!(%error, "launch did not complete");
                }
            }
            .instrument(span),
        );
    }

    /// Launches a PENDING execution: data sources resolved, the engine called, and the engine
    /// job id, start time, status and `extra` written together. A launch that fails is
    /// FAILED with start = end = now, after the engine is asked to cancel whatever it may have
    /// started for this execution, so nothing is orphaned.
    pub(crate) async fn launch(&self, id: &str) -> Result<(), ManagerError> {
        // One trip to the store: the record, the attempt, the data sources.
        let owned = id.to_owned();
        let now = now_millis();
        let read = self
            .db(move |store| {
                let Some(row) = store.job_execution(&owned)? else { return Ok(None) };
                if row.status.is_terminal() || row.engine_job_id.is_some() {
                    return Ok(Some((row, None)));
                }
                store.mark_launch_attempt(&owned, now)?;
                let prepared = substitution::prepare(store, &row);
                Ok(Some((row, Some(prepared))))
            })
            .await?;
        let Some((row, prepared)) = read else { return Err(ManagerError::not_found("job execution", id)) };
        let Some(prepared) = prepared else { return Ok(()) };
        let engine = match self.engine(&row.engine) {
            Ok(engine) => engine,
            Err(error) => {
                self.finish(id, JobStatus::FAILED, Some(error_info(error.to_string()))).await?;
                return Err(error);
            }
        };
        let job_type = self.job_type(&row).await?;
        let prepared = match prepared {
            Ok(prepared) => prepared,
            Err(reason) => {
                self.finish(id, JobStatus::FAILED, Some(error_info(reason.clone()))).await?;
                return Err(ManagerError::Invalid(reason));
            }
        };
        let mut prepared_row = row.clone();
        prepared_row.job_configs = prepared.job_configs.clone();
        prepared_row.data_source_urls = prepared.data_source_urls.clone();
        let view = engine_view(&prepared_row, &job_type);
        let result = if is_scheduled(&row.job_configs) {
            engine.run_scheduled_job(view.clone()).await
        } else {
            engine.run_job(view.clone()).await
        };
        let launch = match result {
            Ok(launch) => launch,
            Err(error) => {
                self.cancel_orphan(&engine, &prepared_row, &job_type).await;
                self.finish(id, JobStatus::FAILED, Some(error_info(error.to_string()))).await?;
                return Err(error.into());
            }
        };
        let terminal = launch.status.filter(|status| status.is_terminal());
        let launched = Launched {
            engine_job_id: launch.engine_job_id.clone(),
            status: launch.status.filter(|status| !status.is_terminal()),
            extra: launch.extra,
            data_source_urls: prepared.data_source_urls,
            job_configs: prepared.job_configs,
            now: now_millis(),
        };
        let owned = id.to_owned();
        let recorded = self.db(move |store| store.record_launch(&owned, &launched)).await;
        prepared_row.engine_job_id = launch.engine_job_id;
        match recorded {
            Ok(UpdateOutcome::Applied) => {
                if let Some(status) = launch.status.filter(|status| !status.is_terminal()) {
                    self.publish(id, status);
                }
                // Ask for the status once now: the record gets the engine's info at once, and a
                // job that ended before its launch was recorded (its engine's "status changed"
                // came too early to act on) gets its final status.
                if terminal.is_none() {
                    self.spawn_refresh(id.to_owned());
                }
            }
            Ok(UpdateOutcome::AlreadyTerminal(_) | UpdateOutcome::Missing) => {
                tracing::warn!("the execution ended or was deleted while launching; stopping the engine job");
                self.cancel_orphan(&engine, &prepared_row, &job_type).await;
                return Ok(());
            }
            Err(error) => {
                self.cancel_orphan(&engine, &prepared_row, &job_type).await;
                let message = format!("the launch could not be recorded: {error}");
                self.finish(id, JobStatus::FAILED, Some(error_info(message))).await?;
                return Err(error);
            }
        }
        if let Some(status) = terminal {
            self.finish(id, status, None).await?;
        }
        Ok(())
    }

    /// Asks the engine, once, to stop whatever it launched for `row` (its engine job id, or, if
    /// the host never learnt one, the job execution id the engine tags its jobs with).
    async fn cancel_orphan(&self, engine: &EngineHandle, row: &JobExecutionRow, job_type: &str) {
        match engine.cancel_job(engine_view(row, job_type)).await {
            Ok(report) => {
                tracing::info!(answer = ?report.map(|r| r.status), "asked the engine to cancel the orphaned launch")
            }
            Err(error) => tracing::warn!(%error, "could not cancel the orphaned launch"),
        }
    }
}
