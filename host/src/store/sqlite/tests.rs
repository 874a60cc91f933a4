//! Tests of the SQLite store, on real database files in temporary directories.

use std::sync::Arc;

use edp_plugin_api::JobStatus;
use serde_json::{Map, Value, json};
use tempfile::TempDir;

use super::migrations::{self, LATEST_VERSION, MIGRATIONS};
use super::{ACTIVE_PREDICATE, SqliteStore, insert_execution};
use crate::store::{
    ClusterRecordRow, DataSourceRow, ExecutionFilter, JobBinaryRow, JobExecutionRow, JobTemplateRow, Launched, Millis,
    Store, StoreError, Transition, UpdateOutcome,
};

// ---------------------------------------------------------------------------------------------
// Fixtures

struct Fixture {
    dir: TempDir,
    store: SqliteStore,
}

impl Fixture {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("temporary directory");
        let store = SqliteStore::open(&dir.path().join("edp.db")).expect("open store");
        Fixture { dir, store }
    }

    fn path(&self) -> std::path::PathBuf {
        self.dir.path().join("edp.db")
    }

    fn reopen(&self) -> SqliteStore {
        SqliteStore::open(&self.path()).expect("reopen store")
    }

    /// A plain connection to the file, bypassing the store.
    fn raw(&self) -> rusqlite::Connection {
        let connection = rusqlite::Connection::open(self.path()).expect("raw connection");
        connection.busy_timeout(std::time::Duration::from_secs(5)).expect("busy timeout");
        connection
    }
}

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}

fn cluster(id: &str, project: &str, name: &str) -> ClusterRecordRow {
    ClusterRecordRow {
        id: id.to_owned(),
        project: project.to_owned(),
        name: name.to_owned(),
        description: String::new(),
        cluster_type: "vanilla".to_owned(),
        version: "2.7.1".to_owned(),
        status: "Active".to_owned(),
        info: object(json!({"oozie_url": "http://oozie:11000/oozie", "nested": {"a": [1, 2]}})),
        is_public: true,
        is_protected: false,
        created_at: 1_000,
        updated_at: 1_001,
    }
}

fn binary(id: &str, project: &str, name: &str) -> JobBinaryRow {
    JobBinaryRow {
        id: id.to_owned(),
        project: project.to_owned(),
        name: name.to_owned(),
        description: "the wordcount jar".to_owned(),
        url: format!("internal-db://{id}"),
        is_public: false,
        is_protected: true,
        created_at: 2_000,
        updated_at: 2_001,
    }
}

fn data_source(id: &str, project: &str, name: &str) -> DataSourceRow {
    DataSourceRow {
        id: id.to_owned(),
        project: project.to_owned(),
        name: name.to_owned(),
        description: "input".to_owned(),
        kind: "hdfs".to_owned(),
        url: "hdfs://nn/user/%JOB_EXEC_ID%/in".to_owned(),
        is_public: true,
        is_protected: true,
        created_at: 3_000,
        updated_at: 3_001,
    }
}

fn template(id: &str, project: &str, name: &str, mains: &[&str], libs: &[&str]) -> JobTemplateRow {
    JobTemplateRow {
        id: id.to_owned(),
        project: project.to_owned(),
        name: name.to_owned(),
        description: "wordcount".to_owned(),
        job_type: "MapReduce".to_owned(),
        mains: mains.iter().map(|main| (*main).to_owned()).collect(),
        libs: libs.iter().map(|lib| (*lib).to_owned()).collect(),
        interface: json!([{"name": "reducers", "mapping_type": "configs", "required": false}]),
        is_public: false,
        is_protected: false,
        created_at: 4_000,
        updated_at: 4_001,
    }
}

fn execution(id: &str, project: &str, cluster_id: &str, status: JobStatus, created_at: i64) -> JobExecutionRow {
    JobExecutionRow {
        id: id.to_owned(),
        project: project.to_owned(),
        job_template_id: "t1".to_owned(),
        cluster_id: cluster_id.to_owned(),
        input_id: Some("ds-in".to_owned()),
        output_id: None,
        engine: "oozie".to_owned(),
        engine_job_id: None,
        status,
        engine_info: object(json!({"status": status.name()})),
        start_time: None,
        end_time: None,
        job_configs: json!({"configs": {"mapred.reduce.tasks": "1"}, "args": ["a"], "params": {}}),
        extra: object(json!({"kept": 1, "replaced": "old"})),
        data_source_urls: Map::new(),
        launch_attempts: 0,
        is_public: false,
        is_protected: false,
        created_at,
        updated_at: created_at,
    }
}

fn launched(now: i64) -> Launched {
    Launched {
        engine_job_id: Some("0000001-150915094349962-oozie-hado-W".to_owned()),
        status: Some(JobStatus::RUNNING),
        extra: object(json!({"replaced": "new", "added": {"spark-path": "/tmp/x"}})),
        data_source_urls: object(json!({"ds-in": "hdfs://nn/user/e1/in"})),
        job_configs: json!({"configs": {"mapred.reduce.tasks": "2"}, "args": ["hdfs://nn/in"]}),
        now,
    }
}

fn ids(rows: &[JobExecutionRow]) -> Vec<&str> {
    rows.iter().map(|row| row.id.as_str()).collect()
}

