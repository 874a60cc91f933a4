//! A real Spark: `pyspark==4.3.0` from PyPI in a virtual environment under the target
//! directory, created once (under a file lock) and reused by later runs. Without python3 or
//! PyPI the tests fail and say why: they never skip silently.

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Instant;

use crate::support;

/// The pyspark release the tests run against.
pub(crate) const PYSPARK: &str = "pyspark==4.3.0";

/// A Spark installation inside a virtual environment.
#[derive(Debug, Clone)]
pub(crate) struct Spark {
    /// `SPARK_HOME`: the `pyspark` package directory.
    pub(crate) home: PathBuf,
    /// The virtual environment's python (PYSPARK_PYTHON).
    pub(crate) python: PathBuf,
}

impl Spark {
    /// `<home>/bin/spark-class`.
    pub(crate) fn spark_class(&self) -> PathBuf {
        self.home.join("bin/spark-class")
    }
}

/// The installation, made on first use.
pub(crate) fn spark() -> &'static Spark {
    static SPARK: OnceLock<Spark> = OnceLock::new();
    SPARK.get_or_init(install)
}

fn fail(step: &str, detail: &str) -> ! {
    panic!(
        "the Spark tests need a real Spark: {step} failed. They install {PYSPARK} from PyPI with \
         `python3 -m venv` + pip into the target directory (python3 with the venv module and \
         access to PyPI are required; .ci/run provides them).\n{detail}"
    )
}

fn install() -> Spark {
    let venv = support::target_dir().join("python-pyspark");
    let ready = venv.join(".edp-ready");
    fs::create_dir_all(support::target_dir()).expect("target dir");
    let lock_path = support::target_dir().join("python-pyspark.lock");
    let lock = File::create(&lock_path).expect("lock file");
    rustix::fs::flock(&lock, rustix::fs::FlockOperation::LockExclusive).expect("lock the pyspark venv");
    if fs::read_to_string(&ready).ok().as_deref() != Some(PYSPARK) {
        let started = Instant::now();
        if venv.exists() {
            fs::remove_dir_all(&venv).expect("remove a half-made venv");
        }
        let python3 = std::env::var_os("PYTHON3").unwrap_or_else(|| "python3".into());
        let output = Command::new(&python3)
            .args(["-m", "venv"])
            .arg(&venv)
            .output()
            .unwrap_or_else(|err| fail("running python3", &err.to_string()));
        if !output.status.success() {
            fail("python3 -m venv", &String::from_utf8_lossy(&output.stderr));
        }
        let output = Command::new(venv.join("bin/pip"))
            .args(["install", "--disable-pip-version-check", "--no-input", "-q", PYSPARK])
            .output()
            .unwrap_or_else(|err| fail("running pip", &err.to_string()));
        if !output.status.success() {
            fail(&format!("pip install {PYSPARK}"), &String::from_utf8_lossy(&output.stderr));
        }
        fs::write(&ready, PYSPARK).expect("mark the venv ready");
        eprintln!("installed {PYSPARK} into {} in {:.1?}", venv.display(), started.elapsed());
    }
    drop(lock);
    let home = site_packages(&venv).join("pyspark");
    if !home.join("bin/spark-submit").is_file() {
        fail("finding spark-submit", &format!("{} has no bin/spark-submit", home.display()));
    }
    Spark { home, python: venv.join("bin/python") }
}

/// `<venv>/lib/python3.X/site-packages`.
fn site_packages(venv: &Path) -> PathBuf {
    let lib = venv.join("lib");
    let entries =
        fs::read_dir(&lib).unwrap_or_else(|err| fail("reading the venv", &format!("{}: {err}", lib.display())));
    entries
        .flatten()
        .map(|entry| entry.path())
        .find(|path| path.file_name().is_some_and(|name| name.to_string_lossy().starts_with("python3")))
        .map(|path| path.join("site-packages"))
        .unwrap_or_else(|| fail("finding site-packages", &lib.display().to_string()))
}
