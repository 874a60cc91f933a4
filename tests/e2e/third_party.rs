//! Third parties can drop in an engine: crates built outside the workspace, against
//! `edp-plugin-api` only, discovered from a plugin directory; and libraries built against an
//! incompatible API, refused with a typed reason while the others load.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use edp_host::plugins::{EngineState, PluginLoadError};
use edp_host::routing::{RouteQuery, RouteTable};
use edp_plugin_api::{JobStatus, JobType};

use crate::support::{self, MemoryContext};

/// The engine a third party writes: depends on nothing but edp-plugin-api.
const ACME_ENGINE: &str = r#"
use edp_plugin_api::serde_json::json;
use edp_plugin_api::{
    Capabilities, Engine, EngineError, Host, JobExecution, JobStatus, JobType, Plugin, PluginManifest,
    RunOutcome, StatusReport, export_plugin,
};

pub struct AcmeEngine {
    host: Host,
}

impl Engine for AcmeEngine {
    fn run_job(&self, job: &JobExecution) -> Result<RunOutcome, EngineError> {
        if self.host.job_execution_status(&job.id)? == JobStatus::TOBEKILLED {
            return Ok(RunOutcome::killed_before_launch());
        }
        edp_plugin_api::tracing::info!(job = %job.id, "acme launching");
        Ok(RunOutcome::launched(format!("acme-{}", job.id), Some(JobStatus::RUNNING)))
    }

    fn get_job_status(&self, job: &JobExecution) -> Result<Option<StatusReport>, EngineError> {
        let id = job.engine_job_id.as_ref().map(|id| id.to_string()).unwrap_or_default();
        Ok(Some(StatusReport::new(JobStatus::SUCCEEDED, &json!({"acme_id": id}))))
    }

    fn cancel_job(&self, _job: &JobExecution) -> Result<Option<StatusReport>, EngineError> {
        Ok(Some(StatusReport::new(JobStatus::KILLED, &json!({}))))
    }
}

pub struct AcmePlugin;

impl Plugin for AcmePlugin {
    type Engine = AcmeEngine;

    fn manifest() -> PluginManifest {
        PluginManifest {
            name: env!("ACME_ENGINE_NAME"),
            version: env!("CARGO_PKG_VERSION"),
            description: "a third-party engine",
            job_types: &[JobType::Pig, JobType::Hive],
            capabilities: Capabilities::NONE,
            config_schema: json!({"type": "object"}),
        }
    }

    fn new_engine(_config_json: &str, host: Host) -> Result<AcmeEngine, EngineError> {
        Ok(AcmeEngine { host })
    }
}

export_plugin!(AcmePlugin);
"#;

/// Writes a cdylib crate at `dir` with `source`, depending on the plugin API at `api_dir`.
fn write_engine_crate(dir: &Path, package: &str, engine_name: &str, api_dir: &Path) {
    std::fs::create_dir_all(dir.join("src")).expect("mkdir");
    std::fs::create_dir_all(dir.join(".cargo")).expect("mkdir");
    let manifest = format!(
        "[package]\nname = \"{package}\"\nversion = \"2.0.0\"\nedition = \"2021\"\n\n[lib]\ncrate-type = [\"cdylib\"]\n\n\
         [dependencies]\nedp-plugin-api = {{ path = {api:?} }}\n\n[workspace]\n",
        api = api_dir.display().to_string()
    );
    std::fs::write(dir.join("Cargo.toml"), manifest).expect("write manifest");
    std::fs::write(dir.join("src/lib.rs"), ACME_ENGINE).expect("write source");
    std::fs::write(dir.join(".cargo/config.toml"), format!("[env]\nACME_ENGINE_NAME = \"{engine_name}\"\n"))
        .expect("write env");
    // Pin the dependencies to the versions the workspace was tested with.
    std::fs::copy(support::workspace_root().join("Cargo.lock"), dir.join("Cargo.lock")).expect("copy Cargo.lock");
}

