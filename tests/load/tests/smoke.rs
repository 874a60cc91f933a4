//! Smoke test of `edp-load`: both scenarios, with tiny settings, against the debug (or
//! release, when tested with `--release`) builds of `edp-host` and the mock engine in the same
//! target directory. Checks the exit status and the invariants in the JSON report.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use serde_json::Value;

/// The workspace root (this crate is `tests/load`).
fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `target/<profile>`, where cargo put this test binary.
fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    exe.parent().and_then(Path::parent).expect("target/<profile>/deps/<test>").to_owned()
}

/// Builds `edp-host` and the mock engine once per test run; returns their directory.
fn server_build() -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let profile_dir = profile_dir();
            let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
            command.current_dir(workspace_root()).args(["build", "-p", "edp-host", "-p", "edp-engine-mock"]);
            if profile_dir.file_name().is_some_and(|name| name == "release") {
                command.arg("--release");
            }
            let output = command.output().expect("run cargo build");
            assert!(
                output.status.success(),
                "building edp-host and the mock engine failed:\n{}",
                String::from_utf8_lossy(&output.stderr)
            );
            profile_dir
        })
        .clone()
}

/// Runs `edp-load` with `args` and tiny settings; returns its report and JSON figures.
fn edp_load(args: &[&str]) -> (String, Value) {
    let build = server_build();
    let dir = tempfile::tempdir().expect("temp dir");
    let json = dir.path().join("report.json");
    let output = Command::new(env!("CARGO_BIN_EXE_edp-load"))
        .args(["--seconds", "1", "--connections", "2", "--rate", "50", "--rate-connections", "4"])
        .arg("--host-binary")
        .arg(build.join("edp-host"))
        .arg("--plugin-dir")
        .arg(&build)
        .arg("--json")
        .arg(&json)
        .args(args)
        .output()
        .expect("run edp-load");
    let report = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "edp-load {args:?} failed:\n{report}");
    let figures = serde_json::from_str(&std::fs::read_to_string(&json).expect("the JSON report")).expect("JSON");
    (report, figures)
}

/// The checks every scenario must pass.
fn assert_invariants(report: &str, figures: &Value) {
    let invariants = &figures["invariants"];
    assert_eq!(invariants["passed"], true, "{report}");
    assert_eq!(invariants["lost"], 0, "{report}");
    assert_eq!(invariants["duplicated"], 0, "{report}");
    assert_eq!(invariants["integrity"], "ok", "{report}");
    let acknowledged = invariants["acknowledged"].as_u64().expect("acknowledged");
    assert!(acknowledged > 0, "{report}");
    assert_eq!(invariants["launched_once"].as_u64(), Some(acknowledged), "{report}");
    assert!(report.contains("- lost: 0 (goal 0)") && report.contains("- duplicated: 0 (goal 0)"), "{report}");
    assert!(report.contains("Result: every invariant holds."), "{report}");
}

#[test]
fn load_scenario_measures_every_phase_and_keeps_the_invariants() {
    let (report, figures) = edp_load(&[]);
    assert_invariants(&report, &figures);
    let phases = figures["phases"].as_array().expect("phases");
    let names: Vec<&str> = phases.iter().filter_map(|phase| phase["name"].as_str()).collect();
    assert_eq!(phases.len(), 7, "{names:?}");
    for phase in phases {
        assert!(phase["requests"].as_u64().is_some_and(|requests| requests > 0), "{phase}");
        assert_eq!(phase["transport_errors"], 0, "{phase}");
        assert!(phase["peak_resident_kib"].as_u64().is_some_and(|kib| kib > 0), "{phase}");
    }
    let statuses = &figures["invariants"]["final_statuses"];
    assert_eq!(statuses["KILLED"], figures["invariants"]["acknowledged"], "{report}");
    assert!(report.contains("| phase | requests | req/s | p50 | p90 | p99 | p99.9 | max | errors |"), "{report}");
}

#[test]
fn sigkill_scenario_loses_and_duplicates_nothing() {
    let (report, figures) = edp_load(&["--scenario", "sigkill", "--seed", "7"]);
    assert_invariants(&report, &figures);
    assert_eq!(figures["kills"].as_array().map(Vec::len), Some(3), "{report}");
    assert_eq!(figures["invariants"]["terminal_changes"], 0, "{report}");
}
