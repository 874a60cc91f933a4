//! The registry of engines: every configured or discovered engine, loaded or with the reason it
//! is not.
//!
//! Discovery registers each plugin found in the plugin directories under the name it declares;
//! an `[engines.NAME]` entry gives an engine its config, or loads a library from elsewhere under
//! NAME. One library that fails to load never keeps the others from loading.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;

use edp_plugin_api::ErrorKind;

use crate::config::{Config, EngineSettings, LibrarySource, Position};
use crate::context::EngineContext;
use crate::engine::EngineHandle;
use crate::plugins::abi_engine::AbiEngine;
use crate::plugins::discovery;
use crate::plugins::library::{PluginDescription, PluginLibrary, PluginLoadError};
use crate::plugins::services::EngineServices;

/// How an engine got into the registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EngineOrigin {
    /// From an `[engines.NAME]` entry.
    Configured,
    /// Found in a plugin directory, under the name it declares.
    Discovered,
}

/// Whether an engine is usable.
pub enum EngineState {
    /// Loaded and built.
    Loaded(EngineHandle),
    /// Not usable, and why.
    Failed(PluginLoadError),
}

/// One engine of the registry.
pub struct EngineSlot {
    /// The name routes use.
    pub name: String,
    /// Configured or discovered.
    pub origin: EngineOrigin,
    /// The library file, when one was found.
    pub library: Option<PathBuf>,
    /// What the plugin declares, when it could be read.
    pub description: Option<PluginDescription>,
    /// Loaded or failed.
    pub state: EngineState,
}

impl EngineSlot {
    /// The engine, if loaded.
    pub fn handle(&self) -> Option<&EngineHandle> {
        match &self.state {
            EngineState::Loaded(handle) => Some(handle),
            EngineState::Failed(_) => None,
        }
    }
}

/// A file in a plugin directory that is not a usable edp plugin.
#[derive(Debug, Clone)]
pub struct SkippedLibrary {
    /// The file.
    pub path: PathBuf,
    /// Why it was skipped.
    pub error: PluginLoadError,
}

/// Problems that stop the host from starting.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RegistryError {
    /// Two discovered libraries declare the same engine name.
    #[error("two libraries declare the engine name `{name}`: {} and {}", first.display(), second.display())]
    DuplicateName {
        /// The name.
        name: String,
        /// One library.
        first: PathBuf,
        /// The other.
        second: PathBuf,
    },
    /// An `[engines.NAME]` entry without `library`, and no discovered plugin of that name.
    #[error(
        "{position}: engine `{name}`: no `library` is given and no library in the plugin directories declares the name `{name}`"
    )]
    NoLibrary {
        /// The engine.
        name: String,
        /// Where its entry is.
        position: Position,
    },
    /// A name that cannot be an engine name.
    #[error("{origin}: `{name}` cannot be an engine name: use letters, digits, `-` and `_`")]
    BadName {
        /// The name.
        name: String,
        /// Where it comes from (a position or a library path).
        origin: String,
    },
    /// A plugin directory that cannot be read.
    #[error("cannot read plugin directory {}: {reason}", dir.display())]
    PluginDir {
        /// The directory.
        dir: PathBuf,
        /// Why.
        reason: String,
    },
}

/// Every engine the host knows.
pub struct EngineRegistry {
    slots: BTreeMap<String, EngineSlot>,
    skipped: Vec<SkippedLibrary>,
}

