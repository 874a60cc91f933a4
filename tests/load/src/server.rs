//! The server under test: `edp-host serve` on a config file, waited for through `/healthz`,
//! killed with SIGKILL and restarted on the same data directory, stopped with SIGTERM. Its
//! stdout and stderr go to a log file (appended across restarts).

use std::fs::OpenOptions;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use hyper::StatusCode;
use rustix::process::{Pid, Signal, kill_process};
use tokio::process::{Child, Command};

use crate::http::{Connection, Target};
use crate::memory;
use crate::server_config::TOKEN_ENV;

/// How long a start may take until `/healthz` answers.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// How long the server may take to exit after SIGTERM.
const STOP_TIMEOUT: Duration = Duration::from_secs(60);

/// How the server is started (the same way every time).
#[derive(Debug, Clone)]
pub(crate) struct ServerSpec {
    /// The `edp-host` binary.
    pub(crate) binary: PathBuf,
    /// Its `plugins.toml`.
    pub(crate) config: PathBuf,
    /// Where its output goes.
    pub(crate) log: PathBuf,
    /// Where it listens.
    pub(crate) address: SocketAddr,
    /// The token every request carries (handed to the server in `EDP_TOKEN`).
    pub(crate) token: String,
}

/// A running server.
pub(crate) struct Server {
    spec: ServerSpec,
    child: Child,
    target: Target,
}

impl Server {
    /// Starts the server and waits until `/healthz` answers 200.
    pub(crate) async fn start(spec: ServerSpec) -> anyhow::Result<Server> {
        let target = Target::new(spec.address, &spec.token)?;
        let child = spawn(&spec)?;
        let mut server = Server { spec, child, target };
        server.wait_healthy().await?;
        Ok(server)
    }

    /// Where requests go.
    pub(crate) fn target(&self) -> &Target {
        &self.target
    }

    /// The server's output file.
    pub(crate) fn log(&self) -> &Path {
        &self.spec.log
    }

    /// The running process's id.
    pub(crate) fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    /// The running process's peak resident memory in KiB.
    pub(crate) fn peak_resident_kib(&self) -> Option<u64> {
        self.child.id().and_then(memory::peak_resident_kib)
    }

    /// Kills the server with SIGKILL, starts it again on the same configuration, and returns
    /// how long it was unavailable (from the kill until `/healthz` answered).
    pub(crate) async fn kill_and_restart(&mut self) -> anyhow::Result<Duration> {
        let killed = Instant::now();
        self.child.start_kill().context("cannot SIGKILL the server")?;
        self.child.wait().await.context("cannot wait for the killed server")?;
        self.child = spawn(&self.spec)?;
        self.wait_healthy().await?;
        Ok(killed.elapsed())
    }

    /// Sends SIGTERM and waits for the exit; returns the exit code (`None`: killed by a signal).
    pub(crate) async fn terminate(mut self) -> anyhow::Result<Option<i32>> {
        let pid = self.child.id().and_then(|id| i32::try_from(id).ok()).and_then(Pid::from_raw);
        let Some(pid) = pid else {
            bail!("the server had already exited before SIGTERM; see {}", self.spec.log.display())
        };
        kill_process(pid, Signal::TERM).context("cannot send SIGTERM to the server")?;
        let status = tokio::time::timeout(STOP_TIMEOUT, self.child.wait())
            .await
            .with_context(|| format!("the server did not exit within {}s of SIGTERM", STOP_TIMEOUT.as_secs()))??;
        Ok(status.code())
    }

    async fn wait_healthy(&mut self) -> anyhow::Result<()> {
        let deadline = Instant::now() + START_TIMEOUT;
        let health = self.target.get("/healthz")?;
        loop {
            if let Some(status) = self.child.try_wait()? {
                bail!("the server exited ({status}) before it answered /healthz; see {}", self.spec.log.display());
            }
            if let Ok(mut connection) = Connection::open(self.target.address).await
                && let Ok(reply) = connection.send(health.build()).await
                && reply.status == StatusCode::OK
            {
                return Ok(());
            }
            if Instant::now() >= deadline {
                bail!(
                    "the server did not answer /healthz within {}s; see {}",
                    START_TIMEOUT.as_secs(),
                    self.spec.log.display()
                );
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

fn spawn(spec: &ServerSpec) -> anyhow::Result<Child> {
    let log = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&spec.log)
        .with_context(|| format!("cannot open {}", spec.log.display()))?;
    let mut command = Command::new(&spec.binary);
    command
        .arg("--config")
        .arg(&spec.config)
        .args(["serve", "--listen", &spec.address.to_string()])
        .env(TOKEN_ENV, &spec.token)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log)
        .kill_on_drop(true);
    if let Some(dir) = spec.config.parent() {
        command.current_dir(dir);
    }
    command.spawn().with_context(|| format!("cannot start {}", spec.binary.display()))
}
