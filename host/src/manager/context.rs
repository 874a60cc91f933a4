//! [`StoreContext`]: the records engines read through the host services, from the store, and
//! the path of their "status changed" notifications to the manager.

use std::sync::Arc;

use edp_plugin_api::abi_stable::std_types::{RString, RVec};
use edp_plugin_api::{ClusterRecord, DataSource, EngineError, JobBinary, JobStatus, JobTemplate};
use serde_json::Value;
use tokio::sync::mpsc;

use crate::context::EngineContext;
use crate::store::{Store, StoreError};

/// The engine context of a running host.
pub struct StoreContext {
    store: Arc<dyn Store>,
    notifications: mpsc::UnboundedSender<String>,
}

impl StoreContext {
    /// A context over `store`; the receiver gets the ids engines say changed (hand it to
    /// `JobManager::spawn_notification_listener`).
    pub fn new(store: Arc<dyn Store>) -> (Self, mpsc::UnboundedReceiver<String>) {
        let (notifications, receiver) = mpsc::unbounded_channel();
        (Self { store, notifications }, receiver)
    }
}

fn unavailable(error: StoreError) -> EngineError {
    EngineError::unavailable(error.to_string())
}

fn missing(what: &str, id: &str) -> EngineError {
    EngineError::not_found(format!("{what} `{id}` not found"))
}

fn ids(ids: &[String]) -> RVec<RString> {
    ids.iter().map(|id| RString::from(id.as_str())).collect()
}

impl EngineContext for StoreContext {
    fn cluster(&self, id: &str) -> Result<ClusterRecord, EngineError> {
        let cluster = self.store.cluster(id).map_err(unavailable)?.ok_or_else(|| missing("cluster", id))?;
        Ok(ClusterRecord {
            id: cluster.id.into(),
            name: cluster.name.into(),
            cluster_type: cluster.cluster_type.into(),
            version: cluster.version.into(),
            status: cluster.status.into(),
            info: Value::Object(cluster.info).to_string().into(),
        })
    }

    fn job_template(&self, id: &str) -> Result<JobTemplate, EngineError> {
        let template = self.store.job_template(id).map_err(unavailable)?.ok_or_else(|| missing("job template", id))?;
        Ok(JobTemplate {
            id: template.id.into(),
            name: template.name.into(),
            job_type: template.job_type.into(),
            mains: ids(&template.mains),
            libs: ids(&template.libs),
        })
    }

    fn job_binary(&self, id: &str) -> Result<JobBinary, EngineError> {
        let binary = self.store.job_binary(id).map_err(unavailable)?.ok_or_else(|| missing("job binary", id))?;
        Ok(JobBinary { id: binary.id.into(), name: binary.name.into(), url: binary.url.into() })
    }

    /// The bytes of a binary stored in the database: its own, or those of the internal binary
    /// its `internal-db://<id>` URL names.
    fn job_binary_data(&self, id: &str) -> Result<Vec<u8>, EngineError> {
        if let Some(bytes) = self.store.job_binary_data(id).map_err(unavailable)? {
            return Ok(bytes);
        }
        let binary = self.store.job_binary(id).map_err(unavailable)?.ok_or_else(|| missing("job binary", id))?;
        let internal = binary.url.strip_prefix("internal-db://").filter(|internal| *internal != id);
        match internal {
            Some(internal) => self.store.job_binary_data(internal).map_err(unavailable)?.ok_or_else(|| {
                EngineError::not_found(format!(
                    "job binary `{id}` refers to `{}`, which has no stored contents",
                    binary.url
                ))
            }),
            None => Err(EngineError::not_found(format!(
                "job binary `{id}` is stored at {}, which this host cannot fetch; upload it as an internal binary",
                binary.url
            ))),
        }
    }

    fn data_source(&self, id: &str) -> Result<DataSource, EngineError> {
        let source = self.store.data_source(id).map_err(unavailable)?.ok_or_else(|| missing("data source", id))?;
        Ok(DataSource {
            id: source.id.into(),
            name: source.name.into(),
            kind: source.kind.into(),
            url: source.url.into(),
        })
    }

    fn job_execution_status(&self, id: &str) -> Result<JobStatus, EngineError> {
        self.store.job_execution_status(id).map_err(unavailable)?.ok_or_else(|| missing("job execution", id))
    }

    fn status_changed(&self, _engine: &str, job_execution_id: &str) {
        // The receiver is gone only while the host shuts down; the next start recovers.
        let _ = self.notifications.send(job_execution_id.to_owned());
    }
}
