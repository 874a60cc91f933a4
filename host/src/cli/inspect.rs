//! The inspecting subcommands: `plugins list`, `plugins check`, `routes explain`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::Subcommand;
use edp_host::context::Detached;
use edp_host::plugins::{EngineOrigin, EngineRegistry, EngineSlot, EngineState, PluginDescription, PluginLibrary};
use edp_host::routing::RouteQuery;
use edp_plugin_api::JobType;

use crate::cli::{Cli, assemble};

#[derive(Debug, Subcommand)]
pub(crate) enum PluginsCommand {
    /// Every configured or discovered engine, loaded or with the reason it is not.
    List,
    /// Load one library outside any configuration and print what it declares.
    Check {
        /// The library file.
        library: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum RoutesCommand {
    /// Which engine a job gets, and why.
    Explain {
        /// Cluster type (Sahara's provisioning plugin name), e.g. `vanilla`.
        #[arg(long)]
        cluster_type: String,
        /// The cluster type's version, e.g. `2.7.1`.
        #[arg(long)]
        version: Option<String>,
        /// Job type, e.g. `MapReduce.Streaming`.
        #[arg(long)]
        job_type: String,
    },
}

/// `edp-host plugins ...`.
pub(crate) fn plugins(cli: &Cli, command: &PluginsCommand) -> anyhow::Result<ExitCode> {
    match command {
        PluginsCommand::Check { library } => Ok(check(library)),
        PluginsCommand::List => {
            let config = assemble::config(cli)?;
            let registry = assemble::engines(cli, &config, Arc::new(Detached))?;
            print!("{}", list(&registry));
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `edp-host routes ...`.
pub(crate) fn routes(cli: &Cli, command: &RoutesCommand) -> anyhow::Result<ExitCode> {
    let RoutesCommand::Explain { cluster_type, version, job_type } = command;
    let job_type: JobType = job_type.parse()?;
    let config = assemble::config(cli)?;
    let registry = assemble::engines(cli, &config, Arc::new(Detached))?;
    let table = assemble::routes(&config, &registry)?;
    let query = RouteQuery { cluster_type, version: version.as_deref(), job_type };
    let explanation = table.explain(&query);
    print!("{explanation}");
    match &explanation.outcome {
        Ok(route) => {
            println!("engine status: {}", registry.slot(&route.engine).map_or_else(|| "unknown".into(), state));
            Ok(ExitCode::SUCCESS)
        }
        Err(_) => Ok(ExitCode::FAILURE),
    }
}

fn check(library: &Path) -> ExitCode {
    match PluginLibrary::open(library) {
        Ok(plugin) => {
            print!("{}", describe(&plugin.description));
            ExitCode::SUCCESS
        }
        Err(err) => {
            println!("{}: {err}", library.display());
            ExitCode::FAILURE
        }
    }
}

fn describe(description: &PluginDescription) -> String {
    let job_types: Vec<&str> = description.job_types.iter().map(|t| t.as_str()).collect();
    let capabilities = description.capabilities.names();
    let mut text = String::new();
    let _ = writeln!(text, "name:          {}", description.name);
    let _ = writeln!(text, "version:       {}", description.version);
    let _ = writeln!(text, "api version:   {} (edp-plugin-api {})", description.api_version, description.abi_version);
    let _ = writeln!(text, "description:   {}", description.description);
    let _ = writeln!(text, "job types:     {}", job_types.join(", "));
    let _ = writeln!(
        text,
        "capabilities:  {}",
        if capabilities.is_empty() { "none".into() } else { capabilities.join(", ") }
    );
    let _ = writeln!(text, "library:       {}", description.library.display());
    let _ = writeln!(text, "config schema: {}", description.config_schema);
    text
}

fn list(registry: &EngineRegistry) -> String {
    let mut text = String::new();
    for slot in registry.slots() {
        let origin = match slot.origin {
            EngineOrigin::Configured => "configured",
            EngineOrigin::Discovered => "discovered",
        };
        let _ = writeln!(text, "{} ({origin}): {}", slot.name, state(slot));
        if let Some(description) = &slot.description {
            let job_types: Vec<&str> = description.job_types.iter().map(|t| t.as_str()).collect();
            let capabilities = description.capabilities.names();
            let _ = writeln!(
                text,
                "  version {}, api {}, job types: {}",
                description.version,
                description.api_version,
                job_types.join(", ")
            );
            let _ = writeln!(
                text,
                "  capabilities: {}",
                if capabilities.is_empty() { "none".into() } else { capabilities.join(", ") }
            );
        }
        if let Some(library) = &slot.library {
            let _ = writeln!(text, "  library: {}", library.display());
        }
    }
    for skipped in registry.skipped() {
        let _ = writeln!(text, "skipped {}: {}", skipped.path.display(), skipped.error);
    }
    if text.is_empty() {
        text.push_str("no engines: add plugin_dirs under [host] or [engines.NAME] entries to plugins.toml\n");
    }
    text
}

fn state(slot: &EngineSlot) -> String {
    match &slot.state {
        EngineState::Loaded(_) => "loaded".to_owned(),
        EngineState::Failed(error) => format!("not loaded: {error}"),
    }
}
