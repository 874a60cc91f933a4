//! The embedded SQLite store.
//!
//! # Concurrency
//!
//! A [`SqliteStore`] on a file holds one **writer** connection behind a `Mutex` and a small pool
//! of **reader** connections. Every write goes through the writer, so writes from this process
//! are serialised, and every multi-statement write (read-modify-write such as `record_launch`)
//! runs in a `BEGIN IMMEDIATE` transaction, so it takes SQLite's write lock before reading and
//! cannot interleave with another process's writer either. Reads take an idle reader connection
//! (or open one when all are busy; at most [`MAX_IDLE_READERS`] are kept) and run in WAL mode
//! beside the writer: the poller's large active-executions read never blocks the API's writes.
//! Each read is one statement, so it sees one committed snapshot; a read after a write returns
//! sees that write.
//!
//! Several processes may open the same file: WAL mode lets readers run beside a writer, and the
//! `busy_timeout` makes a writer wait for another process's write lock instead of failing.
//!
//! An in-memory store ([`SqliteStore::open_in_memory`]) has a single connection: every read and
//! write goes through the writer `Mutex`.
//!
//! # Data
//!
//! The schema is built by versioned migrations ([`migrations`]). JSON values are stored as TEXT,
//! booleans as INTEGER 0/1, times as INTEGER Unix milliseconds, and a [`JobStatus`] as its name;
//! reading a name this binary does not know is an error. A trigger makes a terminal status final
//! in the database itself; the Rust methods check first and report
//! [`UpdateOutcome::AlreadyTerminal`] instead.

mod group_commit;
mod migrations;
#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use edp_plugin_api::JobStatus;
use rusqlite::types::{Type, Value as SqlValue};
use rusqlite::{Connection, OpenFlags, OptionalExtension, Row, ffi};
use serde_json::{Map, Value};

use crate::store::{
    ClusterRecordRow, DataSourceRow, ExecutionFilter, JobBinaryRow, JobExecutionRow, JobTemplateRow, Launched, Millis,
    Store, StoreError, Transition, UpdateOutcome, merge_objects,
};

/// How long a connection waits for another connection's lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_millis(5000);
/// Idle reader connections kept open for reuse.
const MAX_IDLE_READERS: usize = 16;
/// WAL pages that trigger a checkpoint (SQLite's default is 1,000). A checkpoint runs inside
/// the commit that crosses the threshold, with its `fsync`s, and every write waits behind it:
/// more pages mean rarer but longer waits. Measured with `edp-load` on the project's machine
/// before group commit, with `synchronous = NORMAL` (launches at a fixed 1,000/s, p99 over two
/// runs each): 1,000 pages 6.5 and 244 ms (stalls of 300 ms); 3,000 pages 14.9 and 14.3 ms;
/// 10,000 pages 38 and 40 ms. With group commit and durable commits: 3.9 ms at 3,000 pages.
const WAL_CHECKPOINT_PAGES: i64 = 3_000;
/// Prepared statements cached per connection (the execution listing has a few variants).
const STATEMENT_CACHE: usize = 64;

/// The non-terminal predicate. It must stay textually identical to the `WHERE` term of the
/// `job_executions_active` partial index (migration 1), or SQLite will not use that index.
const ACTIVE_PREDICATE: &str = "status NOT IN ('SUCCEEDED', 'FAILED', 'KILLED', 'DONEWITHERROR', 'SUSPENDFAILED')";

const CLUSTER_COLUMNS: &str = "id, project, name, cluster_type, version, status, info, is_public, is_protected, created_at, updated_at, description";
const JOB_BINARY_COLUMNS: &str = "id, project, name, description, url, is_public, is_protected, created_at, updated_at";
const DATA_SOURCE_COLUMNS: &str =
    "id, project, name, description, kind, url, is_public, is_protected, created_at, updated_at";
const JOB_TEMPLATE_COLUMNS: &str = "id, project, name, description, job_type, mains, libs, interface, is_public, \
                                    is_protected, created_at, updated_at";
const EXECUTION_COLUMNS: &str = "id, project, job_template_id, cluster_id, input_id, output_id, engine, \
                                 engine_job_id, status, engine_info, start_time, end_time, job_configs, extra, \
                                 data_source_urls, launch_attempts, is_public, is_protected, created_at, updated_at";

/// The embedded store: one SQLite file (or an in-memory database for tests and benches).
#[derive(Debug)]
pub struct SqliteStore {
    /// The one connection that writes (and, in memory, also reads).
    writer: group_commit::GroupWriter,
    /// Reader connections to the same file; `None` for an in-memory store.
    readers: Option<ReaderPool>,
}

/// Reader connections to the store's file, opened on demand and kept while idle.
#[derive(Debug)]
struct ReaderPool {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
}

