//! A job's work directory: `<engine work dir>/<job execution id>/`.
//!
//! The job runs there (it is its current directory) next to its binaries and its `stdout`
//! and `stderr` files. The engine's own state lives in the `.edp/` subdirectory, one small
//! file per fact, so that status and cancel work from the files alone after a host restart:
//!
//! - `engine_job_id`: the recorded launch (`<pid>@<start time>`), written atomically;
//! - `launching`: written just before the supervisor is spawned (crash recovery);
//! - `pid`: written by the supervisor itself as its first step;
//! - `exit_code`: written by the supervisor when the job ends, newline-terminated;
//! - `cancel_requested`: the time of the first cancel request, in Unix milliseconds.

use std::collections::HashSet;
use std::fs;
use std::io::{self, Write as _};
use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};

use edp_plugin_api::EngineError;

use crate::engine_id::EngineJobId;

/// Names in the work directory that belong to the engine, not to the job's binaries.
const RESERVED_NAMES: [&str; 3] = ["stdout", "stderr", STATE_DIR];
const STATE_DIR: &str = ".edp";

/// A job binary to place in the work directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binary {
    /// The file name (the job binary's name).
    pub name: String,
    /// The bytes.
    pub data: Vec<u8>,
}

/// Checks that a job execution id is usable as one path component.
pub fn validate_job_id(id: &str) -> Result<(), EngineError> {
    let safe = !id.is_empty()
        && id != "."
        && id != ".."
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'));
    if safe {
        Ok(())
    } else {
        Err(EngineError::invalid_job(format!(
            "job execution id `{id}` is not a safe directory name (allowed: A-Z a-z 0-9 _ . -)"
        )))
    }
}

/// Checks that a job binary's name is a plain file name the job may own.
pub fn validate_binary_name(name: &str) -> Result<(), EngineError> {
    if name.is_empty() || name == "." || name.contains('/') || name.contains("..") {
        return Err(EngineError::invalid_job(format!("job binary name `{name}` is not a plain file name")));
    }
    if name.contains('\0') {
        return Err(EngineError::invalid_job("a job binary name contains a NUL byte"));
    }
    if RESERVED_NAMES.contains(&name) {
        return Err(EngineError::invalid_job(format!("job binary name `{name}` is reserved by the engine")));
    }
    Ok(())
}

/// Writes `data` to `path` atomically: a temporary file next to it, then a rename.
pub fn write_atomic(path: &Path, data: &[u8]) -> io::Result<()> {
    let mut tmp_name = path.file_name().unwrap_or_default().to_owned();
    tmp_name.push(".tmp");
    let tmp = path.with_file_name(tmp_name);
    let mut file = fs::File::create(&tmp)?;
    file.write_all(data)?;
    file.sync_all()?;
    drop(file);
    fs::rename(&tmp, path)
}

/// Reads a file, with `None` when it does not exist.
pub fn read_optional(path: &Path) -> io::Result<Option<String>> {
    match fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(err) => Err(err),
    }
}

/// The work directory of one job execution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobDir {
    root: PathBuf,
}

impl JobDir {
    /// The directory of job `job_id` under the engine's `work_dir` (made absolute, since the
    /// job runs with it as its current directory). Validates the id; creates nothing.
    pub fn new(work_dir: &Path, job_id: &str) -> Result<Self, EngineError> {
        validate_job_id(job_id)?;
        let root = std::path::absolute(work_dir.join(job_id))
            .map_err(|err| EngineError::internal(format!("cannot resolve work dir {}: {err}", work_dir.display())))?;
        Ok(Self { root })
    }

    /// Creates the directory and its state subdirectory.
    pub fn create(&self) -> io::Result<()> {
        fs::create_dir_all(self.state_dir())
    }

    /// Whether the directory exists.
    pub fn exists(&self) -> bool {
        self.root.is_dir()
    }

    /// The directory itself: the job's current directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The job's standard output.
    pub fn stdout(&self) -> PathBuf {
        self.root.join("stdout")
    }

    /// The job's standard error.
    pub fn stderr(&self) -> PathBuf {
        self.root.join("stderr")
    }

