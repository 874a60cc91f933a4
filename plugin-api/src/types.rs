//! The plain data that crosses the plugin boundary.
//!
//! Every type here is `#[repr(C)]` and made of abi_stable's `R*` types and integer codes.
//! Open-ended payloads (engine configuration, job configs, `extra`, engine `info`) are JSON text,
//! so they can grow without changing any layout.

use std::ops::{BitOr, BitOrAssign};

use abi_stable::StableAbi;
use abi_stable::std_types::{ROption, RString, RVec};

use crate::status::JobStatus;

/// What a plugin says about itself, readable before any engine is built.
#[repr(C)]
#[derive(StableAbi, Clone, Debug)]
pub struct PluginInfo {
    /// The name the engine is registered under when it is discovered, e.g. `local`.
    pub name: RString,
    /// The plugin's own version (its crate version), e.g. `0.3.1`.
    pub version: RString,
    /// [`crate::API_VERSION`] as the plugin was built against.
    pub api_version: u32,
    /// One line for people.
    pub description: RString,
    /// The job types the engine runs, in Sahara's spelling.
    pub job_types: RVec<RString>,
    /// Which optional verbs the engine implements.
    pub capabilities: Capabilities,
    /// A JSON Schema of the engine's configuration table in plugins.toml.
    pub config_schema: RString,
}

/// A set of optional verbs an engine implements. The host decides by these bits, never by an
/// engine's name. Unknown bits from a newer plugin are kept and ignored.
#[repr(transparent)]
#[derive(StableAbi, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Capabilities(u64);

impl Capabilities {
    /// No optional verb.
    pub const NONE: Self = Self(0);
    /// `suspend_job` works.
    pub const SUSPEND: Self = Self(1);
    /// `resume_job` works.
    pub const RESUME: Self = Self(1 << 1);
    /// `run_scheduled_job` works.
    pub const SCHEDULED: Self = Self(1 << 2);

    /// The known bits with their names, in bit order.
    pub const NAMED: [(Self, &'static str); 3] =
        [(Self::SUSPEND, "suspend"), (Self::RESUME, "resume"), (Self::SCHEDULED, "scheduled")];

    /// The raw bits.
    pub const fn bits(self) -> u64 {
        self.0
    }

    /// A set from raw bits.
    pub const fn from_bits(bits: u64) -> Self {
        Self(bits)
    }

    /// Whether every bit of `other` is in `self`.
    pub const fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }

    /// The names of the known capabilities in the set.
    pub fn names(self) -> Vec<&'static str> {
        Self::NAMED.iter().filter(|(cap, _)| self.contains(*cap)).map(|(_, name)| *name).collect()
    }
}

impl BitOr for Capabilities {
    type Output = Self;
    fn bitor(self, rhs: Self) -> Self {
        Self(self.0 | rhs.0)
    }
}

impl BitOrAssign for Capabilities {
    fn bitor_assign(&mut self, rhs: Self) {
        self.0 |= rhs.0;
    }
}

impl std::fmt::Debug for Capabilities {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Capabilities({:?})", self.names())
    }
}

/// A job execution as an engine sees it. The host owns the record; this is a read-only copy.
#[repr(C)]
#[derive(StableAbi, Clone, Debug, PartialEq)]
pub struct JobExecution {
    /// The job execution id. Stable across host restarts: engines may tag their jobs with it
    /// to make launching idempotent.
    pub id: RString,
    /// The job type of the template, in Sahara's spelling.
    pub job_type: RString,
    /// The cluster the job runs on; see `HostServices::cluster`.
    pub cluster_id: RString,
    /// The job template; see `HostServices::job_template`.
    pub job_template_id: RString,
    /// The input data source, if any; see `HostServices::data_source`.
    pub input_id: ROption<RString>,
    /// The output data source, if any.
    pub output_id: ROption<RString>,
    /// The id the engine returned from `run_job`; `None` before launch.
    pub engine_job_id: ROption<RString>,
    /// Sahara's `job_configs` as JSON: `{"configs": {}, "params": {}, "args": [],
    /// "job_execution_info": {}}`. See [`crate::JobConfigs`].
    pub job_configs: RString,
    /// Sahara's `extra` as a JSON object: what the engine returned from `run_job`, merged.
    pub extra: RString,
    /// The engine's own `info` from its last status report, as a JSON object.
    pub engine_info: RString,
}

/// What `run_job` returns: Sahara's `(job_id, status, extra)`.
#[repr(C)]
#[derive(StableAbi, Clone, Debug, PartialEq)]
pub struct RunOutcome {
    /// The engine's id for the job. `None` only together with a terminal `status`, for a job
    /// that was never launched (a cancel arrived first: the engine reports `KILLED`).
    pub engine_job_id: ROption<RString>,
    /// The status right after launch, if the engine knows it.
    pub status: ROption<JobStatus>,
    /// A JSON object merged into the job execution's `extra`, if any.
    pub extra: ROption<RString>,
}