impl ReaderPool {
    fn take(&self) -> Result<Connection, StoreError> {
        if let Some(connection) = lock(&self.idle).pop() {
            return Ok(connection);
        }
        open_reader(&self.path)
    }

    fn give_back(&self, connection: Connection) {
        let mut idle = lock(&self.idle);
        if idle.len() < MAX_IDLE_READERS {
            idle.push(connection);
        }
    }
}

impl SqliteStore {
    /// Opens (creating it and its parent directory if missing) the database at `path` and
    /// migrates it to this binary's schema. Refuses a database written by a newer edp-host.
    pub fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        if let Some(parent) = path.parent().filter(|parent| !parent.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|error| StoreError::Database {
                operation: "open",
                reason: format!("cannot create directory {}: {error}", parent.display()),
            })?;
        }
        let mut writer = Connection::open(path).map_err(|error| open_error(path, &error))?;
        configure(&writer, true)?;
        migrations::migrate(&mut writer)?;
        writer.pragma_update(None, "wal_autocheckpoint", WAL_CHECKPOINT_PAGES).map_err(database("open"))?;
        let store = SqliteStore {
            writer: group_commit::GroupWriter::new(writer),
            readers: Some(ReaderPool { path: path.to_owned(), idle: Mutex::new(Vec::new()) }),
        };
        // Fail now, not on the first read, if readers cannot open the file.
        let reader = open_reader(path)?;
        if let Some(readers) = &store.readers {
            readers.give_back(reader);
        }
        Ok(store)
    }

    /// A private in-memory database with the current schema, for tests and benchmarks. It has
    /// one connection, so reads and writes are serialised.
    pub fn open_in_memory() -> Result<SqliteStore, StoreError> {
        let mut connection = Connection::open_in_memory().map_err(database("open"))?;
        configure(&connection, false)?;
        migrations::migrate(&mut connection)?;
        Ok(SqliteStore { writer: group_commit::GroupWriter::new(connection), readers: None })
    }

    /// Makes every commit wait for the disk (`synchronous = FULL`), or not (`NORMAL`, the
    /// store's default; `edp-host` turns durable commits on unless `[host] durable_commits =
    /// false`). Either way a commit survives the process being killed; only with durable
    /// commits does it also survive a power cut or an OS crash, at the price of one `fsync` per
    /// commit, which group commit shares among the writes of a batch (see BENCHMARKS.md).
    pub fn set_durable_commits(&self, durable: bool) -> Result<(), StoreError> {
        let mode = if durable { "FULL" } else { "NORMAL" };
        self.writer
            .with_connection(|connection| connection.pragma_update(None, "synchronous", mode))
            .map_err(database("configure"))
    }

    /// Whether commits wait for the disk (see [`Self::set_durable_commits`]).
    pub fn durable_commits(&self) -> Result<bool, StoreError> {
        let level: i64 = self
            .writer
            .with_connection(|connection| connection.pragma_query_value(None, "synchronous", |row| row.get(0)))
            .map_err(database("configure"))?;
        // 2 is FULL, 3 EXTRA.
        Ok(level >= 2)
    }

    /// SQLite's `PRAGMA integrity_check`: `ok`, or what is damaged.
    pub fn integrity_check(&self) -> Result<String, StoreError> {
        self.read("integrity check", |connection| {
            let mut statement = connection.prepare("PRAGMA integrity_check")?;
            let lines =
                statement.query_map([], |row| row.get::<_, String>(0))?.collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(lines.join("\n"))
        })
    }

    /// Runs `read` on a reader connection (the writer, in memory).
    fn read<T>(
        &self,
        operation: &'static str,
        read: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> Result<T, StoreError> {
        match &self.readers {
            None => self.writer.with_connection(read).map_err(database(operation)),
            Some(readers) => {
                let connection = readers.take()?;
                let result = read(&connection);
                readers.give_back(connection);
                result.map_err(database(operation))
            }
        }
    }

    /// Runs `write` on the writer, in a transaction of its own or shared with other writes
    /// (group commit, see [`group_commit`]); returns once it is committed. A write that fails
    /// leaves nothing behind.
    fn write<T>(
        &self,
        operation: &'static str,
        write: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.writer.write(operation, write)
    }
}

/// Locks a mutex; a panic while it was held leaves a usable connection (an open transaction
/// rolls back when dropped), so poisoning is ignored.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Sets the pragmas every connection needs; `wal` for file databases.
fn configure(connection: &Connection, wal: bool) -> Result<(), StoreError> {
    let error = database("open");
    let mode = || -> rusqlite::Result<Option<String>> {
        connection.busy_timeout(BUSY_TIMEOUT)?;
        let mode = if wal {
            Some(connection.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get::<_, String>(0))?)
        } else {
            None
        };
        connection.pragma_update(None, "synchronous", "NORMAL")?;
        connection.pragma_update(None, "foreign_keys", "ON")?;
        connection.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        Ok(mode)
    };
    match mode().map_err(error)? {
        Some(mode) if !mode.eq_ignore_ascii_case("wal") => {
            Err(StoreError::Database { operation: "open", reason: format!("journal_mode is `{mode}`, not WAL") })
        }
        _ => Ok(()),
    }
}

