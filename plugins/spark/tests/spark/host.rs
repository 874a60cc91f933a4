//! The real host around the real plugin library: plugins.toml text → `Config::load`, a SQLite
//! store, the engine registry, the routes and the job manager, as `edp-host serve` builds them;
//! and a host restart (everything dropped but the store and data directory, then `recover`).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use edp_host::config::Config;
use edp_host::manager::{JobManager, NewExecution, StoreContext, now_millis};
use edp_host::plugins::EngineRegistry;
use edp_host::routing::RouteTable;
use edp_host::store::{ClusterRecordRow, JobBinaryRow, JobExecutionRow, JobTemplateRow, SqliteStore, Store};
use edp_plugin_api::JobStatus;
use serde_json::{Map, Value, json};

use crate::pyspark;
use crate::support;

/// A host with a store, running the spark engine.
pub(crate) struct Jobs {
    /// The data directory and plugins.toml.
    _dir: tempfile::TempDir,
    config_path: PathBuf,
    store: Arc<SqliteStore>,
    runtime: Option<tokio::runtime::Runtime>,
    manager: Option<JobManager>,
}

/// The engine table every test host uses: Spark from the test venv, small memory, no UIs.
fn engine_config() -> String {
    let spark = pyspark::spark();
    format!(
        "[engines.spark]\nlibrary = {library:?}\ntimeout_secs = {{ default = 30 }}\n\
         [engines.spark.config]\nspark_home = {home:?}\ngrace_period_secs = 3\nhttp_timeout_secs = 5\n\
         conf = {{ \"spark.ui.enabled\" = \"false\", \"spark.driver.memory\" = \"512m\", \
         \"spark.executor.memory\" = \"512m\", \"spark.cores.max\" = \"1\" }}\n\
         env = {{ SPARK_LOCAL_IP = \"127.0.0.1\", PYSPARK_PYTHON = {python:?} }}\n\n\
         [[routes]]\ncluster_type = \"spark\"\nengine = \"spark\"\n",
        library = support::engine_library().display().to_string(),
        home = spark.home.display().to_string(),
        python = spark.python.display().to_string(),
    )
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime")
}

fn start(config_path: &Path, store: &Arc<SqliteStore>) -> (tokio::runtime::Runtime, JobManager) {
    let config = Config::load(config_path).unwrap_or_else(|err| panic!("{err}"));
    let runtime = runtime();
    let manager = runtime.block_on(async {
        let (context, notifications) = StoreContext::new(store.clone());
        let registry = EngineRegistry::load(&config, Arc::new(context)).unwrap_or_else(|errors| panic!("{errors:?}"));
        let routes = RouteTable::build(&config.routes, &registry).unwrap_or_else(|errors| panic!("{errors:?}"));
        let manager = JobManager::new(store.clone(), Arc::new(registry), Arc::new(routes), config.host.manager.clone());
        manager.spawn_notification_listener(notifications);
        manager
    });
    (runtime, manager)
}

impl Jobs {
    /// A new host with its own store and data directory.
    pub(crate) fn new() -> Jobs {
        let dir = tempfile::tempdir().expect("temp dir");
        let text = format!(
            "[host]\ndata_dir = \"data\"\nplugin_dirs = []\ncancel_timeout_secs = 60\ncancel_retry_secs = 0.2\n\
             poll_interval_secs = 3600\n\n{}",
            engine_config()
        );
        let config_path = dir.path().join("plugins.toml");
        std::fs::write(&config_path, text).expect("write plugins.toml");
        let config = Config::load(&config_path).unwrap_or_else(|err| panic!("{err}"));
        let store = Arc::new(SqliteStore::open(&config.host.data_dir.join("edp.sqlite")).expect("store opens"));
        let (runtime, manager) = start(&config_path, &store);
        Jobs { _dir: dir, config_path, store, runtime: Some(runtime), manager: Some(manager) }
    }

    fn manager(&self) -> &JobManager {
        self.manager.as_ref().expect("a running host")
    }

    fn block_on<F: std::future::Future>(&self, future: F) -> F::Output {
        self.runtime.as_ref().expect("a running host").block_on(future)
    }

