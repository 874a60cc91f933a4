//! The job manager: it owns the orchestration of job executions and every write to their
//! records; engines only do the work.
//!
//! - `submit` validates (cluster exists and is Active, a route gives an engine, the engine runs
//!   the job type, the engine's own validation), persists PENDING, and launches in the
//!   background (`launch.rs`).
//! - Status and cancel always go to the **engine of record** (`JobExecutionRow::engine`), even
//!   after plugins.toml changes.
//! - `cancel` follows Sahara's sequence with its bugs fixed (`cancel.rs`); suspend and resume go
//!   by capability (`control.rs`).
//! - `refresh` (one execution) and `poll_pass` (all active ones) share one code path
//!   (`refresh.rs`, `poller.rs`), and so do engines' "status changed" notifications.
//! - `finish` (`terminal.rs`) is the one way into a terminal status: it sets the end time and
//!   runs cleanup exactly once.
//! - `recover` picks up what a previous run of the host left in flight.

mod cancel;
mod context;
mod control;
mod error;
mod launch;
mod poller;
mod refresh;
mod substitution;
mod terminal;
mod view;

pub use context::StoreContext;
pub use error::ManagerError;
pub use poller::PollStats;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use edp_plugin_api::{JobStatus, JobType};
use serde_json::{Map, Value};
use tokio::sync::broadcast;

use crate::config::ManagerSettings;
use crate::engine::EngineHandle;
use crate::plugins::EngineRegistry;
use crate::routing::{RouteQuery, RouteTable};
use crate::store::{JobExecutionRow, Millis, Store, StoreError};

/// A status change the manager wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusEvent {
    /// The job execution.
    pub id: String,
    /// Its new status.
    pub status: JobStatus,
}

/// What a caller asks to run (Sahara's execute request).
#[derive(Debug, Clone, PartialEq)]
pub struct NewExecution {
    /// The project it belongs to.
    pub project: String,
    /// The job template.
    pub job_template_id: String,
    /// The cluster.
    pub cluster_id: String,
    /// Input data source.
    pub input_id: Option<String>,
    /// Output data source.
    pub output_id: Option<String>,
    /// Sahara's `job_configs` (`configs`, `params`, `args`, `job_execution_info`).
    pub job_configs: Value,
    /// Visible read-only to other projects.
    pub is_public: bool,
    /// Cannot be changed, cancelled or deleted until unprotected.
    pub is_protected: bool,
}

/// The job manager. Cheap to clone; clones share everything.
#[derive(Clone)]
pub struct JobManager {
    inner: Arc<Inner>,
}

struct Inner {
    store: Arc<dyn Store>,
    engines: Arc<EngineRegistry>,
    routes: Arc<RouteTable>,
    settings: ManagerSettings,
    events: broadcast::Sender<StatusEvent>,
    job_types: Mutex<HashMap<String, String>>,
    missing_clusters: Mutex<HashMap<String, Instant>>,
    /// Executions being launched, and whether their engine said "status changed" meanwhile.
    launching: Mutex<HashMap<String, bool>>,
    cleanups: AtomicU64,
}

