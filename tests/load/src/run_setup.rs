//! What both scenarios share: the work directory's files, the server started on them with
//! the launch fixtures created, and the conclusion (SIGTERM, launch log, store, checks).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context as _;

use crate::api::ApiClient;
use crate::invariants::{self, Evidence, Invariants, RowRule};
use crate::server::{Server, ServerSpec};
use crate::server_config::ServerConfig;
use crate::server_files::ServerFiles;
use crate::setup::{self, Fixtures};
use crate::watcher::Watched;
use crate::workload::JobState;
use crate::{launch_log, port, store_check};

/// How long every acknowledged job may take to end.
pub(crate) const END_TIMEOUT: Duration = Duration::from_secs(120);

/// The files of a run inside its work directory.
#[derive(Debug, Clone)]
pub(crate) struct RunFiles {
    /// The mock's launch log.
    pub(crate) launch_log: PathBuf,
    /// The server's store.
    pub(crate) database: PathBuf,
}

/// A started server with the objects launches refer to.
pub(crate) struct Started {
    /// The server.
    pub(crate) server: Server,
    /// The cluster and job template.
    pub(crate) fixtures: Fixtures,
    /// Where the run's files are.
    pub(crate) files: RunFiles,
}

/// Writes the config into `work_dir`, starts the server and creates the fixtures.
pub(crate) async fn start(
    work_dir: &Path,
    server_files: &ServerFiles,
    run_ms: u64,
    poll_interval_secs: f64,
) -> anyhow::Result<Started> {
    let files =
        RunFiles { launch_log: work_dir.join("launches.tsv"), database: work_dir.join("data").join("edp.sqlite") };
    let config = ServerConfig {
        plugin_dir: server_files.plugin_dir.clone(),
        launch_log: files.launch_log.clone(),
        run_ms,
        poll_interval_secs,
    };
    let spec = ServerSpec {
        binary: server_files.host_binary.clone(),
        config: config.write(work_dir)?,
        log: work_dir.join("server.log"),
        address: port::free_loopback_address()?,
        token: format!("{:032x}", fastrand::u128(..)),
    };
    let server = Server::start(spec).await?;
    let fixtures =
        setup::create(&mut ApiClient::new(server.target().clone())).await.context("setup through the API")?;
    Ok(Started { server, fixtures, files })
}

/// What the end of a run checks besides the server and its files.
pub(crate) struct Expectations<'a> {
    /// Ids acknowledged with 202.
    pub(crate) acknowledged: &'a [String],
    /// Their last states read through the API.
    pub(crate) states: &'a HashMap<String, JobState>,
    /// The terminal statuses expected.
    pub(crate) expected: &'a [&'a str],
    /// How many rows the store must hold.
    pub(crate) rows: RowRule,
    /// The watcher's findings, if one ran.
    pub(crate) watched: Option<&'a Watched>,
}

/// Stops the server with SIGTERM, reads the launch log and the store, and runs the checks.
pub(crate) async fn conclude(server: Server, files: &RunFiles, expect: Expectations<'_>) -> anyhow::Result<Invariants> {
    let exit_code = server.terminate().await?;
    let launches = launch_log::launches(&files.launch_log)?;
    let database = files.database.clone();
    let store = tokio::task::spawn_blocking(move || store_check::read(&database)).await??;
    Ok(invariants::evaluate(&Evidence {
        acknowledged: expect.acknowledged,
        states: expect.states,
        expected: expect.expected,
        launches: &launches,
        store: &store,
        exit_code,
        rows: expect.rows,
        watched: expect.watched,
    }))
}
