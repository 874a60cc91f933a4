//! Scenario `sigkill`: clients launch jobs for the whole run while the server is SIGKILLed at
//! random moments and restarted on the same data directory; requests that fail in an outage
//! are retried by the client loop, and only 202s count as acknowledged. Jobs end by
//! themselves (SUCCEEDED); a watcher remembers terminal statuses throughout. Afterwards:
//! nothing acknowledged lost, nothing launched twice, no terminal status changed.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use hyper::Method;
use serde_json::{Map, json};

use crate::closed_loop::{self, Stop};
use crate::cpu::CpuMeter;
use crate::invariants::RowRule;
use crate::options::Options;
use crate::phase::PhaseFigures;
use crate::report::Report;
use crate::run_setup::{self, END_TIMEOUT, Expectations};
use crate::server_files::ServerFiles;
use crate::terminal_wait;
use crate::watcher::Watcher;
use crate::workload::Launches;

/// Mock jobs SUCCEED this long after their launch.
const RUN_MS: u64 = 200;

/// The poller notices that quickly.
const POLL_INTERVAL_SECS: f64 = 0.3;

/// How long a restarted server may take to acknowledge its first launch.
const ACKNOWLEDGE_TIMEOUT: Duration = Duration::from_secs(60);

/// Waits until `launches` acknowledged more than `since` jobs.
async fn acknowledged_after(launches: &Launches, since: u64) -> anyhow::Result<()> {
    let deadline = Instant::now() + ACKNOWLEDGE_TIMEOUT;
    while launches.acknowledged() <= since {
        if Instant::now() >= deadline {
            bail!("no launch was acknowledged within {}s of a (re)start", ACKNOWLEDGE_TIMEOUT.as_secs());
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    Ok(())
}

/// Runs the scenario with its files in `work_dir`.
pub(crate) async fn run(
    options: &Options,
    server_files: &ServerFiles,
    work_dir: &std::path::Path,
) -> anyhow::Result<Report> {
    let duration = options.phase_duration()?;
    let seed = options.seed.unwrap_or_else(|| fastrand::u64(..));
    let mut rng = fastrand::Rng::with_seed(seed);
    let started = run_setup::start(work_dir, server_files, RUN_MS, POLL_INTERVAL_SECS).await?;
    let (mut server, fixtures, files) = (started.server, started.fixtures, started.files);
    let target = server.target().clone();
    let watcher = Watcher::spawn(target.clone());

    let launches = Arc::new(Launches::new(target.json(Method::POST, "/v2/jobs", fixtures.launch_body())?));
    let stop = Arc::new(AtomicBool::new(false));
    let load = {
        let (target, launches, stop) = (target.clone(), Arc::clone(&launches), Stop::when_set(Arc::clone(&stop)));
        let connections = options.connections;
        tokio::spawn(async move { closed_loop::run(&target, connections, launches, stop).await })
    };
    let began = Instant::now();
    let meter = CpuMeter::start(server.pid());
    // Kills spread over the run: each after a random pause around duration / (kills + 1), and
    // only once the (re)started server acknowledged a launch, so every kill lands under load.
    let gap = duration / (options.kills + 1);
    let mut outages = Vec::new();
    let mut since = 0;
    for _ in 0..options.kills {
        acknowledged_after(&launches, since).await?;
        tokio::time::sleep(gap.mul_f64(0.5 + rng.f64())).await;
        let at = began.elapsed();
        let outage = server.kill_and_restart().await.context("restarting the server after SIGKILL")?;
        since = launches.acknowledged();
        outages.push((at, outage));
    }
    acknowledged_after(&launches, since).await?;
    tokio::time::sleep((began + duration).saturating_duration_since(Instant::now())).await;
    stop.store(true, Ordering::Relaxed);
    let outcome = load.await.context("the load task failed")??;
    let acknowledged: Vec<String> = outcome.seen.iter().flatten().cloned().collect();
    let mut figures = PhaseFigures::closed("launch under SIGKILL `POST /v2/jobs`", &outcome);
    figures.peak_resident_kib = server.peak_resident_kib();
    figures.cpu = meter.share(server.pid());

    let ended = terminal_wait::wait(&target, options.connections, &acknowledged, END_TIMEOUT)
        .await
        .context("waiting for the jobs to end")?;
    let watched = watcher.finish().await?;
    let mut notes = vec![format!("seed {seed} (repeat with --seed {seed})")];
    for (index, (at, outage)) in outages.iter().enumerate() {
        notes.push(format!(
            "SIGKILL {} at {:.2}s: {:.0} ms until /healthz answered again",
            index + 1,
            at.as_secs_f64(),
            outage.as_secs_f64() * 1000.0
        ));
    }
    notes.push(format!(
        "the acknowledged jobs had all ended {:.2}s after the load ({} round(s) of reads)",
        ended.waited.as_secs_f64(),
        ended.rounds
    ));
    let expectations = Expectations {
        acknowledged: &acknowledged,
        states: &ended.states,
        expected: &["SUCCEEDED", "FAILED", "KILLED"],
        rows: RowRule::AtLeast,
        watched: Some(&watched),
    };
    let invariants = run_setup::conclude(server, &files, expectations).await?;
    let mut extra = Map::new();
    extra.insert("seed".into(), json!(seed));
    extra.insert(
        "kills".into(),
        json!(
            outages
                .iter()
                .map(|(at, outage)| json!({"at_s": at.as_secs_f64(), "outage_ms": outage.as_secs_f64() * 1000.0}))
                .collect::<Vec<_>>()
        ),
    );
    let mut settings = options.report_settings();
    settings.push(("kills", json!(options.kills)));
    Ok(Report { scenario: options.scenario.name(), settings, phases: vec![figures], notes, extra, invariants })
}
