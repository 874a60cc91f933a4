//! Versioned schema migrations for the SQLite store.
//!
//! Each migration has a version, applied in ascending order, each in its own `BEGIN IMMEDIATE`
//! transaction together with its row in `schema_migrations`. Migrations are history: once
//! released, a migration's SQL never changes; a schema change is a new migration appended to
//! [`MIGRATIONS`]. A database whose highest recorded version is above the last one this binary
//! knows was written by a newer edp-host and is refused.
//!
//! Two processes opening the same file at once are safe: the version is re-read inside each
//! migration's write transaction, so a migration another process applied first is skipped.

use std::time::{SystemTime, UNIX_EPOCH};

use rusqlite::{Connection, OptionalExtension, TransactionBehavior};

use crate::store::StoreError;

/// One schema change.
pub(super) struct Migration {
    /// Its version; versions are consecutive from 1.
    pub(super) version: i64,
    /// What it does, for logs.
    pub(super) description: &'static str,
    /// The SQL, run as one batch.
    pub(super) sql: &'static str,
}

/// Every migration, in order.
pub(super) const MIGRATIONS: &[Migration] = &[
    Migration { version: 1, description: "initial schema", sql: V1_INITIAL_SCHEMA },
    Migration { version: 2, description: "cluster descriptions", sql: V2_CLUSTER_DESCRIPTION },
    Migration { version: 3, description: "status listings in listing order", sql: V3_STATUS_IN_LISTING_ORDER },
];

/// Registered clusters get Sahara's `description`.
const V2_CLUSTER_DESCRIPTION: &str = "ALTER TABLE clusters ADD COLUMN description TEXT NOT NULL DEFAULT '';";

/// A page of executions in one status (`GET /v2/jobs?status=RUNNING&limit=20`) reads the
/// status index in listing order instead of sorting every execution in that status.
const V3_STATUS_IN_LISTING_ORDER: &str = "DROP INDEX job_executions_status;
CREATE INDEX job_executions_status ON job_executions (status, created_at, id);";

/// The schema version this binary writes.
pub(super) const LATEST_VERSION: i64 = MIGRATIONS[MIGRATIONS.len() - 1].version;

/// The table recording applied migrations.
const CREATE_SCHEMA_MIGRATIONS: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    applied_at INTEGER NOT NULL
)";

/// Version 1: the whole initial schema.
///
/// Notes:
/// - JSON values are TEXT; booleans INTEGER 0/1; times INTEGER Unix milliseconds (UTC).
/// - `job_executions` has no foreign keys: clusters and data sources may go while their
///   executions remain; the job manager handles that. Template deletion is guarded in code.
/// - `job_executions_active` is a partial index over the non-terminal executions, in listing
///   order; the store's active predicate must stay textually identical to its `WHERE` term so
///   SQLite can use it (a test checks the query plan).
/// - The `job_executions_terminal_is_final` trigger makes a terminal status final even for
///   writers that bypass the store's own check.
const V1_INITIAL_SCHEMA: &str = "
CREATE TABLE clusters (
    id TEXT PRIMARY KEY NOT NULL,
    project TEXT NOT NULL,
    name TEXT NOT NULL,
    cluster_type TEXT NOT NULL,
    version TEXT NOT NULL,
    status TEXT NOT NULL,
    info TEXT NOT NULL,
    is_public INTEGER NOT NULL,
    is_protected INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (project, name)
) STRICT;

