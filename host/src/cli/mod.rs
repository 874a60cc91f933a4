//! The subcommands: `serve`, `run`, `plugins list`, `plugins check`, `routes explain`.

mod assemble;
mod inspect;
mod run;
mod serve;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// The edp host: runs data-processing jobs through engine plugins.
#[derive(Debug, Parser)]
#[command(name = "edp-host", version, about)]
pub(crate) struct Cli {
    /// The configuration file.
    #[arg(long, global = true, default_value = "plugins.toml")]
    config: PathBuf,
    /// The data directory; overrides `[host] data_dir`.
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the host: load the engines, open the store, recover, serve the REST API and poll until
    /// SIGTERM or Ctrl-C.
    Serve(serve::ServeArgs),
    /// Run one job without a server and follow it to its end (Ctrl-C cancels it).
    Run(run::RunArgs),
    /// Engine plugins.
    #[command(subcommand)]
    Plugins(inspect::PluginsCommand),
    /// Routes from cluster types to engines.
    #[command(subcommand)]
    Routes(inspect::RoutesCommand),
}

/// Runs the command.
pub(crate) fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match &cli.command {
        Command::Plugins(command) => inspect::plugins(&cli, command),
        Command::Routes(command) => inspect::routes(&cli, command),
        Command::Serve(args) => runtime()?.block_on(serve::serve(&cli, args)),
        Command::Run(args) => runtime()?.block_on(run::run(&cli, args)),
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread().enable_all().build()?)
}