/// Copies the plugin API to `dir` as a standalone crate of `version`, with `edit` applied to
/// one of its sources.
fn copy_plugin_api(dir: &Path, version: &str, edit: Option<(&str, &str, &str)>) {
    let source = support::workspace_root().join("plugin-api");
    copy_dir(&source.join("src"), &dir.join("src"));
    let manifest = format!(
        "[package]\nname = \"edp-plugin-api\"\nversion = \"{version}\"\nedition = \"2024\"\n\n[dependencies]\n\
         abi_stable = {{ version = \"0.11.3\", default-features = false }}\nserde = {{ version = \"1\", features = [\"derive\"] }}\n\
         serde_json = \"1\"\ntracing = \"0.1\"\ntracing-core = \"0.1\"\n"
    );
    std::fs::write(dir.join("Cargo.toml"), manifest).expect("write api manifest");
    if let Some((file, from, to)) = edit {
        let path = dir.join("src").join(file);
        let text = std::fs::read_to_string(&path).expect("read api source");
        assert!(text.contains(from), "{file} no longer contains {from:?}: update this test");
        std::fs::write(&path, text.replacen(from, to, 1)).expect("write api source");
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("dir entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("copy file");
        }
    }
}

/// Builds the crate at `dir` into the shared fixture target directory; returns the library.
fn build(dir: &Path, package: &str) -> PathBuf {
    let target_dir = support::workspace_root().join("target").join("e2e-fixtures");
    let output = support::cargo()
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", &target_dir)
        .args(["build", "--quiet"])
        .output()
        .expect("run cargo build");
    assert!(output.status.success(), "building {package} failed:\n{}", String::from_utf8_lossy(&output.stderr));
    target_dir.join("debug").join(support::libloading_name(&package.replace('-', "_")))
}

/// The fixture libraries: a compatible third-party engine (`acme`), one built against
/// edp-plugin-api 1.0.0 (`acme-next`), and one whose API copy has a different layout
/// (`acme-odd`). Built once per test run.
struct Fixtures {
    _dir: tempfile::TempDir,
    acme: PathBuf,
    next_major: PathBuf,
    odd_layout: PathBuf,
}

fn fixtures() -> &'static Fixtures {
    static FIXTURES: OnceLock<Fixtures> = OnceLock::new();
    FIXTURES.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir");
        let real_api = support::workspace_root().join("plugin-api");
        write_engine_crate(&dir.path().join("acme"), "acme-edp-engine", "acme", &real_api);
        let acme = build(&dir.path().join("acme"), "acme-edp-engine");

        copy_plugin_api(&dir.path().join("api-1.0.0"), "1.0.0", None);
        write_engine_crate(&dir.path().join("next"), "acme-next-engine", "acme-next", &dir.path().join("api-1.0.0"));
        let next_major = build(&dir.path().join("next"), "acme-next-engine");

        let widen = ("types.rs", "pub struct DataSource {", "pub struct DataSource {\n    pub size: u64,");
        copy_plugin_api(&dir.path().join("api-0.1.1"), "0.1.1", Some(widen));
        write_engine_crate(&dir.path().join("odd"), "acme-odd-engine", "acme-odd", &dir.path().join("api-0.1.1"));
        let odd_layout = build(&dir.path().join("odd"), "acme-odd-engine");
        Fixtures { _dir: dir, acme, next_major, odd_layout }
    })
}

