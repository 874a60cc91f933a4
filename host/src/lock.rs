//! One host process per data directory: `serve` and `run` hold an exclusive lock on
//! `<data_dir>/edp-host.lock` for as long as they use the store.

use std::fs::{File, OpenOptions};
use std::io::{Read as _, Seek as _, SeekFrom, Write as _};
use std::path::{Path, PathBuf};

use rustix::fs::{FlockOperation, flock};

/// The lock; released when dropped (or when the process dies, whatever way it dies).
#[derive(Debug)]
pub struct DataDirLock {
    _file: File,
}

/// Why the lock could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another process holds it.
    #[error("the data directory {} is in use by another edp-host ({holder}); stop it, or use another --data-dir", dir.display())]
    Held {
        /// The data directory.
        dir: PathBuf,
        /// Who holds it, as it wrote itself down.
        holder: String,
    },
    /// The lock file could not be created.
    #[error("cannot lock the data directory {}: {reason}", dir.display())]
    Io {
        /// The data directory.
        dir: PathBuf,
        /// Why.
        reason: String,
    },
}

impl DataDirLock {
    /// Takes the lock of `data_dir` (creating the directory) for `purpose` (e.g. `serve`).
    pub fn acquire(data_dir: &Path, purpose: &str) -> Result<DataDirLock, LockError> {
        let io = |err: std::io::Error| LockError::Io { dir: data_dir.to_owned(), reason: err.to_string() };
        std::fs::create_dir_all(data_dir).map_err(io)?;
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(data_dir.join("edp-host.lock"))
            .map_err(io)?;
        if flock(&file, FlockOperation::NonBlockingLockExclusive).is_err() {
            let mut holder = String::new();
            let _ = file.read_to_string(&mut holder);
            let holder = if holder.trim().is_empty() { "unknown process".to_owned() } else { holder.trim().to_owned() };
            return Err(LockError::Held { dir: data_dir.to_owned(), holder });
        }
        file.set_len(0).map_err(io)?;
        file.seek(SeekFrom::Start(0)).map_err(io)?;
        write!(file, "pid {}, `edp-host {purpose}`", std::process::id()).map_err(io)?;
        Ok(DataDirLock { _file: file })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_is_refused_with_the_first_ones_name_until_it_lets_go() {
        let dir = tempfile::tempdir().expect("temp dir");
        let first = DataDirLock::acquire(dir.path(), "serve").expect("first lock");
        let err = DataDirLock::acquire(dir.path(), "run").expect_err("held");
        let text = err.to_string();
        assert!(text.contains(&format!("pid {}, `edp-host serve`", std::process::id())), "{text}");
        drop(first);
        DataDirLock::acquire(dir.path(), "run").expect("free again");
    }
}
