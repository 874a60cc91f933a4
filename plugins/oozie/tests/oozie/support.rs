//! Helpers: a fake host for driving the engine directly, job executions, waiting on conditions
//! with deadlines, and where cargo put things.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use edp_engine_oozie::{OozieEngine, OoziePlugin};
use edp_plugin_api::abi_stable::std_types::{ROption, RResult, RStr, RString, RVec};
use edp_plugin_api::{
    ClusterRecord, DataSource, EngineError, Host, HostServices, JobBinary, JobExecution, JobStatus, JobTemplate,
    LogLevel, LogRecord, Plugin,
};
use serde_json::{Value, json};

use crate::fake::{Fake, NAME_NODE};

/// Polls `condition` every 20 ms until it holds or `timeout` passes; returns whether it held.
pub(crate) fn wait_until(timeout: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if condition() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The current minute since the epoch (UTC).
pub(crate) fn now_minute() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).expect("a clock after 1970").as_secs() / 60
}

/// Minute `minute` since the epoch in Oozie's form, `2015-06-10T06:05Z`.
pub(crate) fn iso(minute: u64) -> String {
    let secs = minute * 60;
    let (y, m, d) = civil(i64::try_from(secs / 86_400).expect("a date in range"));
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}Z", secs % 86_400 / 3600, secs % 3600 / 60)
}

/// The proleptic Gregorian date of a day number.
fn civil(days: i64) -> (i64, i64, i64) {
    let days = days + 719_468;
    let era = days.div_euclid(146_097);
    let doe = days - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

/// `target/<profile>`, where cargo put this test binary.
pub(crate) fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    exe.parent().and_then(Path::parent).expect("target/<profile>/deps/<test>").to_owned()
}

/// The cargo target directory.
pub(crate) fn target_dir() -> PathBuf {
    profile_dir().parent().expect("target/<profile> has a parent").to_owned()
}

#[derive(Default)]
struct Records {
    clusters: HashMap<String, ClusterRecord>,
    templates: HashMap<String, JobTemplate>,
    binaries: HashMap<String, (String, Vec<u8>)>,
    sources: HashMap<String, DataSource>,
    statuses: HashMap<String, JobStatus>,
}

/// Host services over in-memory records.
#[derive(Clone, Default)]
pub(crate) struct FakeHost {
    records: Arc<Mutex<Records>>,
    work_dir: Arc<str>,
}

fn missing<T>(what: &str, id: RStr<'_>) -> RResult<T, EngineError> {
    RResult::RErr(EngineError::not_found(format!("no {what} `{id}`")))
}

impl FakeHost {
    fn records(&self) -> MutexGuard<'_, Records> {
        self.records.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn add_cluster(&self, id: &str, info: Value) {
        let cluster = ClusterRecord {
            id: id.into(),
            name: format!("cluster-{id}").into(),
            cluster_type: "vanilla".into(),
            version: "2.7.1".into(),
            status: "Active".into(),
            info: info.to_string().into(),
        };
        self.records().clusters.insert(id.to_owned(), cluster);
    }

    pub(crate) fn remove_cluster(&self, id: &str) {
        self.records().clusters.remove(id);
    }

    /// A template with mains and libs given as (file name, bytes).
    pub(crate) fn add_template(&self, id: &str, job_type: &str, mains: &[(&str, &[u8])], libs: &[(&str, &[u8])]) {
        let mut records = self.records();
        let mut add = |kind: &str, files: &[(&str, &[u8])]| -> RVec<RString> {
            files
                .iter()
                .enumerate()
                .map(|(index, (name, bytes))| {
                    let binary_id = format!("{id}-{kind}-{index}");
                    records.binaries.insert(binary_id.clone(), ((*name).to_owned(), bytes.to_vec()));
                    RString::from(binary_id)
                })
                .collect()
        };
        let mains = add("main", mains);
        let libs = add("lib", libs);
        let template =
            JobTemplate { id: id.into(), name: format!("{id}-job").into(), job_type: job_type.into(), mains, libs };
        records.templates.insert(id.to_owned(), template);
    }

    pub(crate) fn add_source(&self, id: &str, kind: &str, url: &str) {
        let source = DataSource { id: id.into(), name: id.into(), kind: kind.into(), url: url.into() };
        self.records().sources.insert(id.to_owned(), source);
    }

    pub(crate) fn set_status(&self, job_id: &str, status: JobStatus) {
        self.records().statuses.insert(job_id.to_owned(), status);
    }
}

impl HostServices for FakeHost {
    fn log(&self, _record: LogRecord) {}

    fn max_level(&self) -> LogLevel {
        LogLevel::OFF
    }

    fn cluster(&self, id: RStr<'_>) -> RResult<ClusterRecord, EngineError> {
        match self.records().clusters.get(id.as_str()) {
            Some(cluster) => RResult::ROk(cluster.clone()),
            None => missing("cluster", id),
        }
    }

