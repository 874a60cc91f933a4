//! The host's side of `HostServices`: one instance per engine, tagged with its name.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use abi_stable::sabi_trait::TD_Opaque;
use abi_stable::std_types::{RArc, RResult, RStr, RString, RVec};
use edp_plugin_api::{
    ClusterRecord, DataSource, EngineError, HostServices, HostServices_TO, HostServicesArc, JobBinary, JobStatus,
    JobTemplate, LogLevel, LogRecord,
};
use tracing::level_filters::LevelFilter;

use crate::context::EngineContext;

/// What the host offers one engine: its log, the records, a clock and a work directory.
#[derive(Clone)]
pub struct EngineServices {
    engine: Arc<str>,
    work_dir: Arc<str>,
    context: Arc<dyn EngineContext>,
}

impl EngineServices {
    /// Services for engine `engine`, owning `work_dir`, reading from `context`.
    pub fn new(engine: &str, work_dir: PathBuf, context: Arc<dyn EngineContext>) -> Self {
        Self { engine: engine.into(), work_dir: work_dir.to_string_lossy().into(), context }
    }

    /// As the trait object handed to the plugin.
    pub fn into_abi(self) -> HostServicesArc {
        HostServices_TO::from_ptr(RArc::new(self), TD_Opaque)
    }
}

fn host_level() -> LogLevel {
    match LevelFilter::current() {
        LevelFilter::OFF => LogLevel::OFF,
        LevelFilter::ERROR => LogLevel::ERROR,
        LevelFilter::WARN => LogLevel::WARN,
        LevelFilter::INFO => LogLevel::INFO,
        LevelFilter::DEBUG => LogLevel::DEBUG,
        _ => LogLevel::TRACE,
    }
}

impl HostServices for EngineServices {
    fn log(&self, record: LogRecord) {
        let fields: Vec<String> = record.fields.iter().map(|field| format!("{}={}", field.name, field.value)).collect();
        let fields = fields.join(" ");
        let (engine, target, message) = (&*self.engine, record.target.as_str(), record.message.as_str());
        match record.level {
            LogLevel::ERROR => {
                tracing::error!(target: "edp::plugin", engine, plugin_target = target, fields, "{message}")
            }
            LogLevel::WARN => {
                tracing::warn!(target: "edp::plugin", engine, plugin_target = target, fields, "{message}")
            }
            LogLevel::INFO => {
                tracing::info!(target: "edp::plugin", engine, plugin_target = target, fields, "{message}")
            }
            LogLevel::DEBUG => {
                tracing::debug!(target: "edp::plugin", engine, plugin_target = target, fields, "{message}")
            }
            _ => tracing::trace!(target: "edp::plugin", engine, plugin_target = target, fields, "{message}"),
        }
    }

    fn max_level(&self) -> LogLevel {
        host_level()
    }

    fn cluster(&self, id: RStr<'_>) -> RResult<ClusterRecord, EngineError> {
        self.context.cluster(id.as_str()).into()
    }

    fn job_template(&self, id: RStr<'_>) -> RResult<JobTemplate, EngineError> {
        self.context.job_template(id.as_str()).into()
    }

    fn job_binary(&self, id: RStr<'_>) -> RResult<JobBinary, EngineError> {
        self.context.job_binary(id.as_str()).into()
    }

    fn job_binary_data(&self, id: RStr<'_>) -> RResult<RVec<u8>, EngineError> {
        self.context.job_binary_data(id.as_str()).map(RVec::from).into()
    }

    fn data_source(&self, id: RStr<'_>) -> RResult<DataSource, EngineError> {
        self.context.data_source(id.as_str()).into()
    }

    fn job_execution_status(&self, id: RStr<'_>) -> RResult<JobStatus, EngineError> {
        self.context.job_execution_status(id.as_str()).into()
    }

    fn status_changed(&self, job_execution_id: RStr<'_>) {
        self.context.status_changed(&self.engine, job_execution_id.as_str());
    }

    fn now_millis(&self) -> i64 {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        i64::try_from(now.as_millis()).unwrap_or(i64::MAX)
    }

    fn work_dir(&self) -> RString {
        RString::from(&*self.work_dir)
    }
}
