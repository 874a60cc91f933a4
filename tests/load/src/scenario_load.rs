//! Scenario `load`: each request kind in turn (launch, read, list, list with a filter) closed
//! loop, then launches and reads at a fixed rate, then every acknowledged job cancelled; the
//! server's peak memory after each phase; the invariants at the end (every job KILLED).

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context as _, ensure};
use hyper::Method;
use serde_json::json;

use crate::closed_loop::{self, Stop};
use crate::cpu::CpuMeter;
use crate::http::{RequestTemplate, Target};
use crate::invariants::RowRule;
use crate::options::Options;
use crate::phase::PhaseFigures;
use crate::report::Report;
use crate::run_setup::{self, END_TIMEOUT, Expectations};
use crate::server::Server;
use crate::server_files::ServerFiles;
use crate::workload::{Cycle, EachOnce, Launches};
use crate::{launch_log, open_loop, terminal_wait};

/// Mock jobs run for an hour: they end only when cancelled.
const RUN_MS: u64 = 3_600_000;

/// No polling during the run: the figures are the API's alone.
const POLL_INTERVAL_SECS: f64 = 3600.0;

/// How long launches may take to reach the engine after their 202.
const LAUNCHED_TIMEOUT: Duration = Duration::from_secs(120);

/// The cancel phase's deadline.
const CANCEL_TIMEOUT: Duration = Duration::from_secs(600);

/// `figures` with the server's peak memory and the CPU used since `meter` started.
fn measured(mut figures: PhaseFigures, server: &Server, meter: &CpuMeter) -> PhaseFigures {
    figures.cpu = meter.share(server.pid());
    figures.peak_resident_kib = server.peak_resident_kib();
    figures
}

fn job_reads(target: &Target, ids: &[String]) -> anyhow::Result<Vec<RequestTemplate>> {
    ids.iter().map(|id| target.get(&format!("/v2/jobs/{id}"))).collect()
}

/// Runs the scenario with its files in `work_dir`.
pub(crate) async fn run(
    options: &Options,
    server_files: &ServerFiles,
    work_dir: &std::path::Path,
) -> anyhow::Result<Report> {
    let duration = options.phase_duration()?;
    let (connections, rate) = (options.connections, options.rate);
    let started = run_setup::start(work_dir, server_files, RUN_MS, POLL_INTERVAL_SECS).await?;
    let (server, fixtures, files) = (started.server, started.fixtures, started.files);
    let target = server.target().clone();
    let launch = target.json(Method::POST, "/v2/jobs", fixtures.launch_body())?;
    let mut phases = Vec::new();
    let mut notes = Vec::new();
    let mut acknowledged: Vec<String> = Vec::new();

    let launches = Arc::new(Launches::new(launch.clone()));
    let meter = CpuMeter::start(server.pid());
    let outcome = closed_loop::run(&target, connections, launches, Stop::after(duration)).await?;
    phases.push(measured(PhaseFigures::closed("launch `POST /v2/jobs`", &outcome), &server, &meter));
    acknowledged.extend(outcome.seen.into_iter().flatten());
    ensure!(!acknowledged.is_empty(), "no launch was acknowledged; see {}", server.log().display());

    let reads = Arc::new(Cycle::new(job_reads(&target, &acknowledged)?));
    let meter = CpuMeter::start(server.pid());
    let outcome = closed_loop::run(&target, connections, reads, Stop::after(duration)).await?;
    phases.push(measured(PhaseFigures::closed("read `GET /v2/jobs/{id}`", &outcome), &server, &meter));

    for (name, path) in [
        ("list `GET /v2/jobs?limit=20`", "/v2/jobs?limit=20"),
        ("list `GET /v2/jobs?limit=20&status=RUNNING`", "/v2/jobs?limit=20&status=RUNNING"),
    ] {
        let lists = Arc::new(Cycle::new(vec![target.get(path)?]));
        let meter = CpuMeter::start(server.pid());
        let outcome = closed_loop::run(&target, connections, lists, Stop::after(duration)).await?;
        phases.push(measured(PhaseFigures::closed(name, &outcome), &server, &meter));
    }
    notes.push(format!("the listings ran over {} jobs", acknowledged.len()));

    let launches = Arc::new(Launches::new(launch));
    let meter = CpuMeter::start(server.pid());
    let outcome = open_loop::run(&target, options.rate_connections, launches, rate, duration).await?;
    acknowledged.extend(outcome.seen.iter().flatten().cloned());
    let name = format!("launch at {rate}/s `POST /v2/jobs`");
    phases.push(measured(PhaseFigures::paced(&name, rate, &outcome), &server, &meter));

    let reads = Arc::new(Cycle::new(job_reads(&target, &acknowledged)?));
    let meter = CpuMeter::start(server.pid());
    let outcome = open_loop::run(&target, options.rate_connections, reads, rate, duration).await?;
    let name = format!("read at {rate}/s `GET /v2/jobs/{{id}}`");
    phases.push(measured(PhaseFigures::paced(&name, rate, &outcome), &server, &meter));

    // A launch runs after its 202: wait until each reached the engine, so that no cancel
    // finds a job still PENDING (which would end KILLED without a launch, legitimately).
    match launch_log::wait_for_all(&files.launch_log, &acknowledged, LAUNCHED_TIMEOUT).await {
        Ok(waited) => notes.push(format!(
            "every acknowledged job had reached the engine {:.2}s after the last phase",
            waited.as_secs_f64()
        )),
        Err(error) => notes.push(format!("{error:#}")),
    }

    let body = json!({"info": {"status": "cancel"}}).to_string();
    let cancels = acknowledged
        .iter()
        .map(|id| target.json(Method::PATCH, &format!("/v2/jobs/{id}"), body.clone()))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let meter = CpuMeter::start(server.pid());
    let outcome =
        closed_loop::run(&target, connections, Arc::new(EachOnce::new(cancels)), Stop::after(CANCEL_TIMEOUT)).await?;
    phases.push(measured(PhaseFigures::closed("cancel `PATCH /v2/jobs/{id}`", &outcome), &server, &meter));

    let ended = terminal_wait::wait(&target, connections, &acknowledged, END_TIMEOUT)
        .await
        .context("waiting for the jobs to end")?;
    notes.push(format!(
        "after the cancels, the jobs' statuses were read in {} round(s) over {:.2}s",
        ended.rounds,
        ended.waited.as_secs_f64()
    ));
    let expectations = Expectations {
        acknowledged: &acknowledged,
        states: &ended.states,
        expected: &["KILLED"],
        rows: RowRule::Exactly,
        watched: None,
    };
    let invariants = run_setup::conclude(server, &files, expectations).await?;
    Ok(Report {
        scenario: options.scenario.name(),
        settings: options.report_settings(),
        phases,
        notes,
        extra: serde_json::Map::new(),
        invariants,
    })
}
