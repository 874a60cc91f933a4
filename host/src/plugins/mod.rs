//! Engine plugins: opening libraries, discovering them, and the registry of engines.

mod abi_engine;
mod discovery;
mod library;
mod registry;
mod services;

pub use abi_engine::AbiEngine;
pub use discovery::{find_by_name, scan};
pub use library::{PluginDescription, PluginLibrary, PluginLoadError};
pub use registry::{EngineOrigin, EngineRegistry, EngineSlot, EngineState, RegistryError, SkippedLibrary};
pub use services::EngineServices;
