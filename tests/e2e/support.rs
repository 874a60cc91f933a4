//! Helpers shared by the end-to-end tests: building the engine libraries, a host with an
//! in-memory set of records, captured logs, and waiting on conditions with deadlines.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Condvar, Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use edp_host::config::Config;
use edp_host::context::EngineContext;
use edp_host::plugins::EngineRegistry;
use edp_plugin_api::abi_stable::std_types::{ROption, RString, RVec};
use edp_plugin_api::{ClusterRecord, DataSource, EngineError, JobBinary, JobExecution, JobStatus, JobTemplate};

/// The workspace root.
pub(crate) fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("host/ has a parent").to_owned()
}

/// `target/<profile>`, where cargo put this test binary and the engine libraries.
pub(crate) fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    exe.parent().and_then(Path::parent).expect("target/<profile>/deps/<test>").to_owned()
}

/// The cargo that runs these tests.
pub(crate) fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

/// Builds the workspace's engine libraries once per test run and returns their directory.
pub(crate) fn engine_libraries() -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let profile_dir = profile_dir();
            let mut command = cargo();
            command.current_dir(workspace_root()).args(["build", "-p", "edp-engine-local", "-p", "edp-engine-mock"]);
            if profile_dir.file_name().is_some_and(|name| name == "release") {
                command.arg("--release");
            }
            let output = command.output().expect("run cargo build");
            assert!(
                output.status.success(),
                "building the engines failed:\n{}",
                String::from_utf8_lossy(&output.stderr)
            );
            profile_dir
        })
        .clone()
}

/// The path of workspace engine library `crate_name` (e.g. `edp_engine_mock`).
pub(crate) fn engine_library(crate_name: &str) -> PathBuf {
    engine_libraries().join(libloading_name(crate_name))
}

/// `libNAME.so` on Linux.
pub(crate) fn libloading_name(name: &str) -> String {
    format!("{}{name}{}", std::env::consts::DLL_PREFIX, std::env::consts::DLL_SUFFIX)
}

/// Runs the `edp-host` binary.
pub(crate) fn edp_host(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_edp-host")).args(args).env("RUST_LOG", "warn").output().expect("run edp-host")
}

/// stdout and stderr of `output`, for assertions and failure messages.
pub(crate) fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

/// Writes `plugins.toml` with `text` into `dir` and returns its path.
pub(crate) fn write_config(dir: &Path, text: &str) -> PathBuf {
    let path = dir.join("plugins.toml");
    std::fs::write(&path, text).expect("write plugins.toml");
    path
}

/// Loads a config file and its engines with `context`.
pub(crate) fn load_registry(config_path: &Path, context: Arc<MemoryContext>) -> (Config, EngineRegistry) {
    crate::logging::host_log();
    let config = Config::load(config_path).unwrap_or_else(|err| panic!("{err}"));
    let registry = EngineRegistry::load(&config, context).unwrap_or_else(|errors| panic!("{errors:?}"));
    (config, registry)
}

/// A multi-threaded runtime for calling engines.
pub(crate) fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime")
}

/// Polls `condition` until it holds or `timeout` passes; returns whether it held.
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

