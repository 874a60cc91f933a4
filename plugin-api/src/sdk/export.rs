//! What [`crate::export_plugin!`] expands to call. Not a public API: it may change in any release.

pub use abi_stable::library::{LibHeader, RootModuleResult};

use abi_stable::library::CheckTypeLayout;
use abi_stable::prefix_type::PrefixTypeTrait;
use abi_stable::sabi_trait::TD_Opaque;
use abi_stable::std_types::{RResult, RStr, RString, RVec};

use crate::engine::{JobEngine_TO, JobEngineBox};
use crate::error::EngineError;
use crate::host::HostServicesArc;
use crate::module::{API_VERSION, EngineModule, EngineModuleRef};
use crate::sdk::guard::{GuardedEngine, guarded};
use crate::sdk::{Host, Plugin, log_bridge};
use crate::types::PluginInfo;

/// The library header abi_stable looks for, built around the plugin's root-module loader.
#[allow(unsafe_code)]
pub const fn lib_header(loader: extern "C" fn() -> RootModuleResult) -> LibHeader {
    // SAFETY: `loader` is the function `export_plugin!` generates, which returns the
    // `EngineModuleRef` built by `root_module` and nothing else, as `from_constructor` requires.
    unsafe { LibHeader::from_constructor::<EngineModuleRef>(loader, CheckTypeLayout::Yes) }
}

/// Builds the root module of plugin `P`; abi_stable catches a panic in here.
pub fn load_root_module<P: Plugin>() -> RootModuleResult {
    abi_stable::library::__call_root_module_loader(root_module::<P> as fn() -> EngineModuleRef)
}

fn root_module<P: Plugin>() -> EngineModuleRef {
    EngineModule { plugin_info: plugin_info::<P>, new_engine: new_engine::<P> }.leak_into_prefix()
}

extern "C" fn plugin_info<P: Plugin>() -> RResult<PluginInfo, EngineError> {
    guarded(None, "plugin_info", || {
        let manifest = P::manifest();
        Ok(PluginInfo {
            name: manifest.name.into(),
            version: manifest.version.into(),
            api_version: API_VERSION,
            description: manifest.description.into(),
            job_types: manifest.job_types.iter().map(|t| RString::from(t.as_str())).collect::<RVec<_>>(),
            capabilities: manifest.capabilities,
            config_schema: manifest.config_schema.to_string().into(),
        })
    })
}

extern "C" fn new_engine<P: Plugin>(
    config_json: RStr<'_>,
    host: HostServicesArc,
) -> RResult<JobEngineBox, EngineError> {
    log_bridge::install(&host);
    guarded(Some(&host), "new_engine", || {
        let engine = P::new_engine(config_json.as_str(), Host::new(host.clone()))?;
        let guarded_engine = GuardedEngine { engine, host: host.clone() };
        Ok(JobEngine_TO::from_value(guarded_engine, TD_Opaque))
    })
}

#[cfg(test)]
mod tests {
    /// `export_plugin!` spells the exported symbol's name literally.
    #[test]
    fn export_macro_uses_abi_stables_symbol_name() {
        assert_eq!(abi_stable::library::ROOT_MODULE_LOADER_NAME, "_1as_0lib_1header_0root_bmodule_bloader");
    }
}
