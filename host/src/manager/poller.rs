//! The poller: a periodic pass over every active execution, and the listener for engines'
//! "status changed" notifications. Both go through `refresh_row`.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, watch};
use tokio::task::{JoinHandle, JoinSet};

use crate::engine::EngineHandle;
use crate::manager::refresh::{Refreshed, Triage};
use crate::manager::view::engine_view;
use crate::manager::{JobManager, ManagerError};
use crate::store::{ExecutionFilter, JobExecutionRow};

/// The most executions asked of an engine on one thread in a poll pass.
const MAX_BATCH: usize = 256;
/// Active executions read from the store at a time in a poll pass.
const POLL_PAGE: usize = 4096;

fn tally(stats: &mut PollStats, result: Result<Vec<Refreshed>, tokio::task::JoinError>) {
    match result {
        Ok(refreshed) => refreshed.into_iter().for_each(|refreshed| stats.count(refreshed)),
        Err(_) => stats.count(Refreshed::Failed),
    }
}

/// What one poll pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PollStats {
    /// Active executions read.
    pub active: usize,
    /// Executions whose engine was asked.
    pub asked: usize,
    /// Executions with a new status or info.
    pub changed: usize,
    /// Engine calls that failed (timeouts, errors, panics, garbage).
    pub failed: usize,
    /// How long the pass took.
    pub elapsed: Duration,
}

impl PollStats {
    fn count(&mut self, refreshed: Refreshed) {
        match refreshed {
            Refreshed::Skipped => {}
            Refreshed::Unchanged => self.asked += 1,
            Refreshed::Changed => {
                self.asked += 1;
                self.changed += 1;
            }
            Refreshed::Failed => {
                self.asked += 1;
                self.failed += 1;
            }
        }
    }
}

impl JobManager {
    /// Refreshes every active execution once. The executions to ask are grouped by engine
    /// into batches, each asked on one blocking thread (see
    /// [`EngineHandle::get_job_statuses`]), at most `poll_concurrency` batches at a time; every
    /// engine call runs under its timeout, so one execution's error, panic or hang never breaks
    /// another, and delays the rest of its batch by one timeout at most.
    pub async fn poll_pass(&self) -> Result<PollStats, ManagerError> {
        let started = Instant::now();
        let clusters: HashSet<String> =
            self.db(|store| store.clusters(None)).await?.into_iter().map(|cluster| cluster.id).collect();
        let mut stats = PollStats::default();
        let concurrency = self.inner.settings.poll_concurrency.max(1);
        let mut running = JoinSet::new();
        // The active executions are read a page at a time, so engine calls for one page run
        // while the next is read.
        let mut after_position = None;
        loop {
            let filter = ExecutionFilter {
                active_only: true,
                limit: Some(POLL_PAGE),
                after_position: after_position.take(),
                ..ExecutionFilter::default()
            };
            let rows = self.db(move |store| store.job_executions(&filter)).await?;
            let Some(last) = rows.last() else { break };
            let full_page = rows.len() == POLL_PAGE;
            after_position = Some((last.created_at, last.id.clone()));
            stats.active += rows.len();
            let mut by_engine: HashMap<String, Vec<JobExecutionRow>> = HashMap::new();
            for row in rows {
                match Triage::of(&row, clusters.contains(&row.cluster_id)) {
                    Triage::Skip => {}
                    Triage::ClusterGone => {
                        let manager = self.clone();
                        running.spawn(async move { vec![manager.refresh_row(row, false).await] });
                    }
                    Triage::Ask => by_engine.entry(row.engine.clone()).or_default().push(row),
                }
            }
            for (name, rows) in by_engine {
                let engine = match self.engine(&name) {
                    Ok(engine) => engine,
                    Err(error) => {
                        tracing::debug!(engine = %name, %error, count = rows.len(), "cannot poll executions");
                        stats.asked += rows.len();
                        stats.failed += rows.len();
                        continue;
                    }
                };
                // Enough batches to keep `concurrency` threads busy, none larger than MAX_BATCH.
                let size = rows.len().div_ceil(concurrency).clamp(1, MAX_BATCH);
                let mut rows = rows.into_iter().peekable();
                while rows.peek().is_some() {
                    let batch: Vec<JobExecutionRow> = rows.by_ref().take(size).collect();
                    while running.len() >= concurrency {
                        if let Some(result) = running.join_next().await {
                            tally(&mut stats, result);
                        }
                    }
                    let (manager, engine) = (self.clone(), engine.clone());
                    running.spawn(async move { manager.refresh_batch(&engine, batch).await });
                }
            }
            if !full_page {
                break;
            }
        }
        while let Some(result) = running.join_next().await {
            tally(&mut stats, result);
        }
        stats.elapsed = started.elapsed();
        crate::metrics::metrics().poll_pass(stats.elapsed);
        Ok(stats)
    }

    /// Asks `engine` about `rows` in one batch and writes what is news.
    async fn refresh_batch(&self, engine: &EngineHandle, rows: Vec<JobExecutionRow>) -> Vec<Refreshed> {
        let mut views = Vec::with_capacity(rows.len());
        let mut asked = Vec::with_capacity(rows.len());
        let mut refreshed = Vec::with_capacity(rows.len());
        for row in rows {
            match self.job_type(&row).await {
                Ok(job_type) => {
                    views.push(engine_view(&row, &job_type));
                    asked.push(row);
                }
                Err(error) => refreshed.push(self.apply_answer(&row, Err(error)).await),
            }
        }
        let answers = engine.get_job_statuses(views).await;
        for (row, answer) in asked.iter().zip(answers) {
            refreshed.push(self.apply_answer(row, answer.map_err(ManagerError::from)).await);
        }
        refreshed
    }

    /// Runs a poll pass every `poll_interval` (with ±10% jitter, so several hosts do not poll
    /// in step) until `shutdown` turns true.
    pub fn spawn_poller(&self, mut shutdown: watch::Receiver<bool>) -> JoinHandle<()> {
        let manager = self.clone();
        tokio::spawn(async move {
            loop {
                let interval = manager.inner.settings.poll_interval.mul_f64(0.9 + fastrand::f64() * 0.2);
                tokio::select! {
                    _ = tokio::time::sleep(interval) => {}
                    _ = shutdown.changed() => return,
                }
                match manager.poll_pass().await {
                    Ok(stats) => tracing::debug!(?stats, "poll pass"),
                    Err(error) => tracing::warn!(%error, "poll pass failed"),
                }
            }
        })
    }

    /// Refreshes an execution as soon as its engine says its status changed.
    pub fn spawn_notification_listener(&self, mut notifications: mpsc::UnboundedReceiver<String>) -> JoinHandle<()> {
        let manager = self.clone();
        tokio::spawn(async move {
            while let Some(id) = notifications.recv().await {
                manager.status_changed(id);
            }
        })
    }
}