/// Milliseconds since the Unix epoch, now.
pub fn now_millis() -> Millis {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    Millis::try_from(now.as_millis()).unwrap_or(Millis::MAX)
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl JobManager {
    /// A manager over `store`, calling the engines of `engines` chosen by `routes`.
    pub fn new(
        store: Arc<dyn Store>,
        engines: Arc<EngineRegistry>,
        routes: Arc<RouteTable>,
        settings: ManagerSettings,
    ) -> Self {
        let (events, _) = broadcast::channel(1024);
        Self {
            inner: Arc::new(Inner {
                store,
                engines,
                routes,
                settings,
                events,
                job_types: Mutex::default(),
                missing_clusters: Mutex::default(),
                launching: Mutex::default(),
                cleanups: AtomicU64::new(0),
            }),
        }
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.inner.store
    }

    /// The routes.
    pub fn routes(&self) -> &RouteTable {
        &self.inner.routes
    }

    /// The engines.
    pub fn engines(&self) -> &EngineRegistry {
        &self.inner.engines
    }

    /// The settings.
    pub fn settings(&self) -> &ManagerSettings {
        &self.inner.settings
    }

    /// Every status change the manager writes from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<StatusEvent> {
        self.inner.events.subscribe()
    }

    /// How many times a job execution's terminal cleanup ran (once per finished execution).
    pub fn cleanups_run(&self) -> u64 {
        self.inner.cleanups.load(Ordering::Relaxed)
    }

    /// A job execution by id.
    pub async fn job_execution(&self, id: &str) -> Result<JobExecutionRow, ManagerError> {
        let owned = id.to_owned();
        self.db(move |store| store.job_execution(&owned))
            .await?
            .ok_or_else(|| ManagerError::not_found("job execution", id))
    }

    /// Validates `new`, persists it as PENDING and launches it in the background.
    pub async fn submit(&self, new: NewExecution) -> Result<JobExecutionRow, ManagerError> {
        // One trip to the store for everything the request refers to.
        let (template_id, cluster_id) = (new.job_template_id.clone(), new.cluster_id.clone());
        let sources: Vec<String> = [&new.input_id, &new.output_id].into_iter().flatten().cloned().collect();
        let (template, cluster, missing_source) = self
            .db(move |store| {
                let template = store.job_template(&template_id)?;
                let cluster = store.cluster(&cluster_id)?;
                let mut missing = None;
                for id in sources {
                    if store.data_source(&id)?.is_none() {
                        missing = Some(id);
                        break;
                    }
                }
                Ok((template, cluster, missing))
            })
            .await?;
        let template = template.ok_or_else(|| ManagerError::not_found("job template", &new.job_template_id))?;
        let cluster = cluster.ok_or_else(|| ManagerError::not_found("cluster", &new.cluster_id))?;
        if let Some(source) = missing_source {
            return Err(ManagerError::not_found("data source", &source));
        }
        if cluster.status != "Active" {
            return Err(ManagerError::ClusterNotActive { id: cluster.id, status: cluster.status });
        }
        let job_type: JobType = template
            .job_type
            .parse()
            .map_err(|err: edp_plugin_api::UnknownJobType| ManagerError::Invalid(err.to_string()))?;
        if new.input_id.is_some() && new.input_id == new.output_id {
            return Err(ManagerError::Invalid("the input and output data sources must differ".into()));
        }
        let query = RouteQuery { cluster_type: &cluster.cluster_type, version: Some(&cluster.version), job_type };
        let route = self.inner.routes.resolve(&query).map_err(ManagerError::NoEngine)?;
        let engine = self.engine(&route.engine)?;
        if !engine.description().job_types.iter().any(|supported| supported.covers(job_type)) {
            return Err(ManagerError::UnsupportedJobType { engine: route.engine.clone(), job_type });
        }
        let scheduled = launch::is_scheduled(&new.job_configs);
        if scheduled && !engine.description().capabilities.contains(edp_plugin_api::Capabilities::SCHEDULED) {
            return Err(ManagerError::Invalid(format!("engine `{}` does not run scheduled jobs", route.engine)));
        }
        let now = now_millis();
        let row = JobExecutionRow {
            id: uuid::Uuid::new_v4().to_string(),
            project: new.project,
            job_template_id: template.id,
            cluster_id: cluster.id,
            input_id: new.input_id,
            output_id: new.output_id,
            engine: route.engine.clone(),
            engine_job_id: None,
            status: JobStatus::PENDING,
            engine_info: Map::new(),
            start_time: None,
            end_time: None,
            job_configs: new.job_configs,
            extra: Map::new(),
            data_source_urls: Map::new(),
            // Its launch starts as soon as it is stored.
            launch_attempts: 1,
            is_public: new.is_public,
            is_protected: new.is_protected,
            created_at: now,
            updated_at: now,
        };
        lock(&self.inner.job_types).insert(row.job_template_id.clone(), job_type.as_str().to_owned());
        engine
            .validate_job_execution(view::engine_view(&row, job_type.as_str()))
            .await
            .map_err(|err| ManagerError::Invalid(err.to_string()))?;
        // One trip, one commit: the insert, then the data sources the launch needs.
        let insert = row.clone();
        let prepared = self
            .db(move |store| {
                store.insert_job_execution(&insert)?;
                Ok(substitution::prepare(store, &insert))
            })
            .await?;
        self.publish(&row.id, row.status);
        self.spawn_launch_of((row.clone(), prepared));
        Ok(row)
    }

    /// Picks up what a previous run left in flight: PENDING executions are launched (engines
    /// dedupe by job execution id, so nothing launches twice), TOBEKILLED ones are cancelled,
    /// the rest are refreshed. Returns how many executions were picked up.
    pub async fn recover(&self) -> Result<usize, ManagerError> {
        let filter = crate::store::ExecutionFilter { active_only: true, ..Default::default() };
        let rows = self.db(move |store| store.job_executions(&filter)).await?;
        for row in &rows {
            match row.status {
                JobStatus::PENDING if row.engine_job_id.is_none() => self.spawn_launch(row.id.clone()),
                JobStatus::TOBEKILLED => self.spawn_cancel_loop(row.id.clone()),
                _ => self.spawn_refresh(row.id.clone()),
            }
        }
        tracing::info!(count = rows.len(), "recovered job executions left in flight");
        Ok(rows.len())
    }

    /// The loaded engine `name`.
    fn engine(&self, name: &str) -> Result<EngineHandle, ManagerError> {
        match self.inner.engines.slot(name) {
            Some(slot) => match slot.handle() {
                Some(handle) => Ok(handle.clone()),
                None => {
                    let reason = match &slot.state {
                        crate::plugins::EngineState::Failed(error) => error.to_string(),
                        crate::plugins::EngineState::Loaded(_) => "not loaded".to_owned(),
                    };
                    Err(ManagerError::EngineUnavailable { engine: name.to_owned(), reason })
                }
            },
            None => Err(ManagerError::EngineUnavailable {
                engine: name.to_owned(),
                reason: "no such engine is configured any more".into(),
            }),
        }
    }

    /// Runs `operation` on the store on a blocking thread.
    async fn db<T: Send + 'static>(
        &self,
        operation: impl FnOnce(&dyn Store) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, ManagerError> {
        let store = Arc::clone(&self.inner.store);
        tokio::task::spawn_blocking(move || operation(store.as_ref()))
            .await
            .map_err(|err| ManagerError::Internal(format!("store task failed: {err}")))?
            .map_err(ManagerError::Store)
    }

    fn publish(&self, id: &str, status: JobStatus) {
        let _ = self.inner.events.send(StatusEvent { id: id.to_owned(), status });
    }

    /// The job type of an execution's template (cached: a template's type never changes).
    async fn job_type(&self, row: &JobExecutionRow) -> Result<String, ManagerError> {
        if let Some(job_type) = lock(&self.inner.job_types).get(&row.job_template_id) {
            return Ok(job_type.clone());
        }
        let template_id = row.job_template_id.clone();
        let template = self
            .db(move |store| store.job_template(&template_id))
            .await?
            .ok_or_else(|| ManagerError::not_found("job template", &row.job_template_id))?;
        lock(&self.inner.job_types).insert(template.id, template.job_type.clone());
        Ok(template.job_type)
    }
}
