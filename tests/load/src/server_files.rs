//! The server's build outputs: the `edp-host` binary and the directory with the mock engine,
//! by default the workspace's release build, checked before anything starts.

use std::path::{Path, PathBuf};

use anyhow::ensure;

use crate::options::Options;

/// Where the binary and the engine are.
#[derive(Debug, Clone)]
pub(crate) struct ServerFiles {
    /// `edp-host`.
    pub(crate) host_binary: PathBuf,
    /// A directory with `libedp_engine_mock.so`.
    pub(crate) plugin_dir: PathBuf,
}

/// The workspace root (this crate is `tests/load`).
fn workspace_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().and_then(Path::parent).unwrap_or(manifest).to_owned()
}

/// The files `options` name (or the defaults), after checking they exist.
pub(crate) fn locate(options: &Options) -> anyhow::Result<ServerFiles> {
    let release = workspace_root().join("target").join("release");
    let host_binary = options.host_binary.clone().unwrap_or_else(|| release.join("edp-host"));
    let plugin_dir = options.plugin_dir.clone().unwrap_or(release);
    let build = "build them with `cargo build --release -p edp-host -p edp-engine-mock`, or pass --host-binary and --plugin-dir";
    ensure!(host_binary.is_file(), "{} does not exist: {build}", host_binary.display());
    let engine =
        plugin_dir.join(format!("{}edp_engine_mock{}", std::env::consts::DLL_PREFIX, std::env::consts::DLL_SUFFIX));
    ensure!(engine.is_file(), "{} does not exist: {build}", engine.display());
    Ok(ServerFiles { host_binary: std::path::absolute(host_binary)?, plugin_dir: std::path::absolute(plugin_dir)? })
}