/// Whether `name` is usable as an engine name (it becomes a directory name).
fn is_valid_engine_name(name: &str) -> bool {
    !name.is_empty() && name.len() <= 64 && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

impl EngineRegistry {
    /// Discovers, loads and builds every engine of `config`. Engines read records through
    /// `context` and keep their files under `<data_dir>/engines/<name>`.
    pub fn load(config: &Config, context: Arc<dyn EngineContext>) -> Result<EngineRegistry, Vec<RegistryError>> {
        let mut errors = Vec::new();
        let mut skipped = Vec::new();
        let mut discovered: BTreeMap<String, PluginLibrary> = BTreeMap::new();
        for dir in &config.host.plugin_dirs {
            let paths = discovery::scan(dir).unwrap_or_else(|err| {
                errors.push(RegistryError::PluginDir { dir: dir.clone(), reason: err.to_string() });
                Vec::new()
            });
            for path in paths {
                match PluginLibrary::open(&path) {
                    Ok(library) => {
                        let name = library.description.name.clone();
                        if !is_valid_engine_name(&name) {
                            errors.push(RegistryError::BadName { name, origin: path.display().to_string() });
                        } else if let Some(first) = discovered.get(&name) {
                            errors.push(RegistryError::DuplicateName {
                                name,
                                first: first.description.library.clone(),
                                second: library.description.library.clone(),
                            });
                        } else {
                            discovered.insert(name, library);
                        }
                    }
                    Err(error) => {
                        tracing::warn!(library = %path.display(), %error, "skipping library in plugin directory");
                        skipped.push(SkippedLibrary { path, error });
                    }
                }
            }
        }

        let mut slots = BTreeMap::new();
        for settings in config.engines.values() {
            if !is_valid_engine_name(&settings.name) {
                errors.push(RegistryError::BadName {
                    name: settings.name.clone(),
                    origin: settings.position.to_string(),
                });
                continue;
            }
            let library = match &settings.library {
                None => match discovered.get(&settings.name) {
                    Some(library) => Ok(library.clone()),
                    None => {
                        errors.push(RegistryError::NoLibrary {
                            name: settings.name.clone(),
                            position: settings.position.clone(),
                        });
                        continue;
                    }
                },
                Some(LibrarySource::Path(path)) => PluginLibrary::open(path),
                Some(LibrarySource::Name(name)) => match discovery::find_by_name(name, &config.host.plugin_dirs) {
                    Some(path) => PluginLibrary::open(&path),
                    None => Err(PluginLoadError::NotFound { path: PathBuf::from(libloading::library_filename(name)) }),
                },
            };
            let library_path = match (&library, &settings.library) {
                (Ok(library), _) => Some(library.description.library.clone()),
                (Err(_), Some(LibrarySource::Path(path))) => Some(path.clone()),
                (Err(_), _) => None,
            };
            let slot =
                slot(&settings.name, EngineOrigin::Configured, library_path, library, Some(settings), config, &context);
            slots.insert(settings.name.clone(), slot);
        }
        for (name, library) in discovered {
            if let std::collections::btree_map::Entry::Vacant(entry) = slots.entry(name) {
                let path = Some(library.description.library.clone());
                let slot = slot(entry.key(), EngineOrigin::Discovered, path, Ok(library), None, config, &context);
                entry.insert(slot);
            }
        }
        if errors.is_empty() { Ok(EngineRegistry { slots, skipped }) } else { Err(errors) }
    }

    /// Every engine, by name.
    pub fn slots(&self) -> impl Iterator<Item = &EngineSlot> {
        self.slots.values()
    }

    /// The engine called `name`, loaded or not.
    pub fn slot(&self, name: &str) -> Option<&EngineSlot> {
        self.slots.get(name)
    }

    /// The loaded engine called `name`.
    pub fn engine(&self, name: &str) -> Option<&EngineHandle> {
        self.slot(name).and_then(EngineSlot::handle)
    }

    /// Files in plugin directories that are not usable plugins.
    pub fn skipped(&self) -> &[SkippedLibrary] {
        &self.skipped
    }
}

fn slot(
    name: &str,
    origin: EngineOrigin,
    library_path: Option<PathBuf>,
    library: Result<PluginLibrary, PluginLoadError>,
    settings: Option<&EngineSettings>,
    config: &Config,
    context: &Arc<dyn EngineContext>,
) -> EngineSlot {
    let description = library.as_ref().ok().map(|library| library.description.clone());
    let state = match library.and_then(|library| build_engine(name, &library, settings, &config.host.data_dir, context))
    {
        Ok(handle) => EngineState::Loaded(handle),
        Err(error) => {
            tracing::warn!(engine = name, %error, "engine not loaded");
            EngineState::Failed(error)
        }
    };
    EngineSlot { name: name.to_owned(), origin, library: library_path, description, state }
}

/// Calls the plugin's `new_engine` on its own thread, so a plugin that hangs while starting
/// cannot hang the host: after the timeout the engine is marked failed and the thread is left.
fn build_engine(
    name: &str,
    library: &PluginLibrary,
    settings: Option<&EngineSettings>,
    data_dir: &Path,
    context: &Arc<dyn EngineContext>,
) -> Result<EngineHandle, PluginLoadError> {
    let timeouts = settings.map(|settings| settings.timeouts.clone()).unwrap_or_default();
    let config_json = settings.map_or_else(|| "{}".to_owned(), |settings| settings.config_json.clone());
    let work_dir = data_dir.join("engines").join(name);
    std::fs::create_dir_all(&work_dir).map_err(|err| PluginLoadError::InitFailed {
        reason: format!("cannot create the engine's work directory {}: {err}", work_dir.display()),
    })?;
    let work_dir = work_dir.canonicalize().unwrap_or(work_dir);
    let services = EngineServices::new(name, work_dir, Arc::clone(context)).into_abi();
    let new_engine = library.module.new_engine();
    let (sender, receiver) = mpsc::channel();
    std::thread::Builder::new()
        .name(format!("edp-init-{name}"))
        .spawn(move || {
            let _ = sender.send(new_engine(config_json.as_str().into(), services));
        })
        .map_err(|err| PluginLoadError::InitFailed { reason: format!("cannot start a thread: {err}") })?;
    let timeout: Duration = timeouts.get("new_engine");
    let engine = match receiver.recv_timeout(timeout) {
        Ok(result) => result.into_result().map_err(|err| {
            if err.kind == ErrorKind::PANICKED {
                PluginLoadError::InitPanicked { reason: err.message.to_string() }
            } else {
                PluginLoadError::InitFailed { reason: err.to_string() }
            }
        })?,
        Err(_) => return Err(PluginLoadError::InitTimedOut { seconds: timeout.as_secs_f64() }),
    };
    Ok(EngineHandle::new(name, library.description.clone(), Arc::new(AbiEngine::new(engine)), timeouts))
}