fn expect_database_error<T: std::fmt::Debug>(result: Result<T, StoreError>) -> (&'static str, String) {
    match result {
        Err(StoreError::Database { operation, reason }) => (operation, reason),
        other => panic!("expected a database error, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Opening and migrations

#[test]
fn first_open_creates_directory_schema_and_records_migrations() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("state").join("nested").join("edp.db");
    let store = SqliteStore::open(&path).expect("open store");
    assert!(path.is_file(), "the database file and its parent directories are created");

    store.writer.with_connection(|connection| {
        let tables: Vec<String> = connection
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            .expect("prepare")
            .query_map([], |row| row.get(0))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows");
        for table in
            ["clusters", "data_sources", "job_binaries", "job_executions", "job_templates", "schema_migrations"]
        {
            assert!(tables.iter().any(|name| name == table), "table {table} missing from {tables:?}");
        }
        let versions: Vec<i64> = connection
            .prepare("SELECT version FROM schema_migrations ORDER BY version")
            .expect("prepare")
            .query_map([], |row| row.get(0))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows");
        let expected: Vec<i64> = MIGRATIONS.iter().map(|migration| migration.version).collect();
        assert_eq!(versions, expected);
        assert_eq!(versions.last(), Some(&LATEST_VERSION));

        let journal: String = connection.query_row("PRAGMA journal_mode", [], |row| row.get(0)).expect("journal mode");
        assert_eq!(journal, "wal");
        let foreign_keys: i64 = connection.query_row("PRAGMA foreign_keys", [], |row| row.get(0)).expect("fk");
        assert_eq!(foreign_keys, 1);
        let synchronous: i64 = connection.query_row("PRAGMA synchronous", [], |row| row.get(0)).expect("sync");
        assert_eq!(synchronous, 1, "synchronous = NORMAL");
    });
}

#[test]
fn migration_versions_are_consecutive_from_one() {
    for (index, migration) in MIGRATIONS.iter().enumerate() {
        assert_eq!(migration.version, i64::try_from(index).expect("small") + 1);
    }
}

fn applied_migrations(path: &std::path::Path) -> Vec<(i64, i64)> {
    let connection = rusqlite::Connection::open(path).expect("raw connection");
    let mut statement =
        connection.prepare("SELECT version, applied_at FROM schema_migrations ORDER BY version").expect("prepare");
    statement
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows")
}

#[test]
fn reopen_applies_nothing_and_data_persists() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("edp.db");
    let store = SqliteStore::open(&path).expect("open");
    store.insert_cluster(&cluster("c1", "p1", "one")).expect("insert");
    store.insert_job_binary(&binary("b1", "p1", "main.jar"), Some(b"bytes")).expect("insert");
    let before = applied_migrations(&path);
    assert_eq!(before.len(), MIGRATIONS.len());
    drop(store);

    let reopened = SqliteStore::open(&path).expect("reopen");
    assert_eq!(reopened.cluster("c1").expect("read"), Some(cluster("c1", "p1", "one")));
    assert_eq!(reopened.job_binary_data("b1").expect("read"), Some(b"bytes".to_vec()));
    assert_eq!(applied_migrations(&path), before, "reopening records no migration");

    let mut connection = rusqlite::Connection::open(&path).expect("raw connection");
    assert_eq!(migrations::migrate(&mut connection).expect("migrate"), Vec::<i64>::new());
}

#[test]
fn fresh_database_applies_every_migration_once() {
    let mut connection = rusqlite::Connection::open_in_memory().expect("memory");
    let applied = migrations::migrate(&mut connection).expect("migrate");
    assert_eq!(applied, MIGRATIONS.iter().map(|migration| migration.version).collect::<Vec<_>>());
    assert!(migrations::migrate(&mut connection).expect("migrate again").is_empty());
    assert_eq!(migrations::current_version(&connection).expect("version"), LATEST_VERSION);
}

#[test]
fn newer_schema_version_is_refused() {
    let fixture = Fixture::new();
    fixture
        .raw()
        .execute("INSERT INTO schema_migrations (version, applied_at) VALUES (?1, 0)", [LATEST_VERSION + 1])
        .expect("insert future version");

    let (operation, reason) = expect_database_error(SqliteStore::open(&fixture.path()));
    assert_eq!(operation, "migrate");
    assert_eq!(
        reason,
        format!(
            "database schema version {} is newer than this edp-host supports ({LATEST_VERSION}); upgrade edp-host",
            LATEST_VERSION + 1
        )
    );
}

#[test]
fn a_file_that_is_not_a_database_is_refused() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("edp.db");
    std::fs::write(&path, vec![b'x'; 4096]).expect("write junk");
    let (operation, _) = expect_database_error(SqliteStore::open(&path));
    assert_eq!(operation, "open");
}

#[test]
fn in_memory_store_has_the_schema_and_works() {
    let store = SqliteStore::open_in_memory().expect("open in memory");
    assert!(store.readers.is_none());
    store.insert_job_execution(&execution("e1", "p1", "c1", JobStatus::PENDING, 10)).expect("insert");
    assert_eq!(store.job_execution_status("e1").expect("status"), Some(JobStatus::PENDING));
    let version = store.writer.with_connection(migrations::current_version).expect("version");
    assert_eq!(version, LATEST_VERSION);
}