    fn job_template(&self, id: RStr<'_>) -> RResult<JobTemplate, EngineError> {
        match self.records().templates.get(id.as_str()) {
            Some(template) => RResult::ROk(template.clone()),
            None => missing("job template", id),
        }
    }

    fn job_binary(&self, id: RStr<'_>) -> RResult<JobBinary, EngineError> {
        match self.records().binaries.get(id.as_str()) {
            Some((name, _)) => RResult::ROk(JobBinary {
                id: id.into(),
                name: name.as_str().into(),
                url: format!("internal-db://{id}").into(),
            }),
            None => missing("job binary", id),
        }
    }

    fn job_binary_data(&self, id: RStr<'_>) -> RResult<RVec<u8>, EngineError> {
        match self.records().binaries.get(id.as_str()) {
            Some((_, bytes)) => RResult::ROk(bytes.clone().into()),
            None => missing("job binary", id),
        }
    }

    fn data_source(&self, id: RStr<'_>) -> RResult<DataSource, EngineError> {
        match self.records().sources.get(id.as_str()) {
            Some(source) => RResult::ROk(source.clone()),
            None => missing("data source", id),
        }
    }

    fn job_execution_status(&self, id: RStr<'_>) -> RResult<JobStatus, EngineError> {
        RResult::ROk(self.records().statuses.get(id.as_str()).copied().unwrap_or(JobStatus::PENDING))
    }

    fn status_changed(&self, _job_execution_id: RStr<'_>) {}

    fn now_millis(&self) -> i64 {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        i64::try_from(now.as_millis()).unwrap_or(i64::MAX)
    }

    fn work_dir(&self) -> RString {
        RString::from(&*self.work_dir)
    }
}

/// An engine over a fake Oozie: the cluster `c1`'s info points at `fake`.
pub(crate) struct Rig {
    pub(crate) fake: Fake,
    pub(crate) host: FakeHost,
    pub(crate) engine: OozieEngine,
    _work_dir: tempfile::TempDir,
}

/// The cluster info that points at `fake`.
pub(crate) fn cluster_info(fake: &Fake) -> Value {
    json!({
        "oozie_url": fake.oozie_url(),
        "webhdfs_url": fake.webhdfs_url(),
        "name_node": NAME_NODE,
        "resource_manager": "resourcemanager.fake:8032",
        "hdfs_user": "hadoop"
    })
}

impl Rig {
    /// A rig whose engine has `config` (JSON) over the defaults below. The engine config's own
    /// endpoints point nowhere, so every test also checks that the cluster's info wins.
    pub(crate) fn new(config: Value) -> Self {
        let fake = Fake::start();
        let work_dir = tempfile::tempdir().expect("temp dir");
        let host = FakeHost { work_dir: work_dir.path().to_string_lossy().into(), ..FakeHost::default() };
        host.add_cluster("c1", cluster_info(&fake));
        let mut full = json!({
            "oozie_url": "http://127.0.0.1:9/oozie",
            "webhdfs_url": "http://127.0.0.1:9",
            "connect_timeout_secs": 2,
            "read_timeout_secs": 5,
            "retry_backoff_secs": 0.01
        });
        for (key, value) in config.as_object().cloned().unwrap_or_default() {
            full[key] = value;
        }
        let engine = OoziePlugin::new_engine(&full.to_string(), Host::from_services(host.clone())).expect("engine");
        Self { fake, host, engine, _work_dir: work_dir }
    }
}

/// A job execution of `job_type` on cluster `c1` with `job_configs` (Sahara's JSON).
pub(crate) fn job(id: &str, job_type: &str, template: &str, job_configs: Value) -> JobExecution {
    JobExecution {
        id: id.into(),
        job_type: job_type.into(),
        cluster_id: "c1".into(),
        job_template_id: template.into(),
        input_id: ROption::RNone,
        output_id: ROption::RNone,
        engine_job_id: ROption::RNone,
        job_configs: job_configs.to_string().into(),
        extra: "{}".into(),
        engine_info: "{}".into(),
    }
}

/// `job` as the host holds it after a launch that returned `outcome`.
pub(crate) fn launched(mut job: JobExecution, outcome: &edp_plugin_api::RunOutcome) -> JobExecution {
    job.engine_job_id = outcome.engine_job_id.clone();
    if let ROption::RSome(extra) = &outcome.extra {
        job.extra = extra.clone();
    }
    job
}

/// The engine job id of a launch outcome.
pub(crate) fn oozie_id(outcome: &edp_plugin_api::RunOutcome) -> String {
    outcome.engine_job_id.as_ref().map(|id| id.to_string()).into_option().expect("an engine job id")
}
