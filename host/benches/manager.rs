//! Job manager figures, with real engine libraries and a real SQLite store:
//! - launches per second through the manager and the store (mock engine);
//! - one poll pass over 10,000 and 100,000 active executions (mock engine);
//! - the delay from a local job's process exit to its final status in the store.
//!
//! Run: `cargo bench -p edp-host --bench manager` (prints a table; takes about a minute).
//! `EDP_BENCH_ONLY_POLL=1` skips the launch figure (handy under a profiler).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use edp_host::config::Config;
use edp_host::manager::{JobManager, NewExecution, StoreContext, now_millis};
use edp_host::plugins::EngineRegistry;
use edp_host::routing::RouteTable;
use edp_host::store::{ClusterRecordRow, JobBinaryRow, JobExecutionRow, JobTemplateRow, SqliteStore, Store};
use edp_plugin_api::JobStatus;
use serde_json::{Map, Value, json};

fn main() {
    let libraries = build_engines();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    println!("| figure | value |\n| --- | --- |");
    if std::env::var_os("EDP_BENCH_ONLY_POLL").is_none() {
        runtime.block_on(launches(&libraries, false));
        runtime.block_on(launches(&libraries, true));
    }
    for count in [10_000, 100_000] {
        runtime.block_on(poll_pass(&libraries, count));
    }
    runtime.block_on(restart(&libraries, 10_000));
    runtime.block_on(local_exit_delay(&libraries));
}

/// Builds the engine libraries for this profile; returns their directory.
fn build_engines() -> PathBuf {
    let exe = std::env::current_exe().expect("bench path");
    let profile_dir = exe.parent().and_then(Path::parent).expect("target/<profile>/deps").to_owned();
    let mut build = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    build.current_dir(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")).args([
        "build",
        "-p",
        "edp-engine-mock",
        "-p",
        "edp-engine-local",
    ]);
    if profile_dir.ends_with("release") {
        build.arg("--release");
    }
    assert!(build.status().expect("cargo build").success(), "building the engines failed");
    profile_dir
}

struct Bench {
    _dir: tempfile::TempDir,
    store: Arc<SqliteStore>,
    manager: JobManager,
    cluster: String,
    template: String,
}

async fn bench_host(libraries: &Path, engine_section: &str, job_type: &str, main: Option<&[u8]>) -> Bench {
    let dir = tempfile::tempdir().expect("temp dir");
    let text = format!(
        "[host]\ndata_dir = \"data\"\nplugin_dirs = [{:?}]\npoll_interval_secs = 3600\npoll_concurrency = 16\n\n{engine_section}\n",
        libraries.display().to_string()
    );
    let config = Config::parse(&text, &dir.path().join("plugins.toml")).expect("config");
    let store = Arc::new(SqliteStore::open(&config.host.data_dir.join("edp.sqlite")).expect("store"));
    let (context, notifications) = StoreContext::new(store.clone());
    let registry = EngineRegistry::load(&config, Arc::new(context)).expect("engines");
    let routes = RouteTable::build(&config.routes, &registry).expect("routes");
    let manager = JobManager::new(store.clone(), Arc::new(registry), Arc::new(routes), config.host.manager.clone());
    manager.spawn_notification_listener(notifications);
    let now = now_millis();
    let cluster = ClusterRecordRow {
        id: uuid::Uuid::new_v4().to_string(),
        project: "bench".into(),
        name: "c".into(),
        description: String::new(),
        cluster_type: "vanilla".into(),
        version: "2.7.1".into(),
        status: "Active".into(),
        info: Map::new(),
        is_public: false,
        is_protected: false,
        created_at: now,
        updated_at: now,
    };
    store.insert_cluster(&cluster).expect("cluster");
    let mut mains = Vec::new();
    if let Some(bytes) = main {
        let binary = JobBinaryRow {
            id: uuid::Uuid::new_v4().to_string(),
            project: "bench".into(),
            name: "job.sh".into(),
            description: String::new(),
            url: "internal-db://job".into(),
            is_public: false,
            is_protected: false,
            created_at: now,
            updated_at: now,
        };
        store.insert_job_binary(&binary, Some(bytes)).expect("binary");
        mains.push(binary.id);
    }
    let template = JobTemplateRow {
        id: uuid::Uuid::new_v4().to_string(),
        project: "bench".into(),
        name: "t".into(),
        description: String::new(),
        job_type: job_type.into(),
        mains,
        libs: Vec::new(),
        interface: Value::Array(Vec::new()),
        is_public: false,
        is_protected: false,
        created_at: now,
        updated_at: now,
    };
    store.insert_job_template(&template).expect("template");
    Bench { _dir: dir, store, manager, cluster: cluster.id, template: template.id }
}

const MOCK: &str =
    "[engines.mock.config]\nscript = { run_ms = 3600000 }\n\n[[routes]]\ncluster_type = \"*\"\nengine = \"mock\"\n";

