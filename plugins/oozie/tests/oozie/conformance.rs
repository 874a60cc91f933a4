//! The fake, checked against independent clients from PyPI: `oozie-webservice-api` (Oozie's
//! web-services API) and `hdfs` (HdfsCLI's WebHDFS client). So the fake does not merely mirror
//! the engine's own assumptions.
//!
//! The clients live in a virtualenv under the cargo target directory, created once (about
//! 10 s) and reused. Without python3 or PyPI the test fails with a message saying so; it is
//! never skipped.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use crate::fake::{Fake, NAME_NODE};
use crate::support::target_dir;

/// The pinned client versions.
const PACKAGES: [&str; 2] = ["oozie-webservice-api==1.2.0", "hdfs==2.7.3"];

fn run(command: &mut Command, what: &str) -> Output {
    command.output().unwrap_or_else(|err| panic!("{what}: cannot run {command:?}: {err}"))
}

fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

fn ready(python: &Path) -> bool {
    Command::new(python).args(["-c", "import oozie, hdfs"]).output().is_ok_and(|output| output.status.success())
}

/// The virtualenv's python, created on first use.
fn python() -> PathBuf {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON
        .get_or_init(|| {
            let venv = target_dir().join("oozie-conformance-venv");
            let python = venv.join("bin").join("python");
            if ready(&python) {
                return python;
            }
            let probe = Command::new("python3").arg("--version").output();
            assert!(
                probe.as_ref().is_ok_and(|output| output.status.success()),
                "the Oozie conformance test needs python3 (with venv and pip: on Debian, \
                 `apt-get install python3 python3-venv`): {probe:?}"
            );
            // Build beside the final place and rename it there, so a half-made venv is never used.
            let building = target_dir().join(format!("oozie-conformance-venv.{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&building);
            let created = run(Command::new("python3").arg("-m").arg("venv").arg(&building), "creating a venv");
            assert!(
                created.status.success(),
                "`python3 -m venv` failed (on Debian, install python3-venv):\n{}",
                text(&created)
            );
            let pip = run(
                Command::new(building.join("bin").join("python"))
                    .args(["-m", "pip", "install", "--disable-pip-version-check", "--quiet"])
                    .args(PACKAGES),
                "pip install",
            );
            assert!(
                pip.status.success(),
                "pip could not install {PACKAGES:?} from PyPI (is PyPI reachable?):\n{}",
                text(&pip)
            );
            let _ = std::fs::remove_dir_all(&venv);
            if std::fs::rename(&building, &venv).is_err() {
                // Another test run won the race; use its venv.
                let _ = std::fs::remove_dir_all(&building);
            }
            assert!(ready(&python), "the venv at {} cannot import the clients", venv.display());
            python
        })
        .clone()
}

#[test]
fn independent_python_clients_accept_the_fake_oozie_and_webhdfs() {
    let python = python();
    let fake = Fake::start();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join("oozie").join("conformance.py");
    let output = run(
        Command::new(&python).arg(&script).arg(fake.oozie_root()).arg(fake.webhdfs_url()).arg(NAME_NODE),
        "the conformance script",
    );
    let report = text(&output);
    assert!(output.status.success(), "the Python clients disagree with the fake:\n{report}");
    assert!(report.contains("conformance: all checks passed"), "{report}");
    // The clients really went through the fake.
    let requests = fake.requests();
    assert!(requests.iter().any(|r| r.path == "/oozie/v1/jobs" && r.method == "POST"), "{requests:?}");
    assert!(requests.iter().any(|r| r.role == crate::fake::Role::DataNode && r.method == "PUT"));
}
