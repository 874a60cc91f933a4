//! Watching terminal statuses during a run: sweeps of `GET /v2/jobs?limit=..&status=S` over
//! each terminal status S, remembering the first terminal status seen of each job. A job seen
//! later with another status, or missing from a complete sweep of the status it had, changed
//! a terminal status: that must never happen.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use serde::Deserialize;
use tokio::task::JoinHandle;

use crate::api::ApiClient;
use crate::http::Target;

/// The terminal statuses swept (the ones the mock engine can reach).
const SWEPT: [&str; 3] = ["SUCCEEDED", "FAILED", "KILLED"];

/// Jobs per page.
const PAGE: usize = 1000;

/// The shortest pause between sweeps; a slow sweep waits twice its own duration, so the
/// watcher keeps well under half of the server's time.
const MIN_PAUSE: Duration = Duration::from_millis(200);

/// How long the last sweep may keep failing.
const LAST_SWEEP_TIMEOUT: Duration = Duration::from_secs(30);

/// What the watcher saw.
#[derive(Debug, Default)]
pub(crate) struct Watched {
    /// Sweeps started.
    pub(crate) sweeps: u64,
    /// Sweeps that read every page.
    pub(crate) complete_sweeps: u64,
    /// Jobs seen in a terminal status.
    pub(crate) terminal_jobs: usize,
    /// Each change of a terminal status: `id: FIRST -> LATER`.
    pub(crate) changes: Vec<String>,
}

/// A running watcher.
pub(crate) struct Watcher {
    stop: Arc<AtomicBool>,
    task: JoinHandle<Watched>,
}

impl Watcher {
    /// Starts watching the server at `target`.
    pub(crate) fn spawn(target: Target) -> Watcher {
        let stop = Arc::new(AtomicBool::new(false));
        let task = tokio::spawn(watch(ApiClient::new(target), Arc::clone(&stop)));
        Watcher { stop, task }
    }

    /// Stops after one last complete sweep and returns what was seen.
    pub(crate) async fn finish(self) -> anyhow::Result<Watched> {
        self.stop.store(true, Ordering::Relaxed);
        self.task.await.context("the watcher failed")
    }
}

#[derive(Deserialize)]
struct Page {
    jobs: Vec<Job>,
    #[serde(default)]
    markers: Option<Markers>,
}

#[derive(Deserialize)]
struct Job {
    id: String,
    info: Info,
}

#[derive(Deserialize)]
struct Info {
    status: String,
}

#[derive(Deserialize)]
struct Markers {
    next: Option<String>,
}

/// First terminal status of each job, and the changes found.
#[derive(Default)]
struct Memory {
    first: HashMap<String, String>,
    changed: HashSet<String>,
    changes: Vec<String>,
}

impl Memory {
    fn saw(&mut self, id: &str, status: &str) {
        match self.first.get(id) {
            None => {
                self.first.insert(id.to_owned(), status.to_owned());
            }
            Some(first) if first != status => self.change(id, &format!("{first} -> {status}")),
            Some(_) => {}
        }
    }

    fn change(&mut self, id: &str, what: &str) {
        if self.changed.insert(format!("{id} {what}")) {
            self.changes.push(format!("{id}: {what}"));
        }
    }
}

async fn watch(mut api: ApiClient, stop: Arc<AtomicBool>) -> Watched {
    let mut memory = Memory::default();
    let mut watched = Watched::default();
    loop {
        let last = stop.load(Ordering::Relaxed);
        let started = Instant::now();
        let mut complete = sweep(&mut api, &mut memory, &mut watched).await;
        if last {
            // The final sweep must complete, so that the last word is a whole picture.
            let deadline = Instant::now() + LAST_SWEEP_TIMEOUT;
            while !complete && Instant::now() < deadline {
                tokio::time::sleep(MIN_PAUSE).await;
                complete = sweep(&mut api, &mut memory, &mut watched).await;
            }
            break;
        }
        let pause = (started.elapsed() * 2).max(MIN_PAUSE);
        let until = Instant::now() + pause;
        while Instant::now() < until && !stop.load(Ordering::Relaxed) {
            tokio::time::sleep(MIN_PAUSE.min(until.saturating_duration_since(Instant::now()))).await;
        }
    }
    watched.terminal_jobs = memory.first.len();
    watched.changes = memory.changes;
    watched
}

/// One sweep over every swept status; whether it read every page.
async fn sweep(api: &mut ApiClient, memory: &mut Memory, watched: &mut Watched) -> bool {
    watched.sweeps += 1;
    let mut complete = true;
    for status in SWEPT {
        match sweep_status(api, memory, status).await {
            Ok(seen) => {
                let vanished: Vec<String> = memory
                    .first
                    .iter()
                    .filter(|(id, first)| first.as_str() == status && !seen.contains(id.as_str()))
                    .map(|(id, _)| id.clone())
                    .collect();
                for id in vanished {
                    memory.change(&id, &format!("{status} -> no longer {status}"));
                }
            }
            Err(_) => complete = false,
        }
    }
    watched.complete_sweeps += u64::from(complete);
    complete
}

/// Reads every page of jobs in `status`; returns the ids seen.
async fn sweep_status(api: &mut ApiClient, memory: &mut Memory, status: &str) -> anyhow::Result<HashSet<String>> {
    let mut seen = HashSet::new();
    let mut marker: Option<String> = None;
    loop {
        let path = match &marker {
            None => format!("/v2/jobs?limit={PAGE}&status={status}"),
            Some(marker) => format!("/v2/jobs?limit={PAGE}&status={status}&marker={marker}"),
        };
        let request = api.target().get(&path)?;
        let reply = api.send(&request).await?;
        anyhow::ensure!(reply.status.is_success(), "{path} answered {}", reply.status);
        let page: Page = serde_json::from_slice(&reply.body)?;
        for job in &page.jobs {
            memory.saw(&job.id, &job.info.status);
            seen.insert(job.id.clone());
        }
        match page.markers.and_then(|markers| markers.next) {
            Some(next) if !page.jobs.is_empty() => marker = Some(next),
            _ => return Ok(seen),
        }
    }
}
