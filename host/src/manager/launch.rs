//! Launching a PENDING job execution through its engine of record.

use edp_plugin_api::JobStatus;
use serde_json::Value;
use tracing::Instrument as _;

use crate::engine::EngineHandle;
use crate::manager::substitution::{self, Prepared};
use crate::manager::terminal::error_info;
use crate::manager::view::engine_view;
use crate::manager::{JobManager, ManagerError, lock, now_millis};
use crate::store::{JobExecutionRow, Launched, Millis, Store, StoreError, UpdateOutcome};

/// Whether Sahara's `job_execution_info.job_execution_type` asks for a scheduled run.
pub(crate) fn is_scheduled(job_configs: &Value) -> bool {
    job_configs.pointer("/job_execution_info/job_execution_type").and_then(Value::as_str) == Some("scheduled")
}

/// What a launch needs from the store, read in one trip: the record and its data sources
/// resolved (or why they could not be).
pub(crate) type LaunchInput = (JobExecutionRow, Result<Prepared, String>);

/// Reads `id` for a launch and counts the attempt. `None` when there is nothing to launch:
/// the execution is gone, ended or already has an engine job.
pub(crate) fn read_for_launch(store: &dyn Store, id: &str, now: Millis) -> Result<Option<LaunchInput>, StoreError> {
    let Some(row) = store.job_execution(id)? else { return Ok(None) };
    if row.status.is_terminal() || row.engine_job_id.is_some() {
        return Ok(None);
    }
    store.mark_launch_attempt(id, now)?;
    let prepared = substitution::prepare(store, &row);
    Ok(Some((row, prepared)))
}

/// Marks an execution as being launched until the launch is recorded (or abandoned).
pub(crate) struct Launching {
    manager: JobManager,
    id: String,
}

impl Launching {
    /// The launch is recorded: whether the engine said "status changed" meanwhile.
    fn recorded(self) -> bool {
        lock(&self.manager.inner.launching).remove(&self.id).unwrap_or(false)
    }
}

impl Drop for Launching {
    fn drop(&mut self) {
        lock(&self.manager.inner.launching).remove(&self.id);
    }
}

impl JobManager {
    /// Launches `id`, read from the store, on a task of its own (recovery's path).
    pub(crate) fn spawn_launch(&self, id: String) {
        let manager = self.clone();
        let span = tracing::info_span!("launch", job = %id);
        tokio::spawn(
            async move {
                let now = now_millis();
                let owned = id.clone();
                let input = manager.db(move |store| read_for_launch(store, &owned, now)).await;
                let result = match input {
                    Ok(Some(input)) => manager.launch(input).await,
                    Ok(None) => Ok(()),
                    Err(error) => Err(error),
                };
                if let Err(error) = result {
                    tracing::warn!(%error, "launch did not complete");
                }
            }
            .instrument(span),
        );
    }

    /// Launches an execution already read for launch (`submit`'s path) on a task of its own.
    pub(crate) fn spawn_launch_of(&self, input: LaunchInput) {
        let manager = self.clone();
        let span = tracing::info_span!("launch", job = %input.0.id);
        tokio::spawn(
            async move {
                if let Err(error) = manager.launch(input).await {
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
    async fn launch(&self, (row, prepared): LaunchInput) -> Result<(), ManagerError> {
        let id = row.id.as_str();
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
        // From here until the launch is recorded, an engine's "status changed" for this
        // execution is remembered and acted on once the record has the engine job id.
        let launching = self.launching(id);
        let result = if is_scheduled(&row.job_configs) {
            engine.run_scheduled_job(view).await
        } else {
            engine.run_job(view).await
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
        let notified = launching.recorded();
        prepared_row.engine_job_id = launch.engine_job_id;
        match recorded {
            Ok(UpdateOutcome::Applied) => {
                if let Some(status) = launch.status.filter(|status| !status.is_terminal()) {
                    self.publish(id, status);
                }
                // The engine said its status changed before the launch was recorded, or did not
                // say what the status is: ask now rather than at the next poll pass.
                if terminal.is_none() && (notified || launch.status.is_none()) {
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

    /// Marks `id` as being launched.
    fn launching(&self, id: &str) -> Launching {
        lock(&self.inner.launching).insert(id.to_owned(), false);
        Launching { manager: self.clone(), id: id.to_owned() }
    }

    /// The engine of `id` says its status changed: refresh now, or, while its launch is not
    /// recorded yet (the refresh would find no engine job to ask about), once it is.
    pub(crate) fn status_changed(&self, id: String) {
        if let Some(notified) = lock(&self.inner.launching).get_mut(&id) {
            *notified = true;
            return;
        }
        self.spawn_refresh(id);
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