CREATE TABLE job_binaries (
    id TEXT PRIMARY KEY NOT NULL,
    project TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    url TEXT NOT NULL,
    data BLOB NULL,
    is_public INTEGER NOT NULL,
    is_protected INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX job_binaries_project ON job_binaries (project, created_at, id);

CREATE TABLE data_sources (
    id TEXT PRIMARY KEY NOT NULL,
    project TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    kind TEXT NOT NULL,
    url TEXT NOT NULL,
    is_public INTEGER NOT NULL,
    is_protected INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (project, name)
) STRICT;

CREATE TABLE job_templates (
    id TEXT PRIMARY KEY NOT NULL,
    project TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    job_type TEXT NOT NULL,
    mains TEXT NOT NULL,
    libs TEXT NOT NULL,
    interface TEXT NOT NULL,
    is_public INTEGER NOT NULL,
    is_protected INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (project, name)
) STRICT;

CREATE TABLE job_executions (
    id TEXT PRIMARY KEY NOT NULL,
    project TEXT NOT NULL,
    job_template_id TEXT NOT NULL,
    cluster_id TEXT NOT NULL,
    input_id TEXT NULL,
    output_id TEXT NULL,
    engine TEXT NOT NULL,
    engine_job_id TEXT NULL,
    status TEXT NOT NULL,
    engine_info TEXT NOT NULL,
    start_time INTEGER NULL,
    end_time INTEGER NULL,
    job_configs TEXT NOT NULL,
    extra TEXT NOT NULL,
    data_source_urls TEXT NOT NULL,
    launch_attempts INTEGER NOT NULL DEFAULT 0,
    is_public INTEGER NOT NULL,
    is_protected INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX job_executions_status ON job_executions (status);
CREATE INDEX job_executions_order ON job_executions (created_at, id);
CREATE INDEX job_executions_project ON job_executions (project, created_at, id);
CREATE INDEX job_executions_cluster ON job_executions (cluster_id);
CREATE INDEX job_executions_template ON job_executions (job_template_id);
CREATE INDEX job_executions_active ON job_executions (created_at, id)
    WHERE status NOT IN ('SUCCEEDED', 'FAILED', 'KILLED', 'DONEWITHERROR', 'SUSPENDFAILED');

CREATE TRIGGER job_executions_terminal_is_final
BEFORE UPDATE OF status ON job_executions
WHEN OLD.status IN ('SUCCEEDED', 'FAILED', 'KILLED', 'DONEWITHERROR', 'SUSPENDFAILED')
    AND NEW.status <> OLD.status
BEGIN
    SELECT RAISE(ABORT, 'job execution is in a terminal status, which never changes');
END;
";

/// Brings the database to [`LATEST_VERSION`]; returns the versions applied (none when it was
/// up to date).
pub(super) fn migrate(connection: &mut Connection) -> Result<Vec<i64>, StoreError> {
    const OPERATION: &str = "migrate";
    let error = |error: rusqlite::Error| StoreError::Database { operation: OPERATION, reason: error.to_string() };
    connection.execute_batch(CREATE_SCHEMA_MIGRATIONS).map_err(error)?;
    check_not_newer(current_version(connection).map_err(error)?)?;

    let mut applied = Vec::new();
    for migration in MIGRATIONS {
        let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate).map_err(error)?;
        // Re-read under the write lock: another process may have migrated meanwhile.
        let current = current_version(&transaction).map_err(error)?;
        check_not_newer(current)?;
        if migration.version <= current {
            continue;
        }
        transaction.execute_batch(migration.sql).map_err(|source| StoreError::Database {
            operation: OPERATION,
            reason: format!("migration {} ({}): {source}", migration.version, migration.description),
        })?;
        transaction
            .execute(
                "INSERT INTO schema_migrations (version, applied_at) VALUES (?1, ?2)",
                (migration.version, now_millis()),
            )
            .map_err(error)?;
        transaction.commit().map_err(error)?;
        tracing::info!(version = migration.version, description = migration.description, "applied store migration");
        applied.push(migration.version);
    }
    Ok(applied)
}

/// The highest applied version, 0 for a new database.
pub(super) fn current_version(connection: &Connection) -> rusqlite::Result<i64> {
    connection
        .query_row("SELECT MAX(version) FROM schema_migrations", [], |row| row.get::<_, Option<i64>>(0))
        .optional()
        .map(|version| version.flatten().unwrap_or(0))
}

fn check_not_newer(version: i64) -> Result<(), StoreError> {
    if version > LATEST_VERSION {
        return Err(StoreError::Database {
            operation: "migrate",
            reason: format!(
                "database schema version {version} is newer than this edp-host supports ({LATEST_VERSION}); \
                 upgrade edp-host"
            ),
        });
    }
    Ok(())
}

fn now_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX))
}
