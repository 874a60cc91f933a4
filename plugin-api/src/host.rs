//! `HostServices`: what the host offers every engine.
//!
//! A log sink with the host's level, read-only lookups of the records an engine may need, a
//! clock, a working directory, and a way to say "this job's status just changed". There is no
//! way to write a job execution: the host's job manager owns every write.

use abi_stable::StableAbi;
use abi_stable::sabi_trait;
use abi_stable::std_types::{RArc, RResult, RStr, RString, RVec};

use crate::error::EngineError;
use crate::status::JobStatus;
use crate::types::{ClusterRecord, DataSource, JobBinary, JobTemplate};

/// A log level; higher is more verbose. `OFF` disables logging.
#[repr(transparent)]
#[derive(StableAbi, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct LogLevel(u8);

impl LogLevel {
    /// Nothing is logged.
    pub const OFF: Self = Self(0);
    /// Errors.
    pub const ERROR: Self = Self(1);
    /// Warnings.
    pub const WARN: Self = Self(2);
    /// Information.
    pub const INFO: Self = Self(3);
    /// Debugging detail.
    pub const DEBUG: Self = Self(4);
    /// Everything.
    pub const TRACE: Self = Self(5);

    /// The raw code.
    pub const fn code(self) -> u8 {
        self.0
    }

    /// The level with this code; codes above `TRACE` clamp to `TRACE`.
    pub const fn from_code(code: u8) -> Self {
        if code > Self::TRACE.0 { Self::TRACE } else { Self(code) }
    }
}

/// One key-value field of a log record.
#[repr(C)]
#[derive(StableAbi, Clone, Debug, PartialEq)]
pub struct LogField {
    /// Field name.
    pub name: RString,
    /// Field value, formatted.
    pub value: RString,
}

/// One log event from an engine.
#[repr(C)]
#[derive(StableAbi, Clone, Debug, PartialEq)]
pub struct LogRecord {
    /// Level.
    pub level: LogLevel,
    /// The `tracing` target inside the plugin (usually its module path).
    pub target: RString,
    /// The message.
    pub message: RString,
    /// The other fields of the event.
    pub fields: RVec<LogField>,
}

/// Services the host gives each engine instance. Calls run on the engine's thread; the host's
/// implementation never blocks on its async runtime.
///
/// The layout is frozen for API version 1; new services are appended after the last prefix field.
#[sabi_trait]
pub trait HostServices: Send + Sync + Clone + 'static {
    /// Write a log record to the host's log, tagged with the engine's name.
    fn log(&self, record: LogRecord);

    /// The most verbose level the host will keep; the SDK drops anything above it at the source.
    fn max_level(&self) -> LogLevel;

    /// A registered cluster.
    fn cluster(&self, id: RStr<'_>) -> RResult<ClusterRecord, EngineError>;

    /// A job template.
    fn job_template(&self, id: RStr<'_>) -> RResult<JobTemplate, EngineError>;

    /// A job binary's description.
    fn job_binary(&self, id: RStr<'_>) -> RResult<JobBinary, EngineError>;

    /// A job binary's bytes.
    fn job_binary_data(&self, id: RStr<'_>) -> RResult<RVec<u8>, EngineError>;

    /// A data source.
    fn data_source(&self, id: RStr<'_>) -> RResult<DataSource, EngineError>;

    /// The current status of a job execution, as the host has it now. Engines read it just
    /// before an irreversible launch step: `TOBEKILLED` means "do not launch, report KILLED".
    fn job_execution_status(&self, id: RStr<'_>) -> RResult<JobStatus, EngineError>;

    /// Tell the host the status of a job execution just changed (a child exited, a callback
    /// arrived), so it asks `get_job_status` now instead of at the next poll.
    fn status_changed(&self, job_execution_id: RStr<'_>);

    /// Wall-clock time in milliseconds since the Unix epoch, as the host sees it.
    fn now_millis(&self) -> i64;

    /// A directory this engine instance owns for its files (work directories, state). It exists
    /// and persists across host restarts.
    #[sabi(last_prefix_field)]
    fn work_dir(&self) -> RString;
}

/// The host services as an engine holds them: shared and cheap to clone across threads.
pub type HostServicesArc = HostServices_TO<RArc<()>>;