    fn state_dir(&self) -> PathBuf {
        self.root.join(STATE_DIR)
    }

    /// A file `name` in the engine's state subdirectory, for an engine's own facts.
    pub fn state_file(&self, name: &str) -> PathBuf {
        self.state_dir().join(name)
    }

    /// Where the launch is recorded.
    pub fn engine_id_file(&self) -> PathBuf {
        self.state_dir().join("engine_job_id")
    }

    /// Written just before the supervisor is spawned.
    pub fn launching_file(&self) -> PathBuf {
        self.state_dir().join("launching")
    }

    /// Where the supervisor writes its pid.
    pub fn pid_file(&self) -> PathBuf {
        self.state_dir().join("pid")
    }

    /// Where the supervisor writes the job's exit code.
    pub fn exit_file(&self) -> PathBuf {
        self.state_dir().join("exit_code")
    }

    /// The cancel-requested marker.
    pub fn cancel_file(&self) -> PathBuf {
        self.state_dir().join("cancel_requested")
    }

    /// Writes the job's binaries (each name once) and returns their paths, in order. The
    /// first one is made executable when `first_executable` (a Shell job's script).
    pub fn write_binaries(&self, binaries: &[Binary], first_executable: bool) -> Result<Vec<PathBuf>, EngineError> {
        let mut seen = HashSet::new();
        for binary in binaries {
            validate_binary_name(&binary.name)?;
            if !seen.insert(binary.name.as_str()) {
                return Err(EngineError::invalid_job(format!("two job binaries are named `{}`", binary.name)));
            }
        }
        let mut paths = Vec::with_capacity(binaries.len());
        for (index, binary) in binaries.iter().enumerate() {
            let mode = if index == 0 && first_executable { 0o755 } else { 0o644 };
            let path = self.root.join(&binary.name);
            write_with_mode(&path, &binary.data, mode)
                .map_err(|err| EngineError::internal(format!("cannot write {}: {err}", path.display())))?;
            paths.push(path);
        }
        Ok(paths)
    }

    /// The recorded launch, if any.
    pub fn recorded_engine_id(&self) -> Result<Option<EngineJobId>, EngineError> {
        let path = self.engine_id_file();
        let text = read_optional(&path).map_err(|err| io_error(&path, &err))?;
        text.map(|text| text.parse().map_err(|err: String| EngineError::internal(format!("{}: {err}", path.display()))))
            .transpose()
    }

    /// Records the launch, atomically.
    pub fn record_engine_id(&self, id: EngineJobId) -> io::Result<()> {
        write_atomic(&self.engine_id_file(), id.to_string().as_bytes())
    }

    /// The pid the supervisor wrote, if it wrote one completely.
    pub fn supervisor_pid(&self) -> Option<i32> {
        let text = read_optional(&self.pid_file()).ok()??;
        let pid: i32 = text.strip_suffix('\n')?.trim().parse().ok()?;
        (pid > 1).then_some(pid)
    }

    /// The job's exit code, once the supervisor recorded it. The supervisor writes the code
    /// and a newline in one write; anything without the newline is not complete yet.
    pub fn exit_code(&self) -> Option<i32> {
        let text = read_optional(&self.exit_file()).ok()??;
        text.strip_suffix('\n')?.trim().parse().ok()
    }

    /// When a cancel was first requested (Unix milliseconds), if ever.
    pub fn cancel_requested_at(&self) -> Option<i64> {
        let text = read_optional(&self.cancel_file()).ok()??;
        // A marker whose time cannot be read still means "cancel requested".
        Some(text.trim().parse().unwrap_or(0))
    }

    /// Records a cancel request at `now_millis` unless one is recorded already; returns the
    /// recorded time and whether this call recorded it.
    pub fn request_cancel(&self, now_millis: i64) -> io::Result<(i64, bool)> {
        if let Some(at) = self.cancel_requested_at() {
            return Ok((at, false));
        }
        self.create()?;
        write_atomic(&self.cancel_file(), now_millis.to_string().as_bytes())?;
        Ok((now_millis, true))
    }
}