impl RunOutcome {
    /// A launched job with the engine's id and, optionally, its status.
    pub fn launched(engine_job_id: impl Into<String>, status: Option<JobStatus>) -> Self {
        Self {
            engine_job_id: ROption::RSome(RString::from(engine_job_id.into())),
            status: status.into(),
            extra: ROption::RNone,
        }
    }

    /// A job that was not launched because a cancel arrived first.
    pub fn killed_before_launch() -> Self {
        Self { engine_job_id: ROption::RNone, status: ROption::RSome(JobStatus::KILLED), extra: ROption::RNone }
    }

    /// The same outcome with `extra` (a JSON object) attached.
    pub fn with_extra(mut self, extra: &serde_json::Value) -> Self {
        self.extra = ROption::RSome(RString::from(extra.to_string()));
        self
    }
}

/// A status report from `get_job_status`, `cancel_job`, `suspend_job` or `resume_job`.
#[repr(C)]
#[derive(StableAbi, Clone, Debug, PartialEq)]
pub struct StatusReport {
    /// The job's status.
    pub status: JobStatus,
    /// The engine's own view of the job as a JSON object (Oozie's job JSON, an exit code, ...).
    pub info: RString,
}

impl StatusReport {
    /// A report with `status` and `info` (a JSON object).
    pub fn new(status: JobStatus, info: &serde_json::Value) -> Self {
        Self { status, info: RString::from(info.to_string()) }
    }
}

/// How an engine feels, from `health`.
#[repr(transparent)]
#[derive(StableAbi, Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct HealthState(u8);

impl HealthState {
    /// Working.
    pub const HEALTHY: Self = Self(1);
    /// Working, but something needs attention.
    pub const DEGRADED: Self = Self(2);
    /// Not able to run jobs.
    pub const UNHEALTHY: Self = Self(3);

    /// `healthy`, `degraded`, `unhealthy` or `unknown`.
    pub fn name(self) -> &'static str {
        match self {
            Self::HEALTHY => "healthy",
            Self::DEGRADED => "degraded",
            Self::UNHEALTHY => "unhealthy",
            _ => "unknown",
        }
    }
}

/// What `health` returns.
#[repr(C)]
#[derive(StableAbi, Clone, Debug, PartialEq)]
pub struct HealthReport {
    /// The state.
    pub state: HealthState,
    /// Why, for people; empty when healthy.
    pub message: RString,
}

impl HealthReport {
    /// Healthy, nothing to say.
    pub fn healthy() -> Self {
        Self { state: HealthState::HEALTHY, message: RString::new() }
    }

    /// A report with `state` and `message`.
    pub fn new(state: HealthState, message: impl Into<String>) -> Self {
        Self { state, message: RString::from(message.into()) }
    }
}

/// A registered cluster, as the host's registry holds it.
#[repr(C)]
#[derive(StableAbi, Clone, Debug, PartialEq)]
pub struct ClusterRecord {
    /// Cluster id.
    pub id: RString,
    /// Cluster name.
    pub name: RString,
    /// The cluster type: Sahara's provisioning plugin name (`vanilla`, `spark`, ...).
    pub cluster_type: RString,
    /// The cluster type's version (`2.7.1`).
    pub version: RString,
    /// Sahara's cluster status (`Active`, ...).
    pub status: RString,
    /// Endpoints and settings as a JSON object (an Oozie URL, a Spark master, ...).
    pub info: RString,
}

/// A job template (Sahara's "job").
#[repr(C)]
#[derive(StableAbi, Clone, Debug, PartialEq)]
pub struct JobTemplate {
    /// Template id.
    pub id: RString,
    /// Template name.
    pub name: RString,
    /// Job type, in Sahara's spelling.
    pub job_type: RString,
    /// Ids of the main job binaries.
    pub mains: RVec<RString>,
    /// Ids of the library job binaries.
    pub libs: RVec<RString>,
}

/// A job binary's description; its bytes come from `HostServices::job_binary_data`.
#[repr(C)]
#[derive(StableAbi, Clone, Debug, PartialEq)]
pub struct JobBinary {
    /// Binary id.
    pub id: RString,
    /// File name, e.g. `wordcount.jar`.
    pub name: RString,
    /// Where it lives (`internal-db://...`, `hdfs://...`).
    pub url: RString,
}

/// A data source.
#[repr(C)]
#[derive(StableAbi, Clone, Debug, PartialEq)]
pub struct DataSource {
    /// Data source id.
    pub id: RString,
    /// Data source name.
    pub name: RString,
    /// Sahara's data source type: `hdfs`, `swift`, `s3`, `manila`, `maprfs`.
    pub kind: RString,
    /// The URL, with Sahara's placeholders (`%JOB_EXEC_ID%`) already expanded.
    pub url: RString,
}
