//! Opening one engine library and checking that it is a compatible edp plugin.
//!
//! Libraries are opened by path with `lib_header_from_path` + `init_root_module`, never with
//! `RootModule::load_from_file`, which caches one module per type and would hand back the first
//! plugin for every later path. Libraries are never unloaded (abi_stable leaks them on purpose).

use std::path::{Path, PathBuf};

use abi_stable::library::{LibraryError, RootModule, RootModuleError, lib_header_from_path};
use edp_plugin_api::{API_VERSION, Capabilities, EngineModuleRef, ErrorKind, JobType};

/// Why a library is not usable as an engine plugin.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PluginLoadError {
    /// No file at the path.
    #[error("not found: {path} does not exist")]
    NotFound {
        /// The path.
        path: PathBuf,
    },
    /// The file is not a shared library, or not one that exports edp's root module.
    #[error("not an edp plugin: {reason}")]
    NotAPlugin {
        /// Why.
        reason: String,
    },
    /// Built against an edp-plugin-api (or abi_stable) this host cannot load.
    #[error("incompatible API version: expected {expected}, found {found}")]
    IncompatibleApi {
        /// What this host speaks.
        expected: String,
        /// What the library was built against.
        found: String,
    },
    /// Same API version, but a type's layout differs.
    #[error("layout mismatch: {summary}")]
    LayoutMismatch {
        /// The innermost difference, on one line.
        summary: String,
    },
    /// The plugin's initialisation returned an error.
    #[error("init failed: {reason}")]
    InitFailed {
        /// Why.
        reason: String,
    },
    /// The plugin's initialisation panicked.
    #[error("init panicked: {reason}")]
    InitPanicked {
        /// The panic message, if any.
        reason: String,
    },
    /// The plugin's initialisation did not return in time.
    #[error("init timed out after {seconds:.1}s")]
    InitTimedOut {
        /// The timeout.
        seconds: f64,
    },
}

/// What a loaded plugin declares, owned by the host.
#[derive(Debug, Clone, PartialEq)]
pub struct PluginDescription {
    /// The declared name.
    pub name: String,
    /// The plugin's version.
    pub version: String,
    /// The edp API version it was built against.
    pub api_version: u32,
    /// The edp-plugin-api package version it was built against (what abi_stable checked).
    pub abi_version: String,
    /// One line for people.
    pub description: String,
    /// The job types it runs that this host knows.
    pub job_types: Vec<JobType>,
    /// Declared job types this host does not know (from a later API); ignored.
    pub unknown_job_types: Vec<String>,
    /// Optional verbs.
    pub capabilities: Capabilities,
    /// JSON Schema of its config.
    pub config_schema: String,
    /// The library file.
    pub library: PathBuf,
}

/// An opened, checked plugin library.
#[derive(Clone)]
pub struct PluginLibrary {
    /// What it declares.
    pub description: PluginDescription,
    pub(crate) module: EngineModuleRef,
}

impl PluginLibrary {
    /// Opens the library at `path` and checks its header, version, layout and API version.
    pub fn open(path: &Path) -> Result<PluginLibrary, PluginLoadError> {
        if !path.exists() {
            return Err(PluginLoadError::NotFound { path: path.to_owned() });
        }
        let path = path.canonicalize().unwrap_or_else(|_| path.to_owned());
        let header = lib_header_from_path(&path).map_err(|err| classify(&err))?;
        let abi_version = header.version_strings().version.to_string();
        let module = header.init_root_module::<EngineModuleRef>().map_err(|err| classify(&err))?;
        let info = module.plugin_info()().into_result().map_err(|err| {
            if err.kind == ErrorKind::PANICKED {
                PluginLoadError::InitPanicked { reason: err.message.to_string() }
            } else {
                PluginLoadError::InitFailed { reason: err.to_string() }
            }
        })?;
        if info.api_version != API_VERSION {
            return Err(PluginLoadError::IncompatibleApi {
                expected: format!("edp API {API_VERSION}"),
                found: format!("edp API {}", info.api_version),
            });
        }
        let (job_types, unknown_job_types) =
            info.job_types.iter().fold((Vec::new(), Vec::new()), |(mut known, mut unknown), name| {
                match name.parse::<JobType>() {
                    Ok(job_type) => known.push(job_type),
                    Err(_) => unknown.push(name.to_string()),
                }
                (known, unknown)
            });
        if !unknown_job_types.is_empty() {
            tracing::warn!(library = %path.display(), ?unknown_job_types, "plugin declares job types this host does not know; ignoring them");
        }
        Ok(PluginLibrary {
            description: PluginDescription {
                name: info.name.to_string(),
                version: info.version.to_string(),
                api_version: info.api_version,
                abi_version,
                description: info.description.to_string(),
                job_types,
                unknown_job_types,
                capabilities: info.capabilities,
                config_schema: info.config_schema.to_string(),
                library: path,
            },
            module,
        })
    }
}

