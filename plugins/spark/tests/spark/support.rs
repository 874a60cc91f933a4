//! Helpers: where cargo put things, the engine library, running programs, and waiting with
//! deadlines.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// `target/<profile>`, where cargo put this test binary and the engine library.
pub(crate) fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    exe.parent().and_then(Path::parent).expect("target/<profile>/deps/<test>").to_owned()
}

/// The cargo target directory.
pub(crate) fn target_dir() -> PathBuf {
    profile_dir().parent().expect("target/<profile> has a parent").to_owned()
}

/// The workspace root.
fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The spark engine library. cargo builds it for this test (the package's library); if it is
/// not where cargo puts it, it is built now.
pub(crate) fn engine_library() -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let name = format!("{}edp_engine_spark{}", std::env::consts::DLL_PREFIX, std::env::consts::DLL_SUFFIX);
            let path = profile_dir().join(&name);
            if path.is_file() {
                return path;
            }
            let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
            command.current_dir(workspace_root()).args(["build", "-p", "edp-engine-spark"]);
            if profile_dir().file_name().is_some_and(|name| name == "release") {
                command.arg("--release");
            }
            let output = command.output().expect("run cargo build");
            assert!(
                output.status.success(),
                "building the engine failed:\n{}",
                String::from_utf8_lossy(&output.stderr)
            );
            assert!(path.is_file(), "cargo built no {}", path.display());
            path
        })
        .clone()
}

/// Runs `program` with `args` in `dir`; panics with its output when it fails.
pub(crate) fn run(program: &Path, args: &[&str], dir: &Path) {
    let output = Command::new(program).args(args).current_dir(dir).output().unwrap_or_else(|err| {
        panic!("cannot run {}: {err}", program.display());
    });
    assert!(
        output.status.success(),
        "{} {args:?} failed:\n{}{}",
        program.display(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Polls `condition` every 100 ms until it holds or `timeout` passes; returns whether it held.
pub(crate) fn wait_until(timeout: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if condition() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A free TCP port on 127.0.0.1 (free now; the caller binds it soon after).
pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("address").port()
}

/// Whether any live process's command line contains `needle`.
pub(crate) fn process_running(needle: &str) -> bool {
    let Ok(entries) = std::fs::read_dir("/proc") else { return false };
    entries.flatten().any(|entry| {
        let is_pid = entry.file_name().to_str().is_some_and(|name| name.bytes().all(|b| b.is_ascii_digit()));
        is_pid
            && std::fs::read(entry.path().join("cmdline")).is_ok_and(|cmdline| {
                let text = String::from_utf8_lossy(&cmdline);
                text.contains(needle)
            })
            && std::fs::read_to_string(entry.path().join("stat"))
                .is_ok_and(|stat| stat.rsplit_once(')').is_some_and(|(_, rest)| !rest.trim_start().starts_with('Z')))
    })
}
