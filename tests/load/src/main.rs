//! `edp-load`: the load harness of the edp REST API. It starts a real `edp-host serve` on the
//! mock engine, drives it with a lean hyper client (closed loop and fixed rate), reports
//! throughput, HDR latency percentiles and the server's peak memory, and checks at the end
//! that no acknowledged job was lost or launched twice and that the store is intact.

mod api;
mod closed_loop;
mod cpu;
mod http;
mod invariants;
mod job_json;
mod launch_log;
mod memory;
mod open_loop;
mod options;
mod phase;
mod port;
mod report;
mod run_setup;
mod scenario_load;
mod scenario_sigkill;
mod server;
mod server_config;
mod server_files;
mod setup;
mod store_check;
mod tally;
mod terminal_wait;
mod watcher;
mod workload;

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Parser as _;

use crate::options::{Options, Scenario};
use crate::report::Report;
use crate::server_files::ServerFiles;

fn main() -> ExitCode {
    let options = Options::parse();
    match run(&options) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => {
            eprintln!("edp-load: invariants FAILED (see the report above)");
            ExitCode::FAILURE
        }
        Err(error) => {
            eprintln!("edp-load: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// Runs the scenario; returns whether every invariant held.
fn run(options: &Options) -> anyhow::Result<bool> {
    options.validate()?;
    let server_files = server_files::locate(options)?;
    let work_dir = tempfile::Builder::new().prefix("edp-load-").tempdir().context("cannot create a work directory")?;
    let result = runtime(options.client_threads)?.block_on(scenario(options, &server_files, work_dir.path()));
    let passed = matches!(&result, Ok(report) if report.passed());
    if passed && !options.keep {
        drop(work_dir);
    } else {
        let kept = work_dir.keep();
        eprintln!(
            "edp-load: work directory kept: {} (server log: {})",
            kept.display(),
            kept.join("server.log").display()
        );
    }
    let report = result?;
    print!("{}", report.markdown());
    if let Some(path) = &options.json {
        let text = serde_json::to_string_pretty(&report.json())?;
        std::fs::write(path, text + "\n").with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(report.passed())
}

async fn scenario(options: &Options, server_files: &ServerFiles, work_dir: &Path) -> anyhow::Result<Report> {
    match options.scenario {
        Scenario::Load => scenario_load::run(options, server_files, work_dir).await,
        Scenario::Sigkill => scenario_sigkill::run(options, server_files, work_dir).await,
    }
}

/// The client's runtime: one thread runs everything on the calling thread; more use workers.
fn runtime(threads: usize) -> anyhow::Result<tokio::runtime::Runtime> {
    let mut builder = if threads == 1 {
        tokio::runtime::Builder::new_current_thread()
    } else {
        let mut builder = tokio::runtime::Builder::new_multi_thread();
        builder.worker_threads(threads);
        builder
    };
    Ok(builder.enable_all().build()?)
}
