//! The one way into a terminal status, and the other status writes.

use edp_plugin_api::JobStatus;
use serde_json::{Map, Value};

use crate::engine::EngineStatus;
use crate::manager::{JobManager, ManagerError, lock, now_millis};
use crate::store::{Transition, UpdateOutcome};

impl JobManager {
    /// Moves a job execution to the terminal `status`: the store sets the end time (and the start
    /// time, if the job never started) in the same transaction, and, only if this write is the
    /// one that made it terminal, the cleanup runs. A terminal status never changes again, so the
    /// cleanup runs exactly once per execution, whichever path finished it.
    pub(crate) async fn finish(
        &self,
        id: &str,
        status: JobStatus,
        info: Option<Map<String, Value>>,
    ) -> Result<UpdateOutcome, ManagerError> {
        debug_assert!(status.is_terminal(), "finish is for terminal statuses, not {status}");
        let outcome = self.write_transition(id, status, info, None).await?;
        if outcome == UpdateOutcome::Applied {
            self.cleanup(id, status);
        }
        Ok(outcome)
    }

    /// Writes a non-terminal status (and the engine's info, if given).
    pub(crate) async fn set_status(
        &self,
        id: &str,
        status: JobStatus,
        info: Option<Map<String, Value>>,
    ) -> Result<UpdateOutcome, ManagerError> {
        debug_assert!(!status.is_terminal(), "terminal statuses go through finish, not {status}");
        self.write_transition(id, status, info, None).await
    }

    /// Writes what an engine reported: terminal statuses through [`Self::finish`]. `previous`
    /// is the status the caller last read, so that a report that only updates the engine's
    /// info is not announced as a status change.
    pub(crate) async fn write_report(
        &self,
        id: &str,
        report: EngineStatus,
        previous: Option<JobStatus>,
    ) -> Result<UpdateOutcome, ManagerError> {
        if report.status.is_terminal() {
            self.finish(id, report.status, Some(report.info)).await
        } else {
            self.write_transition(id, report.status, Some(report.info), previous).await
        }
    }

    async fn write_transition(
        &self,
        id: &str,
        status: JobStatus,
        info: Option<Map<String, Value>>,
        previous: Option<JobStatus>,
    ) -> Result<UpdateOutcome, ManagerError> {
        let owned = id.to_owned();
        let transition = Transition { status, engine_info: info, now: now_millis() };
        let outcome = self.db(move |store| store.transition(&owned, &transition)).await?;
        if outcome == UpdateOutcome::Applied && previous != Some(status) {
            self.publish(id, status);
        }
        Ok(outcome)
    }

    /// What happens once when an execution ends.
    fn cleanup(&self, id: &str, status: JobStatus) {
        lock(&self.inner.missing_clusters).remove(id);
        self.inner.cleanups.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        tracing::info!(job = id, %status, "job execution finished");
    }
}

/// `{"error": message}`, the engine info of executions the host failed itself.
pub(crate) fn error_info(message: impl Into<String>) -> Map<String, Value> {
    let mut info = Map::new();
    info.insert("error".into(), Value::String(message.into()));
    info
}