/// Turns abi_stable's (very long) errors into short typed ones; the full text goes to debug logs.
fn classify(err: &LibraryError) -> PluginLoadError {
    tracing::debug!(error = %err, "abi_stable refused the library");
    match err {
        LibraryError::OpenError { path, err } => {
            if path.exists() {
                PluginLoadError::NotAPlugin { reason: format!("not a loadable shared library: {err}") }
            } else {
                PluginLoadError::NotFound { path: path.clone() }
            }
        }
        LibraryError::GetSymbolError { .. } => PluginLoadError::NotAPlugin {
            reason: "it does not export an edp root module (was it built with edp_plugin_api::export_plugin!?)".into(),
        },
        LibraryError::IncompatibleVersionNumber { expected_version, actual_version, .. } => {
            PluginLoadError::IncompatibleApi {
                expected: format!("edp-plugin-api {expected_version}"),
                found: format!("edp-plugin-api {actual_version}"),
            }
        }
        LibraryError::ParseVersionError(err) => PluginLoadError::IncompatibleApi {
            expected: format!("edp-plugin-api {}", EngineModuleRef::VERSION_STRINGS.version),
            found: format!("an unreadable version ({err})"),
        },
        LibraryError::InvalidAbiHeader(header) => PluginLoadError::IncompatibleApi {
            expected: "abi_stable 0.11".into(),
            found: format!("abi_stable {}.{}", header.abi_major, header.abi_minor),
        },
        LibraryError::InvalidCAbi { .. } => PluginLoadError::IncompatibleApi {
            expected: "this platform's C ABI".into(),
            found: "a library built for another C ABI".into(),
        },
        LibraryError::AbiInstability(details) => {
            PluginLoadError::LayoutMismatch { summary: summarize_layout_error(&details.to_string()) }
        }
        LibraryError::RootModule { err: RootModuleError::Unwound, .. } => {
            PluginLoadError::InitPanicked { reason: "the root module constructor panicked".into() }
        }
        LibraryError::RootModule { err: RootModuleError::Returned(reason), .. } => {
            PluginLoadError::InitFailed { reason: reason.to_string() }
        }
        LibraryError::Many(errors) => errors
            .iter()
            .next()
            .map_or_else(|| PluginLoadError::InitFailed { reason: "unknown loading error".into() }, classify),
    }
}

/// The innermost mismatch of an abi_stable layout report, on one line: the first error of the
/// last "N error(s)inside" block, with the chain of types that leads to it.
fn summarize_layout_error(report: &str) -> String {
    let lines: Vec<&str> = report.lines().map(str::trim).filter(|line| !line.is_empty()).collect();
    let block = lines.iter().rposition(|line| line.ends_with("error(s)inside:")).unwrap_or(0);
    let mut path: Vec<&str> = Vec::new();
    let mut rest = lines[block..].iter();
    let mut reason = None;
    let mut in_path = true;
    for line in rest.by_ref() {
        in_path &= !line.starts_with("Layout of") && !line.starts_with("---");
        if let Some(error) = line.strip_prefix("Error:") {
            reason = Some(error.trim());
            break;
        }
        if let Some(type_name) = line.strip_prefix("type:").filter(|_| in_path)
            && path.last() != Some(&type_name)
            && type_name != "AFunctionPointer"
        {
            path.push(type_name);
        }
    }
    let expected = value_after("Expected:", &mut rest);
    let found = value_after("Found:", &mut rest);
    match reason {
        Some(reason) => format!("{reason} (expected {expected}, found {found}) in {}", path.join(" > ")),
        None => "the library's types differ from the host's".into(),
    }
}

fn value_after<'a>(label: &str, lines: &mut std::slice::Iter<'_, &'a str>) -> &'a str {
    lines.by_ref().skip_while(|line| **line != label).nth(1).copied().unwrap_or("?")
}