async fn launches(libraries: &Path, durable_commits: bool) {
    const COUNT: usize = 2_000;
    let bench = bench_host(libraries, MOCK, "Pig", None).await;
    bench.store.set_durable_commits(durable_commits).expect("durability");
    let started = Instant::now();
    let mut submits = tokio::task::JoinSet::new();
    for _ in 0..COUNT {
        let manager = bench.manager.clone();
        let new = NewExecution {
            project: "bench".into(),
            job_template_id: bench.template.clone(),
            cluster_id: bench.cluster.clone(),
            input_id: None,
            output_id: None,
            job_configs: json!({"configs": {}, "params": {}, "args": []}),
            is_public: false,
            is_protected: false,
        };
        submits.spawn(async move { manager.submit(new).await.expect("submitted").id });
        while submits.len() >= 64 {
            submits.join_next().await;
        }
    }
    while submits.join_next().await.is_some() {}
    // Every job is submitted; wait until none is PENDING (one indexed lookup per check).
    let pending = edp_host::store::ExecutionFilter {
        statuses: Some(vec![JobStatus::PENDING]),
        limit: Some(1),
        ..Default::default()
    };
    while !bench.store.job_executions(&pending).expect("list").is_empty() {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let elapsed = started.elapsed();
    let commits = if durable_commits { ", durable commits" } else { "" };
    println!(
        "| launches through the manager and the store ({COUNT} jobs, 64 submitting at once{commits}) | {:.0} launches/s |",
        COUNT as f64 / elapsed.as_secs_f64()
    );
}

/// Stores `count` RUNNING executions launched on the mock engine.
async fn insert_running(bench: &Bench, count: usize) {
    let now = now_millis();
    let rows: Vec<JobExecutionRow> = (0..count)
        .map(|index| {
            let id = format!("{index:06}-{}", uuid::Uuid::new_v4());
            JobExecutionRow {
                engine_job_id: Some(format!("mock-{id}-{now}")),
                id,
                project: "bench".into(),
                job_template_id: bench.template.clone(),
                cluster_id: bench.cluster.clone(),
                input_id: None,
                output_id: None,
                engine: "mock".into(),
                status: JobStatus::RUNNING,
                engine_info: json!({"mock": true, "run_ms": 3_600_000}).as_object().cloned().unwrap_or_default(),
                start_time: Some(now),
                end_time: None,
                job_configs: json!({"configs": {}, "params": {}, "args": []}),
                extra: Map::new(),
                data_source_urls: Map::new(),
                launch_attempts: 1,
                is_public: false,
                is_protected: false,
                created_at: now,
                updated_at: now,
            }
        })
        .collect();
    let store = bench.store.clone();
    tokio::task::spawn_blocking(move || {
        for row in &rows {
            store.insert_job_execution(row).expect("insert");
        }
    })
    .await
    .expect("insert task");
}

async fn poll_pass(libraries: &Path, count: usize) {
    let bench = bench_host(libraries, MOCK, "Pig", None).await;
    insert_running(&bench, count).await;
    let stats = bench.manager.poll_pass().await.expect("poll pass");
    assert_eq!((stats.active, stats.asked, stats.failed), (count, count, 0), "{stats:?}");
    println!(
        "| one poll pass over {count} active executions (16 engine calls at once) | {:.2} s |",
        stats.elapsed.as_secs_f64()
    );
}

/// A host restart with `count` executions in flight: open the store, load the engines, recover,
/// and refresh every execution once.
async fn restart(libraries: &Path, count: usize) {
    let first = bench_host(libraries, MOCK, "Pig", None).await;
    insert_running(&first, count).await;
    let data_dir = first._dir.path().to_owned();
    let started = Instant::now();
    let text = format!(
        "[host]\ndata_dir = \"data\"\nplugin_dirs = [{:?}]\npoll_interval_secs = 3600\n\n{MOCK}\n",
        libraries.display().to_string()
    );
    let config = Config::parse(&text, &data_dir.join("plugins.toml")).expect("config");
    let store = Arc::new(SqliteStore::open(&config.host.data_dir.join("edp.sqlite")).expect("store"));
    let (context, _notifications) = StoreContext::new(store.clone());
    let registry = EngineRegistry::load(&config, Arc::new(context)).expect("engines");
    let routes = RouteTable::build(&config.routes, &registry).expect("routes");
    let manager = JobManager::new(store, Arc::new(registry), Arc::new(routes), config.host.manager.clone());
    let recovered = manager.recover().await.expect("recover");
    let stats = manager.poll_pass().await.expect("poll pass");
    assert_eq!((recovered, stats.asked), (count, count));
    println!(
        "| restart to recovered: store, engines, recovery and one refresh of {count} executions in flight | {:.2} s |",
        started.elapsed().as_secs_f64()
    );
}

async fn local_exit_delay(libraries: &Path) {
    const RUNS: usize = 20;
    let section = "[[routes]]\ncluster_type = \"*\"\nengine = \"local\"\n";
    let script = b"#!/bin/sh\ndate +%s%3N > exited_at\n";
    let bench = bench_host(libraries, section, "Shell", Some(script)).await;
    let mut delays = Vec::new();
    for _ in 0..RUNS {
        let row = bench
            .manager
            .submit(NewExecution {
                project: "bench".into(),
                job_template_id: bench.template.clone(),
                cluster_id: bench.cluster.clone(),
                input_id: None,
                output_id: None,
                job_configs: json!({"configs": {}, "params": {}, "args": []}),
                is_public: false,
                is_protected: false,
            })
            .await
            .expect("submitted");
        let finished = loop {
            let current = bench.manager.job_execution(&row.id).await.expect("read");
            if current.status.is_terminal() {
                break current;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        };
        let work_dir = finished.extra.get("work_dir").and_then(Value::as_str).expect("work dir in extra");
        let exited_at: i64 = std::fs::read_to_string(Path::new(work_dir).join("exited_at"))
            .expect("exit time")
            .trim()
            .parse()
            .expect("millis");
        delays.push(finished.end_time.expect("end time") - exited_at);
    }
    delays.sort_unstable();
    println!(
        "| local job: process exit to final status in the store ({RUNS} runs) | median {} ms, max {} ms |",
        delays[RUNS / 2],
        delays[RUNS - 1]
    );
}