/// Writes a file (replacing any) and sets its mode.
fn write_with_mode(path: &Path, data: &[u8], mode: u32) -> io::Result<()> {
    let mut file = fs::OpenOptions::new().write(true).create(true).truncate(true).mode(mode).open(path)?;
    file.write_all(data)?;
    file.sync_all()?;
    drop(file);
    // `mode` above applies only to a new file, and the umask may have narrowed it.
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
}

/// An engine error for a failed file operation.
pub fn io_error(path: &Path, err: &io::Error) -> EngineError {
    EngineError::internal(format!("{}: {err}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use edp_plugin_api::ErrorKind;

    #[test]
    fn job_ids_must_be_one_safe_path_component() {
        for good in ["a", "job-1", "7f3e_x.y", "..a", "A.B-c_9"] {
            assert!(validate_job_id(good).is_ok(), "{good:?} is fine");
        }
        for bad in ["", ".", "..", "a/b", "/abs", "a b", "é", "a\0b", "x;rm"] {
            let err = validate_job_id(bad).expect_err("must be rejected");
            assert_eq!(err.kind, ErrorKind::INVALID_JOB, "{bad:?}");
        }
    }

    #[test]
    fn binary_names_must_be_plain_and_not_reserved() {
        for good in ["script.sh", "wordcount.jar", "my lib.jar", ".hidden"] {
            assert!(validate_binary_name(good).is_ok(), "{good:?} is fine");
        }
        for bad in ["", ".", "..", "a/b", "../x", "x..y", "stdout", "stderr", ".edp", "a\0"] {
            assert!(validate_binary_name(bad).is_err(), "{bad:?} must be rejected");
        }
    }

    #[test]
    fn writes_binaries_with_modes_and_rejects_duplicates() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = JobDir::new(tmp.path(), "job-1").expect("valid id");
        dir.create().expect("create");
        let binaries = [
            Binary { name: "run.sh".into(), data: b"echo hi\n".to_vec() },
            Binary { name: "lib.jar".into(), data: vec![1, 2, 3] },
        ];
        let paths = dir.write_binaries(&binaries, true).expect("written");
        assert_eq!(paths, [dir.root().join("run.sh"), dir.root().join("lib.jar")]);
        let mode = |path: &Path| fs::metadata(path).expect("exists").permissions().mode() & 0o777;
        assert_eq!(mode(&paths[0]), 0o755);
        assert_eq!(mode(&paths[1]), 0o644);
        assert_eq!(fs::read(&paths[1]).expect("readable"), [1, 2, 3]);

        let twice = [binaries[1].clone(), binaries[1].clone()];
        assert!(dir.write_binaries(&twice, false).is_err());
    }

    #[test]
    fn state_files_round_trip_and_partial_writes_are_ignored() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = JobDir::new(tmp.path(), "j").expect("valid id");
        assert!(!dir.exists());
        dir.create().expect("create");
        assert!(dir.root().is_absolute());

        assert_eq!(dir.recorded_engine_id().expect("readable"), None);
        let id = EngineJobId { pid: 1234, start_time: 55 };
        dir.record_engine_id(id).expect("recorded");
        assert_eq!(dir.recorded_engine_id().expect("readable"), Some(id));

        assert_eq!(dir.exit_code(), None);
        fs::write(dir.exit_file(), "14").expect("write");
        assert_eq!(dir.exit_code(), None, "no newline yet: incomplete");
        fs::write(dir.exit_file(), "143\n").expect("write");
        assert_eq!(dir.exit_code(), Some(143));

        fs::write(dir.pid_file(), "").expect("write");
        assert_eq!(dir.supervisor_pid(), None);
        fs::write(dir.pid_file(), "4321\n").expect("write");
        assert_eq!(dir.supervisor_pid(), Some(4321));

        assert_eq!(dir.cancel_requested_at(), None);
        assert_eq!(dir.request_cancel(1000).expect("marker"), (1000, true));
        assert_eq!(dir.request_cancel(2000).expect("marker"), (1000, false));
        assert_eq!(dir.cancel_requested_at(), Some(1000));
    }
}