#[test]
fn store_is_shareable_as_a_trait_object() {
    fn assert_send_sync<T: Send + Sync + 'static>() {}
    assert_send_sync::<SqliteStore>();
    let fixture = Fixture::new();
    let shared: Arc<dyn Store> = Arc::new(fixture.reopen());
    let threads: Vec<_> = (0..4)
        .map(|thread| {
            let store = Arc::clone(&shared);
            std::thread::spawn(move || {
                for index in 0..25 {
                    let id = format!("e-{thread}-{index}");
                    store.insert_job_execution(&execution(&id, "p1", "c1", JobStatus::PENDING, index)).expect("insert");
                    assert_eq!(store.job_execution_status(&id).expect("status"), Some(JobStatus::PENDING));
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().expect("thread");
    }
    assert_eq!(shared.job_executions(&ExecutionFilter::default()).expect("list").len(), 100);
}

// ---------------------------------------------------------------------------------------------
// Round trips

#[test]
fn clusters_round_trip() {
    let fixture = Fixture::new();
    let store = &fixture.store;
    let mut second = cluster("c2", "p2", "two");
    second.created_at = 500;
    second.info = Map::new();
    second.is_public = false;
    second.is_protected = true;
    store.insert_cluster(&cluster("c1", "p1", "one")).expect("insert c1");
    store.insert_cluster(&second).expect("insert c2");

    assert_eq!(store.cluster("c1").expect("read"), Some(cluster("c1", "p1", "one")));
    assert_eq!(store.cluster("c2").expect("read"), Some(second.clone()));
    assert_eq!(store.cluster("nope").expect("read"), None);
    assert_eq!(store.clusters(None).expect("list"), vec![second.clone(), cluster("c1", "p1", "one")], "by creation");
    assert_eq!(store.clusters(Some("p1")).expect("list"), vec![cluster("c1", "p1", "one")]);
    assert!(store.clusters(Some("p3")).expect("list").is_empty());

    let mut updated = cluster("c1", "p1", "renamed");
    updated.status = "Error".to_owned();
    updated.info = object(json!({"spark_master": "spark://m:7077"}));
    updated.is_public = false;
    updated.is_protected = true;
    updated.updated_at = 9_999;
    // Immutable fields in the argument are ignored.
    let mut argument = updated.clone();
    argument.cluster_type = "spark".to_owned();
    argument.created_at = 1;
    assert!(store.update_cluster(&argument).expect("update"));
    assert_eq!(store.cluster("c1").expect("read"), Some(updated));
    assert!(!store.update_cluster(&cluster("nope", "p1", "x")).expect("update missing"));

    assert!(store.delete_cluster("c1").expect("delete"));
    assert!(!store.delete_cluster("c1").expect("delete again"));
    assert_eq!(store.cluster("c1").expect("read"), None);
    assert_eq!(store.clusters(None).expect("list"), vec![second]);
}

#[test]
fn job_binaries_round_trip_with_and_without_data() {
    let fixture = Fixture::new();
    let store = &fixture.store;
    let bytes: Vec<u8> = (0..=255).collect();
    let mut external = binary("b2", "p2", "lib.jar");
    external.url = "swift://container/lib.jar".to_owned();
    store.insert_job_binary(&binary("b1", "p1", "main.jar"), Some(&bytes)).expect("insert b1");
    store.insert_job_binary(&external, None).expect("insert b2");

    assert_eq!(store.job_binary("b1").expect("read"), Some(binary("b1", "p1", "main.jar")));
    assert_eq!(store.job_binary_data("b1").expect("data"), Some(bytes));
    assert_eq!(store.job_binary_data("b2").expect("data"), None);
    assert_eq!(store.job_binary_data("nope").expect("data"), None);
    assert_eq!(store.job_binaries(None).expect("list"), vec![binary("b1", "p1", "main.jar"), external.clone()]);
    assert_eq!(store.job_binaries(Some("p2")).expect("list"), vec![external]);

    store.insert_job_binary(&binary("b3", "p1", "empty.jar"), Some(&[])).expect("insert empty");
    assert_eq!(store.job_binary_data("b3").expect("data"), Some(Vec::new()), "empty bytes are not `None`");

    assert!(store.delete_job_binary("b1").expect("delete"));
    assert!(!store.delete_job_binary("b1").expect("delete again"));
    assert_eq!(store.job_binary("b1").expect("read"), None);
    assert_eq!(store.job_binary_data("b1").expect("data"), None);
}

#[test]
fn data_sources_round_trip() {
    let fixture = Fixture::new();
    let store = &fixture.store;
    store.insert_data_source(&data_source("d1", "p1", "input")).expect("insert");
    store.insert_data_source(&data_source("d2", "p2", "input")).expect("same name, other project");

    assert_eq!(store.data_source("d1").expect("read"), Some(data_source("d1", "p1", "input")));
    assert_eq!(store.data_source_by_name("p2", "input").expect("by name"), Some(data_source("d2", "p2", "input")));
    assert_eq!(store.data_source_by_name("p1", "output").expect("by name"), None);
    assert_eq!(store.data_sources(Some("p1")).expect("list"), vec![data_source("d1", "p1", "input")]);
    assert_eq!(store.data_sources(None).expect("list").len(), 2);

    assert!(store.delete_data_source("d1").expect("delete"));
    assert!(!store.delete_data_source("d1").expect("delete again"));
    assert_eq!(store.data_source("d1").expect("read"), None);
}

#[test]
fn job_templates_round_trip() {
    let fixture = Fixture::new();
    let store = &fixture.store;
    let first = template("t1", "p1", "wordcount", &["b1"], &["b2", "b3"]);
    let mut second = template("t2", "p1", "pi", &[], &[]);
    second.interface = Value::Null;
    second.created_at = 1;
    store.insert_job_template(&first).expect("insert t1");
    store.insert_job_template(&second).expect("insert t2");

    assert_eq!(store.job_template("t1").expect("read"), Some(first.clone()));
    assert_eq!(store.job_template("t2").expect("read"), Some(second.clone()));
    assert_eq!(store.job_template("nope").expect("read"), None);
    assert_eq!(store.job_templates(Some("p1")).expect("list"), vec![second, first]);
    assert!(store.job_templates(Some("p2")).expect("list").is_empty());

    assert!(store.delete_job_template("t1").expect("delete"));
    assert!(!store.delete_job_template("t1").expect("delete again"));
    assert_eq!(store.job_templates(None).expect("list").len(), 1);
}

#[test]
fn job_executions_round_trip_every_field() {
    let fixture = Fixture::new();
    let store = &fixture.store;
    let mut full = execution("e1", "p1", "c1", JobStatus::RUNNING, 100);
    full.output_id = Some("ds-out".to_owned());
    full.engine_job_id = Some("pid@instance".to_owned());
    full.start_time = Some(150);
    full.end_time = Some(160);
    full.data_source_urls = object(json!({"ds-in": "hdfs://x"}));
    full.launch_attempts = 3;
    full.is_public = true;
    full.is_protected = true;
    full.updated_at = 170;
    let sparse = execution("e2", "p1", "c1", JobStatus::PENDING, 200);
    store.insert_job_execution(&full).expect("insert e1");
    store.insert_job_execution(&sparse).expect("insert e2");

    assert_eq!(store.job_execution("e1").expect("read"), Some(full.clone()));
    assert_eq!(store.job_execution("e2").expect("read"), Some(sparse.clone()));
    assert_eq!(store.job_execution("nope").expect("read"), None);
    assert_eq!(store.job_executions(&ExecutionFilter::default()).expect("list"), vec![full, sparse]);
    assert_eq!(store.job_execution_status("e1").expect("status"), Some(JobStatus::RUNNING));
    assert_eq!(store.job_execution_status("nope").expect("status"), None);

    let stored: String = fixture
        .raw()
        .query_row("SELECT status FROM job_executions WHERE id = 'e1'", [], |row| row.get(0))
        .expect("raw status");
    assert_eq!(stored, "RUNNING", "statuses are stored by name");

    assert!(store.delete_job_execution("e1").expect("delete"));
    assert!(!store.delete_job_execution("e1").expect("delete again"));
    assert_eq!(store.job_execution("e1").expect("read"), None);
}

#[test]
fn every_known_status_round_trips() {
    let fixture = Fixture::new();
    for (index, status) in JobStatus::ALL.into_iter().enumerate() {
        let id = format!("e{index}");
        fixture.store.insert_job_execution(&execution(&id, "p1", "c1", status, 1)).expect("insert");
        assert_eq!(fixture.store.job_execution_status(&id).expect("status"), Some(status));
        assert_eq!(fixture.store.job_execution(&id).expect("read").map(|row| row.status), Some(status));
    }
}

#[test]
fn unknown_status_codes_are_not_written_and_unknown_names_not_read() {
    let fixture = Fixture::new();
    let (operation, _) = expect_database_error(fixture.store.insert_job_execution(&execution(
        "e1",
        "p1",
        "c1",
        JobStatus::from_raw(200),
        1,
    )));
    assert_eq!(operation, "insert job execution");
    assert_eq!(fixture.store.job_execution("e1").expect("read"), None);

    fixture.store.insert_job_execution(&execution("e2", "p1", "c1", JobStatus::PENDING, 1)).expect("insert");
    fixture.raw().execute("UPDATE job_executions SET status = 'Pending' WHERE id = 'e2'", []).expect("raw update");
    let (_, reason) = expect_database_error(fixture.store.job_execution_status("e2"));
    assert!(reason.contains("unknown job status `Pending`"), "{reason}");
    expect_database_error(fixture.store.job_execution("e2"));
    expect_database_error(fixture.store.job_executions(&ExecutionFilter::default()));

    let transition = Transition { status: JobStatus::from_raw(200), engine_info: None, now: 5 };
    expect_database_error(fixture.store.transition("e2", &transition));
}

// ---------------------------------------------------------------------------------------------
// Conflicts and dependents

#[test]
fn unique_names_conflict_within_a_project() {
    let fixture = Fixture::new();
    let store = &fixture.store;
    store.insert_cluster(&cluster("c1", "p1", "one")).expect("insert");
    match store.insert_cluster(&cluster("c2", "p1", "one")) {
        Err(StoreError::Conflict { what }) => assert_eq!(what, "a cluster named `one` in project `p1`"),
        other => panic!("expected a conflict, got {other:?}"),
    }
    match store.insert_cluster(&cluster("c1", "p1", "other")) {
        Err(StoreError::Conflict { what }) => assert_eq!(what, "a cluster with id `c1`"),
        other => panic!("expected a conflict, got {other:?}"),
    }
    store.insert_cluster(&cluster("c3", "p2", "one")).expect("same name in another project");
    store.insert_cluster(&cluster("c4", "p1", "four")).expect("insert");
    match store.update_cluster(&cluster("c4", "p1", "one")) {
        Err(StoreError::Conflict { what }) => assert_eq!(what, "a cluster named `one` in project `p1`"),
        other => panic!("expected a conflict on rename, got {other:?}"),
    }
    assert_eq!(store.cluster("c4").expect("read").map(|row| row.name), Some("four".to_owned()));

    store.insert_data_source(&data_source("d1", "p1", "input")).expect("insert");
    match store.insert_data_source(&data_source("d2", "p1", "input")) {
        Err(StoreError::Conflict { what }) => assert_eq!(what, "a data source named `input` in project `p1`"),
        other => panic!("expected a conflict, got {other:?}"),
    }

    store.insert_job_template(&template("t1", "p1", "wc", &[], &[])).expect("insert");
    match store.insert_job_template(&template("t2", "p1", "wc", &[], &[])) {
        Err(StoreError::Conflict { what }) => assert_eq!(what, "a job template named `wc` in project `p1`"),
        other => panic!("expected a conflict, got {other:?}"),
    }

    store.insert_job_binary(&binary("b1", "p1", "x.jar"), None).expect("insert");
    store.insert_job_binary(&binary("b2", "p1", "x.jar"), None).expect("binary names need not be unique");
    assert!(matches!(store.insert_job_binary(&binary("b1", "p1", "y.jar"), None), Err(StoreError::Conflict { .. })));

    store.insert_job_execution(&execution("e1", "p1", "c1", JobStatus::PENDING, 1)).expect("insert");
    match store.insert_job_execution(&execution("e1", "p1", "c1", JobStatus::PENDING, 1)) {
        Err(StoreError::Conflict { what }) => assert_eq!(what, "a job execution with id `e1`"),
        other => panic!("expected a conflict, got {other:?}"),
    }
}

#[test]
fn a_job_binary_used_by_a_template_cannot_be_deleted() {
    let fixture = Fixture::new();
    let store = &fixture.store;
    for id in ["b1", "b2", "b3"] {
        store.insert_job_binary(&binary(id, "p1", &format!("{id}.jar")), Some(b"jar")).expect("insert");
    }
    store.insert_job_template(&template("t1", "p1", "wc", &["b1"], &["b2"])).expect("insert");

    match store.delete_job_binary("b1") {
        Err(StoreError::InUse { what, by }) => {
            assert_eq!(what, "job binary `b1.jar` (b1)");
            assert_eq!(by, "job template `wc` (t1)");
        }
        other => panic!("expected in use (main), got {other:?}"),
    }
    assert!(matches!(store.delete_job_binary("b2"), Err(StoreError::InUse { .. })), "libs count too");
    assert!(store.job_binary("b1").expect("read").is_some(), "still there");
    assert!(store.delete_job_binary("b3").expect("unused binary is deleted"));

    assert!(store.delete_job_template("t1").expect("delete template"));
    assert!(store.delete_job_binary("b1").expect("delete freed binary"));
    assert!(store.delete_job_binary("b2").expect("delete freed binary"));
}

#[test]
fn a_job_template_used_by_executions_cannot_be_deleted() {
    let fixture = Fixture::new();
    let store = &fixture.store;
    store.insert_job_template(&template("t1", "p1", "wc", &[], &[])).expect("insert");
    store.insert_job_execution(&execution("e1", "p1", "c1", JobStatus::PENDING, 1)).expect("insert");
    store.insert_job_execution(&execution("e2", "p1", "c1", JobStatus::SUCCEEDED, 2)).expect("insert");

    match store.delete_job_template("t1") {
        Err(StoreError::InUse { what, by }) => {
            assert_eq!(what, "job template `wc` (t1)");
            assert_eq!(by, "2 job executions");
        }
        other => panic!("expected in use, got {other:?}"),
    }
    assert!(store.delete_job_execution("e1").expect("delete"));
    assert!(store.delete_job_execution("e2").expect("delete"));
    assert!(store.delete_job_template("t1").expect("delete unused template"));
}

#[test]
fn a_cluster_can_be_deleted_while_its_executions_remain() {
    let fixture = Fixture::new();
    fixture.store.insert_cluster(&cluster("c1", "p1", "one")).expect("insert");
    fixture.store.insert_job_execution(&execution("e1", "p1", "c1", JobStatus::RUNNING, 1)).expect("insert");
    assert!(fixture.store.delete_cluster("c1").expect("delete"));
    assert_eq!(fixture.store.job_execution("e1").expect("read").map(|row| row.cluster_id), Some("c1".to_owned()));
}

// ---------------------------------------------------------------------------------------------
// Launches and transitions

#[test]
fn record_launch_writes_every_field_and_merges_extra() {
    let fixture = Fixture::new();
    let store = &fixture.store;
    let original = execution("e1", "p1", "c1", JobStatus::PENDING, 100);
    store.insert_job_execution(&original).expect("insert");

    assert_eq!(store.record_launch("e1", &launched(500)).expect("launch"), UpdateOutcome::Applied);
    let row = store.job_execution("e1").expect("read").expect("present");
    let mut expected = original;
    expected.engine_job_id = Some("0000001-150915094349962-oozie-hado-W".to_owned());
    expected.status = JobStatus::RUNNING;
    expected.start_time = Some(500);
    expected.updated_at = 500;
    expected.extra = object(json!({"kept": 1, "replaced": "new", "added": {"spark-path": "/tmp/x"}}));
    expected.data_source_urls = object(json!({"ds-in": "hdfs://nn/user/e1/in"}));
    expected.job_configs = json!({"configs": {"mapred.reduce.tasks": "2"}, "args": ["hdfs://nn/in"]});
    assert_eq!(row, expected);

    // A second launch (recovery) with no status keeps the status, merges again, replaces URLs.
    let mut again = launched(900);
    again.status = None;
    again.engine_job_id = Some("second".to_owned());
    again.extra = object(json!({"kept": 2}));
    again.data_source_urls = Map::new();
    assert_eq!(store.record_launch("e1", &again).expect("launch"), UpdateOutcome::Applied);
    let row = store.job_execution("e1").expect("read").expect("present");
    assert_eq!(row.status, JobStatus::RUNNING);
    assert_eq!(row.engine_job_id.as_deref(), Some("second"));
    assert_eq!(row.start_time, Some(900));
    assert_eq!(row.extra, object(json!({"kept": 2, "replaced": "new", "added": {"spark-path": "/tmp/x"}})));
    assert!(row.data_source_urls.is_empty());
    assert_eq!(row.end_time, None);
}

#[test]
fn a_launch_recorded_after_a_cancel_arrived_keeps_tobekilled() {
    let fixture = Fixture::new();
    let store = &fixture.store;
    store.insert_job_execution(&execution("e1", "p1", "c1", JobStatus::TOBEKILLED, 100)).expect("insert");
    assert_eq!(store.record_launch("e1", &launched(500)).expect("launch"), UpdateOutcome::Applied);
    let row = store.job_execution("e1").expect("read").expect("present");
    assert_eq!(row.status, JobStatus::TOBEKILLED, "the cancel is not forgotten");
    assert_eq!(
        row.engine_job_id.as_deref(),
        Some("0000001-150915094349962-oozie-hado-W"),
        "the id the cancel needs is recorded"
    );
}

#[test]
fn record_launch_refuses_terminal_statuses_and_missing_or_terminal_executions() {
    let fixture = Fixture::new();
    let store = &fixture.store;
    assert_eq!(store.record_launch("nope", &launched(5)).expect("launch"), UpdateOutcome::Missing);

    store.insert_job_execution(&execution("e1", "p1", "c1", JobStatus::PENDING, 1)).expect("insert");
    let mut terminal = launched(5);
    terminal.status = Some(JobStatus::KILLED);
    let (operation, reason) = expect_database_error(store.record_launch("e1", &terminal));
    assert_eq!(operation, "record launch");
    assert!(reason.contains("terminal statuses go through `transition`"), "{reason}");
    assert_eq!(store.job_execution_status("e1").expect("status"), Some(JobStatus::PENDING));

    let kill = Transition { status: JobStatus::KILLED, engine_info: None, now: 10 };
    assert_eq!(store.transition("e1", &kill).expect("transition"), UpdateOutcome::Applied);
    let before = store.job_execution("e1").expect("read");
    assert_eq!(
        store.record_launch("e1", &launched(20)).expect("launch"),
        UpdateOutcome::AlreadyTerminal(JobStatus::KILLED)
    );
    assert_eq!(store.job_execution("e1").expect("read"), before, "a terminal execution is untouched");
}

#[test]
fn transitions_set_status_info_and_times() {
    let fixture = Fixture::new();
    let store = &fixture.store;
    store.insert_job_execution(&execution("e1", "p1", "c1", JobStatus::PENDING, 1)).expect("insert");
    store.insert_job_execution(&execution("e2", "p1", "c1", JobStatus::PENDING, 2)).expect("insert");

    // Non-terminal, with info.
    let running = Transition {
        status: JobStatus::RUNNING,
        engine_info: Some(object(json!({"status": "RUNNING", "actions": []}))),
        now: 10,
    };
    assert_eq!(store.transition("e1", &running).expect("transition"), UpdateOutcome::Applied);
    let row = store.job_execution("e1").expect("read").expect("present");
    assert_eq!(row.status, JobStatus::RUNNING);
    assert_eq!(row.engine_info, object(json!({"status": "RUNNING", "actions": []})));
    assert_eq!((row.start_time, row.end_time, row.updated_at), (None, None, 10));

    // Terminal, without info: info kept, end time set, start time filled in.
    let succeeded = Transition { status: JobStatus::SUCCEEDED, engine_info: None, now: 20 };
    assert_eq!(store.transition("e1", &succeeded).expect("transition"), UpdateOutcome::Applied);
    let row = store.job_execution("e1").expect("read").expect("present");
    assert_eq!(row.status, JobStatus::SUCCEEDED);
    assert_eq!(row.engine_info, object(json!({"status": "RUNNING", "actions": []})));
    assert_eq!((row.start_time, row.end_time, row.updated_at), (Some(20), Some(20), 20));

    // Terminal after a launch: the launch's start time is kept.
    assert_eq!(store.record_launch("e2", &launched(30)).expect("launch"), UpdateOutcome::Applied);
    let failed = Transition { status: JobStatus::FAILED, engine_info: Some(Map::new()), now: 40 };
    assert_eq!(store.transition("e2", &failed).expect("transition"), UpdateOutcome::Applied);
    let row = store.job_execution("e2").expect("read").expect("present");
    assert_eq!((row.status, row.start_time, row.end_time), (JobStatus::FAILED, Some(30), Some(40)));
    assert!(row.engine_info.is_empty(), "given info replaces");

    assert_eq!(store.transition("nope", &failed).expect("transition"), UpdateOutcome::Missing);
}

#[test]
fn a_terminal_status_never_changes() {
    let fixture = Fixture::new();
    let store = &fixture.store;
    for status in JobStatus::TERMINAL {
        let id = format!("e-{status}");
        store.insert_job_execution(&execution(&id, "p1", "c1", JobStatus::RUNNING, 1)).expect("insert");
        let done = Transition { status, engine_info: None, now: 10 };
        assert_eq!(store.transition(&id, &done).expect("transition"), UpdateOutcome::Applied);
        let before = store.job_execution(&id).expect("read");

        // Through the store: reported, not written, even to another terminal status or the same.
        for next in [JobStatus::RUNNING, JobStatus::KILLED, status] {
            let change = Transition { status: next, engine_info: Some(Map::new()), now: 99 };
            assert_eq!(store.transition(&id, &change).expect("transition"), UpdateOutcome::AlreadyTerminal(status));
        }
        assert_eq!(store.job_execution(&id).expect("read"), before);

        // Behind the store's back: the trigger refuses.
        let error = fixture
            .raw()
            .execute("UPDATE job_executions SET status = 'RUNNING' WHERE id = ?1", [&id])
            .expect_err("the trigger refuses");
        assert!(error.to_string().contains("terminal status, which never changes"), "{error}");
        assert_eq!(store.job_execution_status(&id).expect("status"), Some(status));
    }

    // Other columns of a terminal execution may still change (flags, deletion).
    let id = "e-SUCCEEDED";
    assert!(store.set_execution_flags(id, Some(true), None, 123).expect("flags"));
    let row = store.job_execution(id).expect("read").expect("present");
    assert_eq!((row.is_public, row.is_protected, row.updated_at), (true, false, 123));
    fixture.raw().execute("UPDATE job_executions SET status = 'SUCCEEDED' WHERE id = ?1", [id]).expect("same status");
}

#[test]
fn launch_attempts_and_flags() {
    let fixture = Fixture::new();
    let store = &fixture.store;
    store.insert_job_execution(&execution("e1", "p1", "c1", JobStatus::PENDING, 1)).expect("insert");
    assert!(store.mark_launch_attempt("e1", 10).expect("mark"));
    assert!(store.mark_launch_attempt("e1", 11).expect("mark"));
    let row = store.job_execution("e1").expect("read").expect("present");
    assert_eq!((row.launch_attempts, row.updated_at), (2, 11));
    assert!(!store.mark_launch_attempt("nope", 12).expect("mark missing"));

    assert!(store.set_execution_flags("e1", None, Some(true), 20).expect("flags"));
    let row = store.job_execution("e1").expect("read").expect("present");
    assert_eq!((row.is_public, row.is_protected, row.updated_at), (false, true, 20));
    assert!(store.set_execution_flags("e1", Some(true), Some(false), 21).expect("flags"));
    let row = store.job_execution("e1").expect("read").expect("present");
    assert_eq!((row.is_public, row.is_protected), (true, false));
    assert!(!store.set_execution_flags("nope", Some(true), None, 22).expect("flags missing"));
}

// ---------------------------------------------------------------------------------------------
// Listing executions

/// e1..e8 across two projects and clusters, with a creation-time tie (e3, e4) to check the id
/// tie-break; inserted out of order.
fn seeded() -> Fixture {
    let fixture = Fixture::new();
    let rows = [
        execution("e5", "p2", "c2", JobStatus::TOBEKILLED, 50),
        execution("e1", "p1", "c1", JobStatus::PENDING, 10),
        execution("e4", "p1", "c1", JobStatus::KILLED, 30),
        execution("e3", "p1", "c2", JobStatus::RUNNING, 30),
        execution("e2", "p1", "c1", JobStatus::SUCCEEDED, 20),
        execution("e6", "p2", "c1", JobStatus::SUSPENDED, 60),
        execution("e7", "p2", "c2", JobStatus::DONEWITHERROR, 70),
        execution("e8", "p1", "c1", JobStatus::RUNNING, 80),
    ];
    for row in &rows {
        fixture.store.insert_job_execution(row).expect("insert");
    }
    fixture
}

#[test]
fn listing_orders_by_creation_then_id() {
    let fixture = seeded();
    let all = fixture.store.job_executions(&ExecutionFilter::default()).expect("list");
    assert_eq!(ids(&all), ["e1", "e2", "e3", "e4", "e5", "e6", "e7", "e8"]);
}

#[test]
fn a_project_listing_can_include_other_projects_public_executions() {
    let fixture = seeded();
    assert!(fixture.store.set_execution_flags("e6", Some(true), None, 1).expect("flags"));
    let filter = ExecutionFilter { project: Some("p1".into()), or_public: true, ..Default::default() };
    let listed = fixture.store.job_executions(&filter).expect("list");
    assert!(ids(&listed).contains(&"e6"), "{:?}", ids(&listed));
    assert!(!ids(&listed).contains(&"e5"), "private executions of p2 stay hidden");
}

#[test]
fn listing_filters_by_each_field_and_combinations() {
    let fixture = seeded();
    let list = |filter: ExecutionFilter| fixture.store.job_executions(&filter).expect("list");

    assert_eq!(ids(&list(ExecutionFilter { active_only: true, ..Default::default() })), ["e1", "e3", "e5", "e6", "e8"]);
    assert_eq!(ids(&list(ExecutionFilter { project: Some("p2".into()), ..Default::default() })), ["e5", "e6", "e7"]);
    assert_eq!(ids(&list(ExecutionFilter { cluster_id: Some("c2".into()), ..Default::default() })), ["e3", "e5", "e7"]);
    assert_eq!(
        ids(&list(ExecutionFilter {
            statuses: Some(vec![JobStatus::RUNNING, JobStatus::KILLED]),
            ..Default::default()
        })),
        ["e3", "e4", "e8"]
    );
    assert!(list(ExecutionFilter { statuses: Some(Vec::new()), ..Default::default() }).is_empty());
    assert!(list(ExecutionFilter { statuses: Some(vec![JobStatus::from_raw(200)]), ..Default::default() }).is_empty());
    assert_eq!(
        ids(&list(ExecutionFilter {
            project: Some("p1".into()),
            cluster_id: Some("c1".into()),
            active_only: true,
            ..Default::default()
        })),
        ["e1", "e8"]
    );
    assert_eq!(
        ids(&list(ExecutionFilter {
            statuses: Some(vec![JobStatus::SUCCEEDED, JobStatus::RUNNING]),
            active_only: true,
            ..Default::default()
        })),
        ["e3", "e8"],
        "active_only and statuses both apply"
    );
    assert!(list(ExecutionFilter { project: Some("p3".into()), ..Default::default() }).is_empty());
    assert_eq!(ids(&list(ExecutionFilter { limit: Some(3), ..Default::default() })), ["e1", "e2", "e3"]);
    assert!(list(ExecutionFilter { limit: Some(0), ..Default::default() }).is_empty());
}

#[test]
fn listing_pages_with_limit_and_after_id() {
    let fixture = seeded();
    let page = |after: Option<&str>, active_only: bool| {
        let filter =
            ExecutionFilter { limit: Some(2), after_id: after.map(str::to_owned), active_only, ..Default::default() };
        fixture.store.job_executions(&filter).expect("page")
    };

    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let rows = page(after.as_deref(), false);
        if rows.is_empty() {
            break;
        }
        assert!(rows.len() <= 2);
        seen.extend(rows.iter().map(|row| row.id.clone()));
        after = rows.last().map(|row| row.id.clone());
    }
    assert_eq!(seen, ["e1", "e2", "e3", "e4", "e5", "e6", "e7", "e8"]);

    // After the first of two rows created at the same time comes the second.
    assert_eq!(ids(&page(Some("e3"), false)), ["e4", "e5"]);
    // Pagination composes with the other filters; the marker itself need not match them.
    assert_eq!(ids(&page(Some("e2"), true)), ["e3", "e5"]);
    assert_eq!(ids(&page(Some("e8"), false)), Vec::<&str>::new());
    assert!(page(Some("no-such-id"), false).is_empty(), "an unknown marker yields nothing");
}

#[test]
fn commits_are_durable_only_when_asked() {
    let fixture = seeded();
    assert!(!fixture.store.durable_commits().expect("read"), "NORMAL by default");
    fixture.store.set_durable_commits(true).expect("set");
    assert!(fixture.store.durable_commits().expect("read"));
    fixture.store.insert_cluster(&cluster("durable", "p1", "durable")).expect("a durable write");
    fixture.store.set_durable_commits(false).expect("set");
    assert!(!fixture.store.durable_commits().expect("read"));
}

#[test]
fn listing_pages_by_position_even_when_the_last_row_seen_is_gone() {
    let fixture = seeded();
    let page = |after: Option<(Millis, String)>| {
        let filter = ExecutionFilter { limit: Some(3), after_position: after, ..Default::default() };
        fixture.store.job_executions(&filter).expect("page")
    };
    let first = page(None);
    assert_eq!(ids(&first), ["e1", "e2", "e3"]);
    let last = first.last().expect("a row");
    let position = (last.created_at, last.id.clone());
    assert!(fixture.store.delete_job_execution("e3").expect("delete"));
    assert_eq!(ids(&page(Some(position))), ["e4", "e5", "e6"], "the deleted e3 still marks the position");
}

#[test]
fn active_predicate_matches_the_terminal_statuses_and_uses_the_partial_index() {
    let mut names: Vec<&str> = JobStatus::TERMINAL.iter().map(|status| status.name().expect("named")).collect();
    names.sort_unstable();
    let listed = ACTIVE_PREDICATE
        .trim_start_matches("status NOT IN (")
        .trim_end_matches(')')
        .split(", ")
        .map(|name| name.trim_matches('\''));
    let mut listed: Vec<&str> = listed.collect();
    listed.sort_unstable();
    assert_eq!(listed, names);
    assert!(MIGRATIONS[0].sql.contains(&format!("WHERE {ACTIVE_PREDICATE};")), "index and query share the predicate");

    let fixture = seeded();
    let connection = fixture.raw();
    let plan = query_plan(
        &connection,
        &format!("SELECT id FROM job_executions WHERE {ACTIVE_PREDICATE} ORDER BY created_at, id"),
    );
    assert!(plan.contains("job_executions_active"), "plan: {plan}");
    assert!(!plan.contains("TEMP B-TREE"), "no sort needed: {plan}");
}

/// SQLite's plan for `sql`, one step a line.
fn query_plan(connection: &rusqlite::Connection, sql: &str) -> String {
    let plan: Vec<String> = connection
        .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
        .expect("prepare")
        .query_map([], |row| row.get::<_, String>(3))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    plan.join("\n")
}

#[test]
fn a_page_of_one_status_reads_the_status_index_in_listing_order() {
    let fixture = seeded();
    let connection = fixture.raw();
    let plan = query_plan(
        &connection,
        "SELECT id FROM job_executions WHERE (project = 'p1' OR is_public = 1) AND status IN ('RUNNING') \
         ORDER BY created_at, id LIMIT 21",
    );
    assert!(plan.contains("job_executions_status"), "plan: {plan}");
    assert!(!plan.contains("TEMP B-TREE"), "no sort of every execution in the status: {plan}");
}

// ---------------------------------------------------------------------------------------------
// Several stores on one file

#[test]
fn two_stores_on_one_file_see_each_others_writes() {
    let fixture = Fixture::new();
    let first = &fixture.store;
    let second = fixture.reopen();

    first.insert_job_execution(&execution("e1", "p1", "c1", JobStatus::PENDING, 1)).expect("insert");
    assert_eq!(second.job_execution_status("e1").expect("status"), Some(JobStatus::PENDING));

    assert_eq!(second.record_launch("e1", &launched(10)).expect("launch"), UpdateOutcome::Applied);
    assert_eq!(first.job_execution_status("e1").expect("status"), Some(JobStatus::RUNNING));

    let done = Transition { status: JobStatus::SUCCEEDED, engine_info: None, now: 20 };
    assert_eq!(first.transition("e1", &done).expect("transition"), UpdateOutcome::Applied);
    let kill = Transition { status: JobStatus::KILLED, engine_info: None, now: 30 };
    assert_eq!(
        second.transition("e1", &kill).expect("transition"),
        UpdateOutcome::AlreadyTerminal(JobStatus::SUCCEEDED),
        "the other store sees the terminal status"
    );
    let active = ExecutionFilter { active_only: true, ..Default::default() };
    assert!(second.job_executions(&active).expect("list").is_empty());
}

#[test]
fn two_stores_on_one_file_write_concurrently() {
    let fixture = Fixture::new();
    let stores = [Arc::new(fixture.reopen()), Arc::new(fixture.reopen())];
    for index in 0..20 {
        stores[0]
            .insert_job_execution(&execution(&format!("e{index}"), "p1", "c1", JobStatus::PENDING, index))
            .expect("insert");
    }
    let threads: Vec<_> = stores
        .iter()
        .enumerate()
        .map(|(which, store)| {
            let store = Arc::clone(store);
            std::thread::spawn(move || {
                for index in 0..20 {
                    let id = format!("e{index}");
                    assert!(store.mark_launch_attempt(&id, 1).expect("mark"));
                    let mut launch = launched(2);
                    launch.extra = object(json!({ format!("store{which}"): index }));
                    assert_eq!(store.record_launch(&id, &launch).expect("launch"), UpdateOutcome::Applied);
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().expect("thread");
    }
    for row in fixture.store.job_executions(&ExecutionFilter::default()).expect("list") {
        assert_eq!(row.launch_attempts, 2, "no lost increment for {}", row.id);
        assert!(row.extra.contains_key("store0") && row.extra.contains_key("store1"), "no lost merge: {:?}", row.extra);
    }
}

#[test]
fn a_healthy_database_passes_sqlites_integrity_check() {
    let fixture = seeded();
    assert_eq!(fixture.store.integrity_check().expect("check"), "ok");
}

// ---------------------------------------------------------------------------------------------
// Group commit

#[test]
fn concurrent_writes_are_committed_before_they_return_and_a_failing_one_touches_no_other() {
    let fixture = Fixture::new();
    let store = Arc::new(fixture.reopen());
    let writers: Vec<_> = (0..8)
        .map(|writer| {
            let store = Arc::clone(&store);
            std::thread::spawn(move || {
                let mut conflicts = 0;
                for index in 0..50 {
                    let id = format!("w{writer}-{index}");
                    let row = execution(&id, "p1", "c1", JobStatus::PENDING, index);
                    store.insert_job_execution(&row).expect("insert");
                    // Committed before `insert` returned: a reader connection sees it.
                    assert_eq!(store.job_execution_status(&id).expect("read"), Some(JobStatus::PENDING), "{id}");
                    // A write that fails inside a shared commit leaves the others alone.
                    if matches!(store.insert_job_execution(&row), Err(StoreError::Conflict { .. })) {
                        conflicts += 1;
                    }
                }
                conflicts
            })
        })
        .collect();
    let conflicts: usize = writers.into_iter().map(|writer| writer.join().expect("writer")).sum();
    assert_eq!(conflicts, 400, "every second insert of an id is refused");
    let rows = store.job_executions(&ExecutionFilter::default()).expect("list");
    assert_eq!(rows.len(), 400);
    assert_eq!(store.integrity_check().expect("check"), "ok");
}

#[test]
fn a_write_that_panics_is_rolled_back_and_the_writer_carries_on() {
    let fixture = Fixture::new();
    let result: Result<(), StoreError> = fixture.store.writer.write("test", |connection| {
        insert_execution(connection, &execution("doomed", "p1", "c1", JobStatus::PENDING, 1))?;
        panic!("a bug in a write");
    });
    assert!(matches!(&result, Err(StoreError::Database { reason, .. }) if reason.contains("panicked")), "{result:?}");
    assert_eq!(fixture.store.job_execution_status("doomed").expect("read"), None, "nothing of it was kept");
    fixture.store.insert_job_execution(&execution("next", "p1", "c1", JobStatus::PENDING, 2)).expect("next write");
    assert_eq!(fixture.store.job_execution_status("next").expect("read"), Some(JobStatus::PENDING));
}
