//! The root module: the one symbol every engine library exports.

use abi_stable::StableAbi;
use abi_stable::library::RootModule;
use abi_stable::package_version_strings;
use abi_stable::sabi_types::VersionStrings;
use abi_stable::std_types::{RResult, RStr};

use crate::engine::JobEngineBox;
use crate::error::EngineError;
use crate::host::HostServicesArc;
use crate::types::PluginInfo;

/// The edp API version a plugin is built against, for semantic changes that keep the layout.
/// The layout itself is checked by abi_stable against this crate's package version.
pub const API_VERSION: u32 = 1;

/// What an engine library exports. The layout is frozen for API version 1: fields are only ever
/// appended after `new_engine`.
#[repr(C)]
#[derive(StableAbi)]
#[sabi(kind(Prefix(prefix_ref = EngineModuleRef)))]
#[sabi(missing_field(panic))]
pub struct EngineModule {
    /// The plugin's name, version, job types, capabilities and config schema.
    pub plugin_info: extern "C" fn() -> RResult<PluginInfo, EngineError>,

    /// Build an engine from its plugins.toml table (as JSON text) and the host's services.
    #[sabi(last_prefix_field)]
    pub new_engine: extern "C" fn(config_json: RStr<'_>, host: HostServicesArc) -> RResult<JobEngineBox, EngineError>,
}

impl RootModule for EngineModuleRef {
    abi_stable::declare_root_module_statics! {EngineModuleRef}

    const BASE_NAME: &'static str = "edp_engine";
    const NAME: &'static str = "edp engine plugin";
    const VERSION_STRINGS: VersionStrings = package_version_strings!();
}