fn open_reader(path: &Path) -> Result<Connection, StoreError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_URI | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let connection = Connection::open_with_flags(path, flags).map_err(|error| open_error(path, &error))?;
    connection.busy_timeout(BUSY_TIMEOUT).map_err(|error| open_error(path, &error))?;
    connection.pragma_update(None, "query_only", "ON").map_err(|error| open_error(path, &error))?;
    connection.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    Ok(connection)
}

fn open_error(path: &Path, error: &rusqlite::Error) -> StoreError {
    StoreError::Database { operation: "open", reason: format!("{}: {error}", path.display()) }
}

/// Maps a SQLite error to [`StoreError::Database`].
fn database(operation: &'static str) -> impl FnOnce(rusqlite::Error) -> StoreError {
    move |error| match error.sqlite_error_code() {
        Some(rusqlite::ErrorCode::DiskFull) => StoreError::Full { operation },
        Some(rusqlite::ErrorCode::ReadOnly | rusqlite::ErrorCode::CannotOpen) => {
            StoreError::ReadOnly { operation, reason: error.to_string() }
        }
        Some(rusqlite::ErrorCode::SystemIoFailure) => StoreError::Unavailable { operation, reason: error.to_string() },
        _ => StoreError::Database { operation, reason: error.to_string() },
    }
}

/// Maps an insert's or update's error: a clash on the primary key or on a unique key becomes
/// [`StoreError::Conflict`], naming the record.
fn write_error(
    operation: &'static str,
    error: rusqlite::Error,
    by_id: impl FnOnce() -> String,
    by_key: impl FnOnce() -> String,
) -> StoreError {
    match error.sqlite_extended_error_code() {
        Some(ffi::SQLITE_CONSTRAINT_PRIMARYKEY) => StoreError::Conflict { what: by_id() },
        Some(ffi::SQLITE_CONSTRAINT_UNIQUE) => StoreError::Conflict { what: by_key() },
        _ => database(operation)(error),
    }
}

fn to_json(operation: &'static str, value: &impl serde::Serialize) -> Result<String, StoreError> {
    serde_json::to_string(value)
        .map_err(|error| StoreError::Database { operation, reason: format!("cannot encode JSON: {error}") })
}