#[test]
fn a_third_party_engine_dropped_in_a_plugin_directory_is_discovered_routed_and_called() {
    let fixtures = fixtures();
    let dir = tempfile::tempdir().expect("temp dir");
    let plugins = dir.path().join("plugins");
    std::fs::create_dir(&plugins).expect("mkdir");
    for library in [&fixtures.acme, &fixtures.next_major, &fixtures.odd_layout] {
        std::fs::copy(library, plugins.join(library.file_name().expect("file name"))).expect("copy library");
    }
    let config = support::write_config(
        dir.path(),
        "[host]\nplugin_dirs = [\"plugins\"]\n\n[[routes]]\ncluster_type = \"acme-cluster\"\nengine = \"acme\"\n",
    );
    let context = Arc::new(MemoryContext::default());
    let (config, registry) = support::load_registry(&config, Arc::clone(&context));

    let acme = registry.slot("acme").expect("acme discovered");
    assert!(matches!(acme.state, EngineState::Loaded(_)), "acme should load");
    assert_eq!(acme.description.as_ref().expect("described").version, "2.0.0");

    let skipped: Vec<(String, PluginLoadError)> = registry
        .skipped()
        .iter()
        .map(|s| (s.path.file_name().expect("name").to_string_lossy().into_owned(), s.error.clone()))
        .collect();
    assert!(
        skipped.contains(&(
            support::libloading_name("acme_next_engine"),
            PluginLoadError::IncompatibleApi {
                expected: "edp-plugin-api 0.1.0".into(),
                found: "edp-plugin-api 1.0.0".into()
            }
        )),
        "{skipped:?}"
    );
    let odd = skipped.iter().find(|(name, _)| name.contains("acme_odd")).expect("odd layout skipped");
    match &odd.1 {
        PluginLoadError::LayoutMismatch { summary } => {
            assert!(!summary.contains('\n') && summary.len() < 400, "one-line summary: {summary}");
            assert!(
                summary.starts_with("incompatible type size (expected ") && summary.contains(") in EngineModule > "),
                "{summary}"
            );
            assert!(summary.ends_with("> DataSource"), "the summary names the type that changed: {summary}");
        }
        other => panic!("expected a layout mismatch, got {other}"),
    }

    let table = RouteTable::build(&config.routes, &registry).expect("routes valid");
    let route = table
        .resolve(&RouteQuery { cluster_type: "acme-cluster", version: Some("1.0"), job_type: JobType::Pig })
        .expect("routed");
    assert_eq!(route.engine, "acme");

    let engine = registry.engine(&route.engine).expect("loaded").clone();
    context.set_status("je-1", JobStatus::PENDING);
    let runtime = support::runtime();
    let job = support::job("je-1", "Pig", "t-1", serde_json::json!({}), &[]);
    let launch = runtime.block_on(engine.run_job(job.clone())).expect("launched");
    assert_eq!(launch.engine_job_id.as_deref(), Some("acme-je-1"));
    assert_eq!(launch.status, Some(JobStatus::RUNNING));
    let status = runtime
        .block_on(engine.get_job_status(support::launched(job.clone(), launch.engine_job_id)))
        .expect("status")
        .expect("a report");
    assert_eq!(status.status, JobStatus::SUCCEEDED);
    assert_eq!(status.info["acme_id"], "acme-je-1");

    // The cancel handshake: a job cancelled before launch is reported KILLED, not launched.
    context.set_status("je-2", JobStatus::TOBEKILLED);
    let launch = runtime
        .block_on(engine.run_job(support::job("je-2", "Pig", "t-1", serde_json::json!({}), &[])))
        .expect("answered");
    assert_eq!((launch.engine_job_id, launch.status), (None, Some(JobStatus::KILLED)));
}

#[test]
fn the_binary_lists_the_dropped_in_engine_and_checks_the_incompatible_one() {
    let fixtures = fixtures();
    let dir = tempfile::tempdir().expect("temp dir");
    let plugins = dir.path().join("plugins");
    std::fs::create_dir(&plugins).expect("mkdir");
    std::fs::copy(&fixtures.acme, plugins.join(fixtures.acme.file_name().expect("name"))).expect("copy");
    std::fs::copy(&fixtures.next_major, plugins.join(fixtures.next_major.file_name().expect("name"))).expect("copy");
    let config = support::write_config(dir.path(), "[host]\nplugin_dirs = [\"plugins\"]\n");
    let output = support::edp_host(&["--config", config.to_str().expect("utf-8"), "plugins", "list"]);
    let text = support::text(&output);
    assert!(output.status.success(), "{text}");
    assert!(text.contains("acme (discovered): loaded"), "{text}");
    assert!(
        text.contains("version 2.0.0, api 1, job types: Hive, Pig")
            || text.contains("version 2.0.0, api 1, job types: Pig, Hive"),
        "{text}"
    );
    assert!(
        text.contains("incompatible API version: expected edp-plugin-api 0.1.0, found edp-plugin-api 1.0.0"),
        "{text}"
    );

    let output = support::edp_host(&["plugins", "check", fixtures.next_major.to_str().expect("utf-8")]);
    assert_eq!(output.status.code(), Some(1), "{}", support::text(&output));
    assert!(support::text(&output).contains("incompatible API version"), "{}", support::text(&output));
}
