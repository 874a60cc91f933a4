//! Putting a host together from the command line: config, engines, routes, store, manager.

use std::sync::Arc;

use anyhow::{Context as _, anyhow};
use edp_host::config::Config;
use edp_host::context::EngineContext;
use edp_host::lock::DataDirLock;
use edp_host::manager::{JobManager, StoreContext};
use edp_host::plugins::EngineRegistry;
use edp_host::routing::RouteTable;
use edp_host::store::SqliteStore;
use tokio::sync::mpsc;

use crate::cli::Cli;

/// The configuration, with `--data-dir` applied.
pub(crate) fn config(cli: &Cli) -> anyhow::Result<Config> {
    let mut config = Config::load(&cli.config)?;
    if let Some(data_dir) = &cli.data_dir {
        config.host.data_dir.clone_from(data_dir);
    }
    Ok(config)
}

/// The engines of `config`, reading records through `context`.
pub(crate) fn engines(cli: &Cli, config: &Config, context: Arc<dyn EngineContext>) -> anyhow::Result<EngineRegistry> {
    EngineRegistry::load(config, context)
        .map_err(|errors| {
            let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
            anyhow!("cannot load the engines:\n  {}", lines.join("\n  "))
        })
        .with_context(|| format!("with configuration {}", cli.config.display()))
}

/// The routes of `config`, checked against `registry`.
pub(crate) fn routes(config: &Config, registry: &EngineRegistry) -> anyhow::Result<RouteTable> {
    RouteTable::build(&config.routes, registry).map_err(|errors| {
        let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
        anyhow!("{} error(s) in the routes:\n  {}", lines.len(), lines.join("\n  "))
    })
}

/// A host with a store: the data directory locked for `purpose`, the store open, the engines
/// loaded with the store behind their host services, and the manager.
pub(crate) struct Host {
    pub(crate) manager: JobManager,
    pub(crate) notifications: mpsc::UnboundedReceiver<String>,
    pub(crate) engine_count: usize,
    _lock: DataDirLock,
}

pub(crate) fn host(cli: &Cli, purpose: &str) -> anyhow::Result<Host> {
    let config = config(cli)?;
    let lock = DataDirLock::acquire(&config.host.data_dir, purpose)?;
    let store_path = config.host.data_dir.join("edp.sqlite");
    let store = Arc::new(SqliteStore::open(&store_path).with_context(|| format!("opening {}", store_path.display()))?);
    store.set_durable_commits(config.host.durable_commits).context("configuring the store's commits")?;
    let (context, notifications) = StoreContext::new(store.clone());
    let registry = engines(cli, &config, Arc::new(context))?;
    let routes = routes(&config, &registry)?;
    let engine_count = registry.slots().filter(|slot| slot.handle().is_some()).count();
    let manager = JobManager::new(store, Arc::new(registry), Arc::new(routes), config.host.manager.clone());
    Ok(Host { manager, notifications, engine_count, _lock: lock })
}