/// A status's name for the database; codes this binary does not know are refused.
fn status_name(operation: &'static str, status: JobStatus) -> Result<&'static str, StoreError> {
    status.name().ok_or_else(|| StoreError::Database { operation, reason: format!("unknown job status {status}") })
}

fn conversion_error(index: usize, error: impl std::error::Error + Send + Sync + 'static) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(index, Type::Text, Box::new(error))
}

fn json_column<T: serde::de::DeserializeOwned>(row: &Row<'_>, index: usize) -> rusqlite::Result<T> {
    let text = row.get_ref(index)?.as_str()?;
    serde_json::from_str(text).map_err(|error| conversion_error(index, error))
}

fn status_column(row: &Row<'_>, index: usize) -> rusqlite::Result<JobStatus> {
    let text = row.get_ref(index)?.as_str()?;
    text.parse().map_err(|error| conversion_error(index, error))
}

fn cluster_from_row(row: &Row<'_>) -> rusqlite::Result<ClusterRecordRow> {
    Ok(ClusterRecordRow {
        id: row.get(0)?,
        project: row.get(1)?,
        name: row.get(2)?,
        cluster_type: row.get(3)?,
        version: row.get(4)?,
        status: row.get(5)?,
        info: json_column(row, 6)?,
        is_public: row.get(7)?,
        is_protected: row.get(8)?,
        created_at: row.get(9)?,
        updated_at: row.get(10)?,
        description: row.get(11)?,
    })
}

fn job_binary_from_row(row: &Row<'_>) -> rusqlite::Result<JobBinaryRow> {
    Ok(JobBinaryRow {
        id: row.get(0)?,
        project: row.get(1)?,
        name: row.get(2)?,
        description: row.get(3)?,
        url: row.get(4)?,
        is_public: row.get(5)?,
        is_protected: row.get(6)?,
        created_at: row.get(7)?,
        updated_at: row.get(8)?,
    })
}

fn data_source_from_row(row: &Row<'_>) -> rusqlite::Result<DataSourceRow> {
    Ok(DataSourceRow {
        id: row.get(0)?,
        project: row.get(1)?,
        name: row.get(2)?,
        description: row.get(3)?,
        kind: row.get(4)?,
        url: row.get(5)?,
        is_public: row.get(6)?,
        is_protected: row.get(7)?,
        created_at: row.get(8)?,
        updated_at: row.get(9)?,
    })
}

fn job_template_from_row(row: &Row<'_>) -> rusqlite::Result<JobTemplateRow> {
    Ok(JobTemplateRow {
        id: row.get(0)?,
        project: row.get(1)?,
        name: row.get(2)?,
        description: row.get(3)?,
        job_type: row.get(4)?,
        mains: json_column(row, 5)?,
        libs: json_column(row, 6)?,
        interface: json_column(row, 7)?,
        is_public: row.get(8)?,
        is_protected: row.get(9)?,
        created_at: row.get(10)?,
        updated_at: row.get(11)?,
    })
}

fn execution_from_row(row: &Row<'_>) -> rusqlite::Result<JobExecutionRow> {
    Ok(JobExecutionRow {
        id: row.get(0)?,
        project: row.get(1)?,
        job_template_id: row.get(2)?,
        cluster_id: row.get(3)?,
        input_id: row.get(4)?,
        output_id: row.get(5)?,
        engine: row.get(6)?,
        engine_job_id: row.get(7)?,
        status: status_column(row, 8)?,
        engine_info: json_column(row, 9)?,
        start_time: row.get(10)?,
        end_time: row.get(11)?,
        job_configs: json_column(row, 12)?,
        extra: json_column(row, 13)?,
        data_source_urls: json_column(row, 14)?,
        launch_attempts: row.get(15)?,
        is_public: row.get(16)?,
        is_protected: row.get(17)?,
        created_at: row.get(18)?,
        updated_at: row.get(19)?,
    })
}

/// One row by id, or `None`.
fn select_one<T>(
    connection: &Connection,
    sql: &str,
    id: &str,
    from_row: fn(&Row<'_>) -> rusqlite::Result<T>,
) -> rusqlite::Result<Option<T>> {
    connection.prepare_cached(sql)?.query_row([id], from_row).optional()
}

/// Every row of a listing, optionally of one project.
fn select_all<T>(
    connection: &Connection,
    columns: &str,
    table: &str,
    project: Option<&str>,
    from_row: fn(&Row<'_>) -> rusqlite::Result<T>,
) -> rusqlite::Result<Vec<T>> {
    let filter = if project.is_some() { " WHERE project = ?1" } else { "" };
    let sql = format!("SELECT {columns} FROM {table}{filter} ORDER BY created_at, id");
    let mut statement = connection.prepare_cached(&sql)?;
    match project {
        Some(project) => statement.query_map([project], from_row)?.collect(),
        None => statement.query_map([], from_row)?.collect(),
    }
}

/// A row about to be inserted, as a conflict names it: its kind ("a job template"), its id, and
/// its name and project where names are unique per project.
struct NewRow<'a> {
    kind: &'static str,
    id: &'a str,
    named: Option<(&'a str, &'a str)>,
}

/// Inserts one row of `columns` (comma-separated) into `table`; a clash on the primary key or
/// on a unique key becomes [`StoreError::Conflict`] naming `row`.
fn insert_row(
    connection: &Connection,
    operation: &'static str,
    table: &str,
    columns: &str,
    row: &NewRow<'_>,
    params: impl rusqlite::Params,
) -> Result<(), StoreError> {
    let placeholders: Vec<String> = (1..=columns.split(',').count()).map(|index| format!("?{index}")).collect();
    let sql = format!("INSERT INTO {table} ({columns}) VALUES ({})", placeholders.join(", "));
    connection.prepare_cached(&sql).and_then(|mut statement| statement.execute(params)).map(drop).map_err(|error| {
        let by_id = || format!("{} with id `{}`", row.kind, row.id);
        match row.named {
            Some((name, project)) => {
                write_error(operation, error, by_id, || format!("{} named `{name}` in project `{project}`", row.kind))
            }
            None => write_error(operation, error, by_id, by_id),
        }
    })
}

/// Inserts a job execution on `connection` (shared by the store and bulk-loading tests).
fn insert_execution(connection: &Connection, execution: &JobExecutionRow) -> Result<(), StoreError> {
    const OPERATION: &str = "insert job execution";
    let status = status_name(OPERATION, execution.status)?;
    let engine_info = to_json(OPERATION, &execution.engine_info)?;
    let job_configs = to_json(OPERATION, &execution.job_configs)?;
    let extra = to_json(OPERATION, &execution.extra)?;
    let data_source_urls = to_json(OPERATION, &execution.data_source_urls)?;
    insert_row(
        connection,
        OPERATION,
        "job_executions",
        EXECUTION_COLUMNS,
        &NewRow { kind: "a job execution", id: &execution.id, named: None },
        rusqlite::params![
            execution.id,
            execution.project,
            execution.job_template_id,
            execution.cluster_id,
            execution.input_id,
            execution.output_id,
            execution.engine,
            execution.engine_job_id,
            status,
            engine_info,
            execution.start_time,
            execution.end_time,
            job_configs,
            extra,
            data_source_urls,
            execution.launch_attempts,
            execution.is_public,
            execution.is_protected,
            execution.created_at,
            execution.updated_at
        ],
    )
}

/// The status of an execution inside a write transaction.
fn status_in(connection: &Connection, id: &str) -> rusqlite::Result<Option<JobStatus>> {
    connection
        .prepare_cached("SELECT status FROM job_executions WHERE id = ?1")?
        .query_row([id], |row| status_column(row, 0))
        .optional()
}

/// Runs a one-statement write that reports whether it changed a row.
fn changed(
    connection: &Connection,
    operation: &'static str,
    sql: &str,
    params: impl rusqlite::Params,
) -> Result<bool, StoreError> {
    let count = connection.prepare_cached(sql).and_then(|mut statement| statement.execute(params));
    Ok(count.map_err(database(operation))? > 0)
}

impl Store for SqliteStore {
    fn insert_cluster(&self, cluster: &ClusterRecordRow) -> Result<(), StoreError> {
        const OPERATION: &str = "insert cluster";
        let info = to_json(OPERATION, &cluster.info)?;
        self.write(OPERATION, |connection| {
            insert_row(
                connection,
                OPERATION,
                "clusters",
                CLUSTER_COLUMNS,
                &NewRow { kind: "a cluster", id: &cluster.id, named: Some((&cluster.name, &cluster.project)) },
                rusqlite::params![
                    cluster.id,
                    cluster.project,
                    cluster.name,
                    cluster.cluster_type,
                    cluster.version,
                    cluster.status,
                    info,
                    cluster.is_public,
                    cluster.is_protected,
                    cluster.created_at,
                    cluster.updated_at,
                    cluster.description
                ],
            )
        })
    }

    fn cluster(&self, id: &str) -> Result<Option<ClusterRecordRow>, StoreError> {
        self.read("read cluster", |connection| {
            select_one(
                connection,
                &format!("SELECT {CLUSTER_COLUMNS} FROM clusters WHERE id = ?1"),
                id,
                cluster_from_row,
            )
        })
    }

    fn clusters(&self, project: Option<&str>) -> Result<Vec<ClusterRecordRow>, StoreError> {
        self.read("list clusters", |connection| {
            select_all(connection, CLUSTER_COLUMNS, "clusters", project, cluster_from_row)
        })
    }

    fn update_cluster(&self, cluster: &ClusterRecordRow) -> Result<bool, StoreError> {
        const OPERATION: &str = "update cluster";
        let info = to_json(OPERATION, &cluster.info)?;
        self.write(OPERATION, |connection| {
            let count = connection
                .prepare_cached(
                    "UPDATE clusters SET name = ?2, status = ?3, info = ?4, is_public = ?5, is_protected = ?6, \
                     updated_at = ?7, description = ?8 WHERE id = ?1",
                )
                .and_then(|mut statement| {
                    statement.execute(rusqlite::params![
                        cluster.id,
                        cluster.name,
                        cluster.status,
                        info,
                        cluster.is_public,
                        cluster.is_protected,
                        cluster.updated_at,
                        cluster.description,
                    ])
                })
                .map_err(|error| {
                    write_error(
                        OPERATION,
                        error,
                        || format!("a cluster with id `{}`", cluster.id),
                        || format!("a cluster named `{}` in project `{}`", cluster.name, cluster.project),
                    )
                })?;
            Ok(count > 0)
        })
    }

    fn delete_cluster(&self, id: &str) -> Result<bool, StoreError> {
        self.write("delete cluster", |connection| {
            changed(connection, "delete cluster", "DELETE FROM clusters WHERE id = ?1", [id])
        })
    }

    fn insert_job_binary(&self, binary: &JobBinaryRow, data: Option<&[u8]>) -> Result<(), StoreError> {
        const OPERATION: &str = "insert job binary";
        self.write(OPERATION, |connection| {
            insert_row(
                connection,
                OPERATION,
                "job_binaries",
                &format!("{JOB_BINARY_COLUMNS}, data"),
                &NewRow { kind: "a job binary", id: &binary.id, named: Some((&binary.name, &binary.project)) },
                rusqlite::params![
                    binary.id,
                    binary.project,
                    binary.name,
                    binary.description,
                    binary.url,
                    binary.is_public,
                    binary.is_protected,
                    binary.created_at,
                    binary.updated_at,
                    data
                ],
            )
        })
    }

    fn job_binary(&self, id: &str) -> Result<Option<JobBinaryRow>, StoreError> {
        self.read("read job binary", |connection| {
            select_one(
                connection,
                &format!("SELECT {JOB_BINARY_COLUMNS} FROM job_binaries WHERE id = ?1"),
                id,
                job_binary_from_row,
            )
        })
    }

    fn job_binary_data(&self, id: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.read("read job binary data", |connection| {
            let data = connection
                .prepare_cached("SELECT data FROM job_binaries WHERE id = ?1")?
                .query_row([id], |row| row.get::<_, Option<Vec<u8>>>(0))
                .optional()?;
            Ok(data.flatten())
        })
    }

    fn job_binaries(&self, project: Option<&str>) -> Result<Vec<JobBinaryRow>, StoreError> {
        self.read("list job binaries", |connection| {
            select_all(connection, JOB_BINARY_COLUMNS, "job_binaries", project, job_binary_from_row)
        })
    }

    fn delete_job_binary(&self, id: &str) -> Result<bool, StoreError> {
        const OPERATION: &str = "delete job binary";
        self.write(OPERATION, |transaction| {
            let name: Option<String> = transaction
                .prepare_cached("SELECT name FROM job_binaries WHERE id = ?1")
                .and_then(|mut statement| statement.query_row([id], |row| row.get(0)).optional())
                .map_err(database(OPERATION))?;
            let Some(name) = name else { return Ok(false) };
            let user: Option<(String, String)> = transaction
                .prepare_cached(
                    "SELECT id, name FROM job_templates \
                     WHERE EXISTS (SELECT 1 FROM json_each(job_templates.mains) WHERE json_each.value = ?1) \
                        OR EXISTS (SELECT 1 FROM json_each(job_templates.libs) WHERE json_each.value = ?1) \
                     ORDER BY created_at, id LIMIT 1",
                )
                .and_then(|mut statement| statement.query_row([id], |row| Ok((row.get(0)?, row.get(1)?))).optional())
                .map_err(database(OPERATION))?;
            if let Some((template_id, template_name)) = user {
                return Err(StoreError::InUse {
                    what: format!("job binary `{name}` ({id})"),
                    by: format!("job template `{template_name}` ({template_id})"),
                });
            }
            changed(transaction, OPERATION, "DELETE FROM job_binaries WHERE id = ?1", [id])
        })
    }

    fn insert_data_source(&self, source: &DataSourceRow) -> Result<(), StoreError> {
        const OPERATION: &str = "insert data source";
        self.write(OPERATION, |connection| {
            insert_row(
                connection,
                OPERATION,
                "data_sources",
                DATA_SOURCE_COLUMNS,
                &NewRow { kind: "a data source", id: &source.id, named: Some((&source.name, &source.project)) },
                rusqlite::params![
                    source.id,
                    source.project,
                    source.name,
                    source.description,
                    source.kind,
                    source.url,
                    source.is_public,
                    source.is_protected,
                    source.created_at,
                    source.updated_at
                ],
            )
        })
    }

    fn data_source(&self, id: &str) -> Result<Option<DataSourceRow>, StoreError> {
        self.read("read data source", |connection| {
            select_one(
                connection,
                &format!("SELECT {DATA_SOURCE_COLUMNS} FROM data_sources WHERE id = ?1"),
                id,
                data_source_from_row,
            )
        })
    }

    fn data_source_by_name(&self, project: &str, name: &str) -> Result<Option<DataSourceRow>, StoreError> {
        self.read("read data source", |connection| {
            connection
                .prepare_cached(&format!(
                    "SELECT {DATA_SOURCE_COLUMNS} FROM data_sources WHERE project = ?1 AND name = ?2"
                ))?
                .query_row([project, name], data_source_from_row)
                .optional()
        })
    }

    fn data_sources(&self, project: Option<&str>) -> Result<Vec<DataSourceRow>, StoreError> {
        self.read("list data sources", |connection| {
            select_all(connection, DATA_SOURCE_COLUMNS, "data_sources", project, data_source_from_row)
        })
    }

    fn delete_data_source(&self, id: &str) -> Result<bool, StoreError> {
        self.write("delete data source", |connection| {
            changed(connection, "delete data source", "DELETE FROM data_sources WHERE id = ?1", [id])
        })
    }

    fn insert_job_template(&self, template: &JobTemplateRow) -> Result<(), StoreError> {
        const OPERATION: &str = "insert job template";
        let mains = to_json(OPERATION, &template.mains)?;
        let libs = to_json(OPERATION, &template.libs)?;
        let interface = to_json(OPERATION, &template.interface)?;
        self.write(OPERATION, |connection| {
            insert_row(
                connection,
                OPERATION,
                "job_templates",
                JOB_TEMPLATE_COLUMNS,
                &NewRow { kind: "a job template", id: &template.id, named: Some((&template.name, &template.project)) },
                rusqlite::params![
                    template.id,
                    template.project,
                    template.name,
                    template.description,
                    template.job_type,
                    mains,
                    libs,
                    interface,
                    template.is_public,
                    template.is_protected,
                    template.created_at,
                    template.updated_at
                ],
            )
        })
    }

    fn job_template(&self, id: &str) -> Result<Option<JobTemplateRow>, StoreError> {
        self.read("read job template", |connection| {
            select_one(
                connection,
                &format!("SELECT {JOB_TEMPLATE_COLUMNS} FROM job_templates WHERE id = ?1"),
                id,
                job_template_from_row,
            )
        })
    }

    fn job_templates(&self, project: Option<&str>) -> Result<Vec<JobTemplateRow>, StoreError> {
        self.read("list job templates", |connection| {
            select_all(connection, JOB_TEMPLATE_COLUMNS, "job_templates", project, job_template_from_row)
        })
    }

    fn delete_job_template(&self, id: &str) -> Result<bool, StoreError> {
        const OPERATION: &str = "delete job template";
        self.write(OPERATION, |transaction| {
            let name: Option<String> = transaction
                .prepare_cached("SELECT name FROM job_templates WHERE id = ?1")
                .and_then(|mut statement| statement.query_row([id], |row| row.get(0)).optional())
                .map_err(database(OPERATION))?;
            let Some(name) = name else { return Ok(false) };
            let users: i64 = transaction
                .prepare_cached("SELECT COUNT(*) FROM job_executions WHERE job_template_id = ?1")
                .and_then(|mut statement| statement.query_row([id], |row| row.get(0)))
                .map_err(database(OPERATION))?;
            if users > 0 {
                let noun = if users == 1 { "job execution" } else { "job executions" };
                return Err(StoreError::InUse {
                    what: format!("job template `{name}` ({id})"),
                    by: format!("{users} {noun}"),
                });
            }
            changed(transaction, OPERATION, "DELETE FROM job_templates WHERE id = ?1", [id])
        })
    }

    fn insert_job_execution(&self, execution: &JobExecutionRow) -> Result<(), StoreError> {
        self.write("insert job execution", |connection| insert_execution(connection, execution))
    }

    fn job_execution(&self, id: &str) -> Result<Option<JobExecutionRow>, StoreError> {
        self.read("read job execution", |connection| {
            select_one(
                connection,
                &format!("SELECT {EXECUTION_COLUMNS} FROM job_executions WHERE id = ?1"),
                id,
                execution_from_row,
            )
        })
    }

    fn job_executions(&self, filter: &ExecutionFilter) -> Result<Vec<JobExecutionRow>, StoreError> {
        let mut conditions: Vec<String> = Vec::new();
        let mut params: Vec<SqlValue> = Vec::new();
        if filter.active_only {
            conditions.push(ACTIVE_PREDICATE.to_owned());
        }
        if let Some(project) = &filter.project {
            params.push(SqlValue::Text(project.clone()));
            if filter.or_public {
                conditions.push(format!("(project = ?{} OR is_public = 1)", params.len()));
            } else {
                conditions.push(format!("project = ?{}", params.len()));
            }
        }
        if let Some(cluster_id) = &filter.cluster_id {
            params.push(SqlValue::Text(cluster_id.clone()));
            conditions.push(format!("cluster_id = ?{}", params.len()));
        }
        if let Some(statuses) = &filter.statuses {
            // Codes this binary does not know are never stored, so they match nothing.
            let names: Vec<&str> = statuses.iter().filter_map(|status| status.name()).collect();
            if names.is_empty() {
                return Ok(Vec::new());
            }
            let mut placeholders = Vec::with_capacity(names.len());
            for name in names {
                params.push(SqlValue::Text(name.to_owned()));
                placeholders.push(format!("?{}", params.len()));
            }
            conditions.push(format!("status IN ({})", placeholders.join(", ")));
        }
        if let Some(after_id) = &filter.after_id {
            // An unknown `after_id` yields no rows (its subquery is NULL).
            params.push(SqlValue::Text(after_id.clone()));
            conditions.push(format!(
                "(created_at, id) > (SELECT created_at, id FROM job_executions WHERE id = ?{})",
                params.len()
            ));
        }
        if let Some((created_at, id)) = &filter.after_position {
            params.push(SqlValue::Integer(*created_at));
            params.push(SqlValue::Text(id.clone()));
            conditions.push(format!("(created_at, id) > (?{}, ?{})", params.len() - 1, params.len()));
        }
        let mut sql = format!("SELECT {EXECUTION_COLUMNS} FROM job_executions");
        if !conditions.is_empty() {
            sql.push_str(" WHERE ");
            sql.push_str(&conditions.join(" AND "));
        }
        sql.push_str(" ORDER BY created_at, id");
        if let Some(limit) = filter.limit {
            params.push(SqlValue::Integer(i64::try_from(limit).unwrap_or(i64::MAX)));
            sql.push_str(&format!(" LIMIT ?{}", params.len()));
        }
        self.read("list job executions", |connection| {
            let mut statement = connection.prepare_cached(&sql)?;
            let rows = statement.query_map(rusqlite::params_from_iter(params), execution_from_row)?;
            rows.collect()
        })
    }

    fn job_execution_status(&self, id: &str) -> Result<Option<JobStatus>, StoreError> {
        self.read("read job execution status", |connection| {
            connection
                .prepare_cached("SELECT status FROM job_executions WHERE id = ?1")?
                .query_row([id], |row| status_column(row, 0))
                .optional()
        })
    }

    fn mark_launch_attempt(&self, id: &str, now: Millis) -> Result<bool, StoreError> {
        self.write("mark launch attempt", |connection| {
            changed(
                connection,
                "mark launch attempt",
                "UPDATE job_executions SET launch_attempts = launch_attempts + 1, updated_at = ?2 WHERE id = ?1",
                rusqlite::params![id, now],
            )
        })
    }

    fn record_launch(&self, id: &str, launched: &Launched) -> Result<UpdateOutcome, StoreError> {
        const OPERATION: &str = "record launch";
        let status = match launched.status {
            Some(status) if status.is_terminal() => {
                return Err(StoreError::Database {
                    operation: OPERATION,
                    reason: format!(
                        "cannot record a launch in terminal status {status}: terminal statuses go through \
                         `transition`"
                    ),
                });
            }
            Some(status) => Some(status_name(OPERATION, status)?),
            None => None,
        };
        let data_source_urls = to_json(OPERATION, &launched.data_source_urls)?;
        let job_configs = to_json(OPERATION, &launched.job_configs)?;
        self.write(OPERATION, |transaction| {
            let current = transaction
                .prepare_cached("SELECT status, extra FROM job_executions WHERE id = ?1")
                .and_then(|mut statement| {
                    statement
                        .query_row([id], |row| Ok((status_column(row, 0)?, json_column::<Map<String, Value>>(row, 1)?)))
                        .optional()
                })
                .map_err(database(OPERATION))?;
            let Some((current_status, mut extra)) = current else { return Ok(UpdateOutcome::Missing) };
            if current_status.is_terminal() {
                return Ok(UpdateOutcome::AlreadyTerminal(current_status));
            }
            merge_objects(&mut extra, &launched.extra);
            let extra = to_json(OPERATION, &extra)?;
            changed(
                transaction,
                OPERATION,
                "UPDATE job_executions SET engine_job_id = ?2, start_time = ?3, status = CASE WHEN status = 'TOBEKILLED' THEN status ELSE COALESCE(?4, status) END, \
                 extra = ?5, data_source_urls = ?6, job_configs = ?7, updated_at = ?3 WHERE id = ?1",
                rusqlite::params![
                    id,
                    launched.engine_job_id,
                    launched.now,
                    status,
                    extra,
                    data_source_urls,
                    job_configs
                ],
            )?;
            Ok(UpdateOutcome::Applied)
        })
    }

    fn transition(&self, id: &str, transition: &Transition) -> Result<UpdateOutcome, StoreError> {
        const OPERATION: &str = "transition job execution";
        let status = status_name(OPERATION, transition.status)?;
        let engine_info = transition.engine_info.as_ref().map(|info| to_json(OPERATION, info)).transpose()?;
        self.write(OPERATION, |transaction| {
            let Some(current) = status_in(transaction, id).map_err(database(OPERATION))? else {
                return Ok(UpdateOutcome::Missing);
            };
            if current.is_terminal() {
                return Ok(UpdateOutcome::AlreadyTerminal(current));
            }
            let sql = if transition.status.is_terminal() {
                "UPDATE job_executions SET status = ?2, engine_info = COALESCE(?3, engine_info), updated_at = ?4, \
                 end_time = ?4, start_time = COALESCE(start_time, ?4) WHERE id = ?1"
            } else {
                "UPDATE job_executions SET status = ?2, engine_info = COALESCE(?3, engine_info), updated_at = ?4 \
                 WHERE id = ?1"
            };
            changed(transaction, OPERATION, sql, rusqlite::params![id, status, engine_info, transition.now])?;
            Ok(UpdateOutcome::Applied)
        })
    }

    fn set_execution_flags(
        &self,
        id: &str,
        is_public: Option<bool>,
        is_protected: Option<bool>,
        now: Millis,
    ) -> Result<bool, StoreError> {
        self.write("set job execution flags", |connection| {
            changed(
                connection,
                "set job execution flags",
                "UPDATE job_executions SET is_public = COALESCE(?2, is_public), \
                 is_protected = COALESCE(?3, is_protected), updated_at = ?4 WHERE id = ?1",
                rusqlite::params![id, is_public, is_protected, now],
            )
        })
    }

    fn delete_job_execution(&self, id: &str) -> Result<bool, StoreError> {
        self.write("delete job execution", |connection| {
            changed(connection, "delete job execution", "DELETE FROM job_executions WHERE id = ?1", [id])
        })
    }
}