/// Records kept in memory: what the job manager's store will provide.
#[derive(Default)]
pub(crate) struct MemoryContext {
    clusters: Mutex<HashMap<String, ClusterRecord>>,
    templates: Mutex<HashMap<String, JobTemplate>>,
    binaries: Mutex<HashMap<String, (JobBinary, Vec<u8>)>>,
    statuses: Mutex<HashMap<String, JobStatus>>,
    changes: Mutex<Vec<(String, String)>>,
    changed: Condvar,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl MemoryContext {
    /// Adds a job template with `mains` and `libs` given as (name, bytes).
    pub(crate) fn add_template(&self, id: &str, job_type: &str, mains: &[(&str, &[u8])], libs: &[(&str, &[u8])]) {
        let add = |prefix: &str, files: &[(&str, &[u8])]| -> RVec<RString> {
            files
                .iter()
                .enumerate()
                .map(|(index, (name, bytes))| {
                    let binary_id = format!("{id}-{prefix}-{index}");
                    let binary = JobBinary {
                        id: binary_id.clone().into(),
                        name: (*name).into(),
                        url: format!("internal-db://{binary_id}").into(),
                    };
                    lock(&self.binaries).insert(binary_id.clone(), (binary, bytes.to_vec()));
                    RString::from(binary_id)
                })
                .collect()
        };
        let mains = add("main", mains);
        let libs = add("lib", libs);
        let template = JobTemplate { id: id.into(), name: id.into(), job_type: job_type.into(), mains, libs };
        lock(&self.templates).insert(id.to_owned(), template);
    }

    /// Sets a job execution's status, as the job manager would.
    pub(crate) fn set_status(&self, id: &str, status: JobStatus) {
        lock(&self.statuses).insert(id.to_owned(), status);
    }

    /// Waits until engine `engine` said the status of `job_id` changed.
    pub(crate) fn wait_for_change(&self, engine: &str, job_id: &str, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut changes = lock(&self.changes);
        loop {
            if changes.iter().any(|(e, j)| e == engine && j == job_id) {
                return true;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            changes = self.changed.wait_timeout(changes, left).unwrap_or_else(PoisonError::into_inner).0;
        }
    }
}

fn missing(what: &str, id: &str) -> EngineError {
    EngineError::not_found(format!("no {what} `{id}`"))
}

impl EngineContext for MemoryContext {
    fn cluster(&self, id: &str) -> Result<ClusterRecord, EngineError> {
        lock(&self.clusters).get(id).cloned().ok_or_else(|| missing("cluster", id))
    }
    fn job_template(&self, id: &str) -> Result<JobTemplate, EngineError> {
        lock(&self.templates).get(id).cloned().ok_or_else(|| missing("job template", id))
    }
    fn job_binary(&self, id: &str) -> Result<JobBinary, EngineError> {
        lock(&self.binaries).get(id).map(|(binary, _)| binary.clone()).ok_or_else(|| missing("job binary", id))
    }
    fn job_binary_data(&self, id: &str) -> Result<Vec<u8>, EngineError> {
        lock(&self.binaries).get(id).map(|(_, bytes)| bytes.clone()).ok_or_else(|| missing("job binary", id))
    }
    fn data_source(&self, id: &str) -> Result<DataSource, EngineError> {
        Err(missing("data source", id))
    }
    fn job_execution_status(&self, id: &str) -> Result<JobStatus, EngineError> {
        lock(&self.statuses).get(id).copied().ok_or_else(|| missing("job execution", id))
    }
    fn status_changed(&self, engine: &str, job_execution_id: &str) {
        lock(&self.changes).push((engine.to_owned(), job_execution_id.to_owned()));
        self.changed.notify_all();
    }
}

/// A job execution of `job_type` with `configs` (Sahara's `configs` object) and `args`.
pub(crate) fn job(
    id: &str,
    job_type: &str,
    template_id: &str,
    configs: serde_json::Value,
    args: &[&str],
) -> JobExecution {
    let job_configs = serde_json::json!({"configs": configs, "params": {}, "args": args});
    JobExecution {
        id: id.into(),
        job_type: job_type.into(),
        cluster_id: "cluster-1".into(),
        job_template_id: template_id.into(),
        input_id: ROption::RNone,
        output_id: ROption::RNone,
        engine_job_id: ROption::RNone,
        job_configs: job_configs.to_string().into(),
        extra: "{}".into(),
        engine_info: "{}".into(),
    }
}

/// The same job after launch with `engine_job_id`.
pub(crate) fn launched(mut job: JobExecution, engine_job_id: Option<String>) -> JobExecution {
    job.engine_job_id = engine_job_id.map(RString::from).into();
    job
}

/// A unique name for this test's files and engines.
pub(crate) fn unique(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    format!("{prefix}{}", NEXT.fetch_add(1, Ordering::Relaxed))
}
