//! One engine call through the stable ABI against a direct call of the same Rust code.
//!
//! `get_job_status` of the mock engine with a typical job execution payload (configs, params,
//! args, extra and engine info as JSON), three ways:
//! - `direct`: the mock engine's Rust code linked into this benchmark, called directly;
//! - `abi`: the same code in the mock engine's shared library, loaded by the host and called
//!   through abi_stable and the SDK's panic guard;
//! - `host_handle`: the host's full path: `EngineHandle` (blocking thread, timeout, checks).
//!
//! Run: `cargo bench -p edp-host --bench abi_call`.

// criterion_group! expands to an undocumented public function.
#![allow(missing_docs)]

use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use edp_engine_mock::MockPlugin;
use edp_host::config::Config;
use edp_host::context::Detached;
use edp_host::plugins::{EngineRegistry, EngineServices};
use edp_plugin_api::abi_stable::std_types::ROption;
use edp_plugin_api::{Engine, Host, JobExecution, Plugin};
use serde_json::json;

fn typical_job() -> JobExecution {
    let job_configs = json!({
        "configs": {
            "edp.java.main_class": "org.apache.hadoop.examples.WordCount",
            "edp.java.java_opts": "-Xmx512m -Dlog4j.configuration=file:log4j.properties",
            "mapreduce.job.reduces": "4",
            "mapreduce.map.memory.mb": "1024",
            "mapreduce.reduce.memory.mb": "2048",
            "edp.substitute_data_source_for_name": "true",
            "fs.swift.service.sahara.username": "demo",
            "mock.run_ms": "0",
            "mock.final_status": "SUCCEEDED"
        },
        "params": {"INPUT": "hdfs://nn:8020/user/demo/in", "OUTPUT": "hdfs://nn:8020/user/demo/out", "DATE": "2026-11-28"},
        "args": ["datasource://input", "datasource://output", "--verbose", "42"],
        "job_execution_info": {}
    });
    JobExecution {
        id: "3f0d1c2e-5b6a-4c7d-8e9f-0a1b2c3d4e5f".into(),
        job_type: "Java".into(),
        cluster_id: "9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d".into(),
        job_template_id: "1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e".into(),
        input_id: ROption::RSome("0c1d2e3f-4a5b-4c6d-7e8f-9a0b1c2d3e4f".into()),
        output_id: ROption::RSome("5e6f7a8b-9c0d-4e1f-2a3b-4c5d6e7f8a9b".into()),
        engine_job_id: ROption::RSome("mock-3f0d1c2e-5b6a-4c7d-8e9f-0a1b2c3d4e5f-1764355200000".into()),
        job_configs: job_configs.to_string().into(),
        extra: json!({"work_dir": "/var/lib/edp/engines/mock/3f0d1c2e", "mock": {"run_ms": 0}}).to_string().into(),
        engine_info: json!({"status": "RUNNING", "elapsed_ms": 1200, "mock": true}).to_string().into(),
    }
}

/// Builds the mock engine's library for this profile and returns its directory.
fn mock_library_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("bench binary path");
    let profile_dir = exe.parent().and_then(|deps| deps.parent()).expect("target/<profile>/deps").to_owned();
    let workspace = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut build = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    build.current_dir(&workspace).args(["build", "-p", "edp-engine-mock"]);
    if profile_dir.ends_with("release") {
        build.arg("--release");
    }
    let status = build.status().expect("run cargo build");
    assert!(status.success(), "building the mock engine failed");
    profile_dir
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let library = mock_library_dir().join(format!(
        "{}edp_engine_mock{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    ));
    let config_text = format!(
        "[host]\ndata_dir = {:?}\n\n[engines.mock]\nlibrary = {:?}\n",
        dir.path().join("data").display().to_string(),
        library.display().to_string()
    );
    let config = Config::parse(&config_text, &dir.path().join("plugins.toml")).expect("valid config");
    let registry = EngineRegistry::load(&config, Arc::new(Detached)).expect("engines load");
    let handle = registry.engine("mock").expect("mock loaded").clone();
    let through_abi = Arc::clone(handle.engine());

    let services = EngineServices::new("mock-direct", dir.path().to_owned(), Arc::new(Detached)).into_abi();
    let direct = MockPlugin::new_engine("{}", Host::new(services)).expect("direct engine");

    let job = typical_job();
    let mut group = c.benchmark_group("get_job_status");
    group.bench_function("direct", |b| b.iter(|| direct.get_job_status(std::hint::black_box(&job)).expect("status")));
    group.bench_function("abi", |b| b.iter(|| through_abi.get_job_status(std::hint::black_box(&job)).expect("status")));
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    group.bench_function("host_handle", |b| {
        b.iter(|| runtime.block_on(handle.get_job_status(std::hint::black_box(job.clone()))).expect("status"))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
