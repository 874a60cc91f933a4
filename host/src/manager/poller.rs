//! The poller: a periodic pass over every active execution, and the listener for engines'
//! "status changed" notifications. Both go through `refresh_row`.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, watch};
use tokio::task::{JoinHandle, JoinSet};

use crate::manager::refresh::Refreshed;
use crate::manager::{JobManager, ManagerError};
use crate::store::ExecutionFilter;

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

impl JobManager {
    /// Refreshes every active execution once, at most `poll_concurrency` at a time. Each
    /// refresh runs on a task of its own, with the engine call under its timeout: one
    /// execution's error, panic or hang never delays or breaks another beyond its own slot.
    pub async fn poll_pass(&self) -> Result<PollStats, ManagerError> {
        let started = Instant::now();
        let filter = ExecutionFilter { active_only: true, ..ExecutionFilter::default() };
        let rows = self.db(move |store| store.job_executions(&filter)).await?;
        let clusters: HashSet<String> =
            self.db(|store| store.clusters(None)).await?.into_iter().map(|cluster| cluster.id).collect();
        let mut stats = PollStats { active: rows.len(), ..PollStats::default() };
        let concurrency = self.inner.settings.poll_concurrency.max(1);
        let mut running = JoinSet::new();
        let mut tally = |result: Result<Refreshed, tokio::task::JoinError>| match result {
            Ok(Refreshed::Skipped) => {}
            Ok(Refreshed::Unchanged) => stats.asked += 1,
            Ok(Refreshed::Changed) => {
                stats.asked += 1;
                stats.changed += 1;
            }
            Ok(Refreshed::Failed) | Err(_) => {
                stats.asked += 1;
                stats.failed += 1;
            }
        };
        for row in rows {
            while running.len() >= concurrency {
                if let Some(result) = running.join_next().await {
                    tally(result);
                }
            }
            let cluster_exists = clusters.contains(&row.cluster_id);
            let manager = self.clone();
            running.spawn(async move { manager.refresh_row(row, cluster_exists).await });
        }
        while let Some(result) = running.join_next().await {
            tally(result);
        }
        stats.elapsed = started.elapsed();
        crate::metrics::metrics().poll_pass(stats.elapsed);
        Ok(stats)
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
                manager.spawn_refresh(id);
            }
        })
    }
}
