//! [`Host`]: the host's services with ordinary Rust signatures.

use abi_stable::sabi_trait::TD_Opaque;
use abi_stable::std_types::RArc;

use crate::error::EngineError;
use crate::host::{HostServices, HostServices_TO, HostServicesArc};
use crate::sdk::log_bridge::LogScope;
use crate::status::JobStatus;
use crate::types::{ClusterRecord, DataSource, JobBinary, JobTemplate};

/// The services the host gave this engine. Cheap to clone; usable from any thread.
#[derive(Clone)]
pub struct Host {
    services: HostServicesArc,
}

impl Host {
    /// Wraps host services as the host hands them over.
    pub fn new(services: HostServicesArc) -> Self {
        Self { services }
    }

    /// Wraps any [`HostServices`] implementation: how a test drives an engine without a host.
    pub fn from_services(services: impl HostServices + 'static) -> Self {
        Self::new(HostServices_TO::from_ptr(RArc::new(services), TD_Opaque))
    }

    /// A registered cluster.
    pub fn cluster(&self, id: &str) -> Result<ClusterRecord, EngineError> {
        self.services.cluster(id.into()).into_result()
    }

    /// A job template.
    pub fn job_template(&self, id: &str) -> Result<JobTemplate, EngineError> {
        self.services.job_template(id.into()).into_result()
    }

    /// A job binary's description.
    pub fn job_binary(&self, id: &str) -> Result<JobBinary, EngineError> {
        self.services.job_binary(id.into()).into_result()
    }

    /// A job binary's bytes.
    pub fn job_binary_data(&self, id: &str) -> Result<Vec<u8>, EngineError> {
        self.services.job_binary_data(id.into()).into_result().map(|bytes| bytes.into_vec())
    }

    /// A data source.
    pub fn data_source(&self, id: &str) -> Result<DataSource, EngineError> {
        self.services.data_source(id.into()).into_result()
    }

    /// The current status of a job execution in the host's records.
    pub fn job_execution_status(&self, id: &str) -> Result<JobStatus, EngineError> {
        self.services.job_execution_status(id.into()).into_result()
    }

    /// Tell the host the job's status just changed, so it refreshes it now.
    pub fn status_changed(&self, job_execution_id: &str) {
        self.services.status_changed(job_execution_id.into());
    }

    /// The host's wall clock, in milliseconds since the Unix epoch.
    pub fn now_millis(&self) -> i64 {
        self.services.now_millis()
    }

    /// The directory this engine instance owns: `<data_dir>/engines/<engine name>`. It exists
    /// and persists across host restarts, so an engine may keep per-job state there.
    pub fn work_dir(&self) -> std::path::PathBuf {
        std::path::PathBuf::from(self.services.work_dir().as_str())
    }

    /// Route this thread's `tracing` events to this engine's log until the guard drops. Entry
    /// points are already scoped; use this on threads the engine spawns itself.
    pub fn log_scope(&self) -> LogScope {
        LogScope::enter(&self.services)
    }
}