    /// Stops this host (its runtime, manager and engines) and starts a new one over the same
    /// store and data directory, which recovers what was in flight.
    pub(crate) fn restart(&mut self) {
        self.manager = None;
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_timeout(Duration::from_secs(2));
        }
        let (runtime, manager) = start(&self.config_path, &self.store);
        let recovered = runtime.block_on(manager.recover()).expect("recover");
        assert!(recovered >= 1, "the restarted host found the job in flight");
        self.runtime = Some(runtime);
        self.manager = Some(manager);
    }

    /// Registers an Active `spark` cluster with `info`.
    pub(crate) fn cluster(&self, info: Value) -> String {
        let now = now_millis();
        let Value::Object(info) = info else { panic!("cluster info is an object") };
        let cluster = ClusterRecordRow {
            id: uuid::Uuid::new_v4().to_string(),
            project: "p1".into(),
            name: format!("spark-{}", uuid::Uuid::new_v4()),
            description: String::new(),
            cluster_type: "spark".into(),
            version: "4.3.0".into(),
            status: "Active".into(),
            info,
            is_public: false,
            is_protected: false,
            created_at: now,
            updated_at: now,
        };
        self.store.insert_cluster(&cluster).expect("insert cluster");
        cluster.id
    }

    fn binary(&self, name: &str, data: &[u8]) -> String {
        self.binary_at(name, None, Some(data))
    }

    /// A binary stored in the database (`url` None) or only named by its URL.
    fn binary_at(&self, name: &str, url: Option<&str>, data: Option<&[u8]>) -> String {
        let now = now_millis();
        let id = uuid::Uuid::new_v4().to_string();
        let row = JobBinaryRow {
            id: id.clone(),
            project: "p1".into(),
            name: name.into(),
            description: String::new(),
            url: url.map_or_else(|| format!("internal-db://{id}"), str::to_owned),
            is_public: false,
            is_protected: false,
            created_at: now,
            updated_at: now,
        };
        self.store.insert_job_binary(&row, data).expect("insert binary");
        id
    }

    /// A job template whose mains are only URLs (file name, URL).
    pub(crate) fn template_with_urls(&self, job_type: &str, mains: &[(&str, &str)]) -> String {
        let ids: Vec<String> = mains.iter().map(|(name, url)| self.binary_at(name, Some(url), None)).collect();
        self.template_of(job_type, ids, Vec::new())
    }

    /// A job template of `job_type` with `mains` and `libs` as (file name, bytes).
    pub(crate) fn template(&self, job_type: &str, mains: &[(&str, &[u8])], libs: &[(&str, &[u8])]) -> String {
        let mains = mains.iter().map(|(name, data)| self.binary(name, data)).collect();
        let libs = libs.iter().map(|(name, data)| self.binary(name, data)).collect();
        self.template_of(job_type, mains, libs)
    }

    fn template_of(&self, job_type: &str, mains: Vec<String>, libs: Vec<String>) -> String {
        let now = now_millis();
        let template = JobTemplateRow {
            id: uuid::Uuid::new_v4().to_string(),
            project: "p1".into(),
            name: format!("template-{}", uuid::Uuid::new_v4()),
            description: String::new(),
            job_type: job_type.into(),
            mains,
            libs,
            interface: Value::Array(Vec::new()),
            is_public: false,
            is_protected: false,
            created_at: now,
            updated_at: now,
        };
        self.store.insert_job_template(&template).expect("insert template");
        template.id
    }

    /// Submits `template` on `cluster` with Sahara's `job_configs`.
    pub(crate) fn submit(&self, template: &str, cluster: &str, job_configs: Value) -> JobExecutionRow {
        self.try_submit(template, cluster, job_configs).unwrap_or_else(|err| panic!("submit: {err}"))
    }

    /// Submits, or says why the host refused.
    pub(crate) fn try_submit(
        &self,
        template: &str,
        cluster: &str,
        job_configs: Value,
    ) -> Result<JobExecutionRow, String> {
        self.block_on(self.manager().submit(NewExecution {
            project: "p1".into(),
            job_template_id: template.into(),
            cluster_id: cluster.into(),
            input_id: None,
            output_id: None,
            job_configs,
            is_public: false,
            is_protected: false,
        }))
        .map_err(|err| err.to_string())
    }

    /// The record of `id`.
    pub(crate) fn row(&self, id: &str) -> JobExecutionRow {
        self.store.job_execution(id).expect("read").expect("exists")
    }

    /// Cancels `id` and waits for the engine to confirm.
    pub(crate) fn cancel(&self, id: &str) -> JobExecutionRow {
        self.block_on(self.manager().cancel(id)).unwrap_or_else(|err| panic!("cancel {id}: {err}"))
    }

    /// Refreshes `id` from its engine until `condition` holds; panics after `timeout`.
    pub(crate) fn wait_for(
        &self,
        id: &str,
        what: &str,
        timeout: Duration,
        condition: impl Fn(&JobExecutionRow) -> bool,
    ) -> JobExecutionRow {
        let mut last = None;
        let held = support::wait_until(timeout, || {
            let row = match self.block_on(self.manager().refresh(id)) {
                Ok(row) => row,
                Err(_) => self.row(id),
            };
            let done = condition(&row);
            last = Some(row);
            done
        });
        let row = last.expect("read at least once");
        assert!(held, "{id} never became {what} within {timeout:?}: {row:#?}");
        row
    }

    /// Waits for a terminal status.
    pub(crate) fn wait_for_end(&self, id: &str, timeout: Duration) -> JobExecutionRow {
        self.wait_for(id, "terminal", timeout, |row| row.status.is_terminal())
    }

    /// Waits until the engine reports `status`.
    pub(crate) fn wait_for_status(&self, id: &str, status: JobStatus, timeout: Duration) -> JobExecutionRow {
        self.wait_for(id, &status.to_string(), timeout, |row| row.status == status)
    }
}

/// The engine info's text at `key`, or "".
pub(crate) fn info_text(row: &JobExecutionRow, key: &str) -> String {
    row.engine_info.get(key).and_then(Value::as_str).unwrap_or_default().to_owned()
}

/// Sahara's job configs from `configs`, `args` and `params`.
pub(crate) fn job_configs(configs: Value, args: &[&str], params: Value) -> Value {
    json!({"configs": configs, "args": args, "params": params})
}

/// An empty JSON object.
pub(crate) fn none() -> Value {
    Value::Object(Map::new())
}
