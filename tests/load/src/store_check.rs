//! The server's SQLite store read after it stopped: `PRAGMA integrity_check` and the job
//! executions it holds (table `job_executions`, host/src/store/sqlite/migrations.rs).

use std::collections::HashSet;
use std::path::Path;

use anyhow::Context as _;
use rusqlite::{Connection, OpenFlags};

/// What the store holds.
#[derive(Debug, Clone)]
pub(crate) struct StoreFacts {
    /// `PRAGMA integrity_check`'s answer (`ok` when intact).
    pub(crate) integrity: String,
    /// The ids of every job execution.
    pub(crate) execution_ids: HashSet<String>,
}

/// Reads `edp.sqlite` at `path` (read-only).
pub(crate) fn read(path: &Path) -> anyhow::Result<StoreFacts> {
    let db = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .with_context(|| format!("cannot open {}", path.display()))?;
    let mut check = db.prepare("PRAGMA integrity_check")?;
    let lines: Vec<String> = check.query_map([], |row| row.get(0))?.collect::<Result<_, _>>()?;
    let mut ids = db.prepare("SELECT id FROM job_executions")?;
    let execution_ids = ids.query_map([], |row| row.get(0))?.collect::<Result<_, _>>()?;
    Ok(StoreFacts { integrity: lines.join("; "), execution_ids })
}
