//! Command-line options of `edp-load`.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context as _, ensure};
use clap::{Parser, ValueEnum};

/// Which run to make.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Scenario {
    /// Throughput and latency of launches, reads, listings and cancels, closed loop and at a
    /// fixed rate, then the invariants.
    Load,
    /// Launches under load while the server is SIGKILLed and restarted, then the invariants.
    Sigkill,
}

impl Scenario {
    /// The scenario's name in reports.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Scenario::Load => "load",
            Scenario::Sigkill => "sigkill",
        }
    }
}

/// Load harness of the edp REST API: starts a real `edp-host serve` on the mock engine, drives
/// it, reports throughput, latency percentiles and peak memory, and checks that no
/// acknowledged job was lost or launched twice.
#[derive(Debug, Parser)]
#[command(name = "edp-load", version)]
pub(crate) struct Options {
    /// `load` (every request kind, closed loop and fixed rate) or `sigkill` (launches while the
    /// server is killed and restarted).
    #[arg(long, value_enum, default_value_t = Scenario::Load)]
    pub(crate) scenario: Scenario,

    /// Seconds per phase (for `sigkill`: of launching, at least).
    #[arg(long, default_value_t = 10.0)]
    pub(crate) seconds: f64,

    /// Keep-alive connections of the closed-loop phases.
    #[arg(long, default_value_t = 16)]
    pub(crate) connections: usize,

    /// Requests per second of the fixed-rate phases.
    #[arg(long, default_value_t = 1000)]
    pub(crate) rate: u64,

    /// Connections the fixed-rate phases spread their sends over.
    #[arg(long, default_value_t = 64)]
    pub(crate) rate_connections: usize,

    /// SIGKILLs during the `sigkill` scenario.
    #[arg(long, default_value_t = 3)]
    pub(crate) kills: u32,

    /// Seed of the kill moments (random when not given; the report shows it).
    #[arg(long)]
    pub(crate) seed: Option<u64>,

    /// Worker threads of the client's runtime.
    #[arg(long, default_value_t = 1)]
    pub(crate) client_threads: usize,

    /// The `edp-host` binary [default: <workspace>/target/release/edp-host].
    #[arg(long)]
    pub(crate) host_binary: Option<PathBuf>,

    /// The directory holding libedp_engine_mock.so [default: <workspace>/target/release].
    #[arg(long)]
    pub(crate) plugin_dir: Option<PathBuf>,

    /// Also write the figures as JSON to this file.
    #[arg(long)]
    pub(crate) json: Option<PathBuf>,

    /// Keep the work directory (config, server log, store, launch log) even on success.
    #[arg(long)]
    pub(crate) keep: bool,
}

impl Options {
    /// The length of a phase.
    pub(crate) fn phase_duration(&self) -> anyhow::Result<Duration> {
        ensure!(self.seconds > 0.0, "--seconds must be positive");
        Duration::try_from_secs_f64(self.seconds).context("--seconds must be a number of seconds")
    }

    /// Checks the options that have to be positive.
    pub(crate) fn validate(&self) -> anyhow::Result<()> {
        self.phase_duration()?;
        ensure!(self.connections > 0, "--connections must be at least 1");
        ensure!(self.rate > 0, "--rate must be at least 1");
        ensure!(self.rate_connections > 0, "--rate-connections must be at least 1");
        ensure!(self.client_threads > 0, "--client-threads must be at least 1");
        Ok(())
    }

    /// The options that shape a run, as (name, value), for the report.
    pub(crate) fn report_settings(&self) -> Vec<(&'static str, serde_json::Value)> {
        vec![
            ("seconds", serde_json::json!(self.seconds)),
            ("connections", serde_json::json!(self.connections)),
            ("rate", serde_json::json!(self.rate)),
            ("rate_connections", serde_json::json!(self.rate_connections)),
            ("client_threads", serde_json::json!(self.client_threads)),
        ]
    }
}
