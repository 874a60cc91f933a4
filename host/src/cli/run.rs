//! `edp-host run`: one job, no server. It registers what the job needs in the store, launches
//! it through the routed engine, prints each status change, and exits 0 on SUCCEEDED. Ctrl-C
//! cancels the job through the manager's cancel flow before exiting.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context as _, anyhow, bail};
use edp_host::manager::{JobManager, NewExecution, now_millis};
use edp_host::store::{ClusterRecordRow, JobBinaryRow, JobExecutionRow, JobTemplateRow, Store};
use edp_plugin_api::JobStatus;
use serde_json::{Map, Value, json};
use tokio::sync::broadcast::error::RecvError;

use crate::cli::{Cli, assemble};

/// The project `edp-host run` files its records under.
const PROJECT: &str = "cli";

/// The largest main or lib file `run` stores in the database.
const MAX_BINARY_BYTES: u64 = 64 * 1024 * 1024;

/// Arguments of `edp-host run`.
#[derive(Debug, clap::Args)]
pub(crate) struct RunArgs {
    /// Cluster type (Sahara's provisioning plugin name) to route by, e.g. `vanilla`.
    #[arg(long)]
    cluster_type: String,
    /// The cluster type's version, e.g. `2.7.1`.
    #[arg(long)]
    version: Option<String>,
    /// Job type, e.g. `Shell` or `Java`.
    #[arg(long)]
    job_type: String,
    /// The main job binary (a Shell job's script, a Pig job's script, ...).
    #[arg(long)]
    main: PathBuf,
    /// A library job binary (a jar, a file the script needs); repeatable.
    #[arg(long = "lib")]
    libs: Vec<PathBuf>,
    /// A config, KEY=VALUE (e.g. edp.java.main_class=org.Main); repeatable.
    #[arg(long = "conf", value_parser = key_value)]
    configs: Vec<(String, String)>,
    /// A param, KEY=VALUE (a Shell job's environment variable); repeatable.
    #[arg(long = "param", value_parser = key_value)]
    params: Vec<(String, String)>,
    /// The job's arguments, after `--`.
    #[arg(last = true)]
    args: Vec<String>,
}

fn key_value(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((key, value)) if !key.is_empty() => Ok((key.to_owned(), value.to_owned())),
        _ => Err(format!("`{text}` is not KEY=VALUE")),
    }
}

pub(crate) async fn run(cli: &Cli, args: &RunArgs) -> anyhow::Result<ExitCode> {
    let host = assemble::host(cli, "run")?;
    let manager = host.manager;
    let _listener = manager.spawn_notification_listener(host.notifications);
    let store = Arc::clone(manager.store());
    let records = tokio::task::spawn_blocking({
        let args = RunArgsRecords::from(args);
        move || register(store.as_ref(), &args)
    })
    .await??;
    let mut events = manager.subscribe();
    let execution = manager
        .submit(NewExecution {
            project: PROJECT.into(),
            job_template_id: records.template_id,
            cluster_id: records.cluster_id,
            input_id: None,
            output_id: None,
            job_configs: records.job_configs,
            is_public: false,
            is_protected: false,
        })
        .await?;
    let id = execution.id.clone();
    println!("job execution {id} on engine `{}`", execution.engine);
    print_status(execution.status);
    let mut last = execution.status;
    let mut poll = tokio::time::interval(manager.settings().poll_interval);
    poll.tick().await;
    let mut cancelled = false;
    let finished = loop {
        tokio::select! {
            event = events.recv() => match event {
                Ok(event) if event.id == id => {
                    if event.status != last {
                        last = event.status;
                        print_status(last);
                    }
                    if last.is_terminal() {
                        break manager.job_execution(&id).await?;
                    }
                }
                Ok(_) | Err(RecvError::Lagged(_)) => {}
                Err(RecvError::Closed) => bail!("the job manager stopped"),
            },
            _ = poll.tick() => {
                let row = manager.refresh(&id).await?;
                if row.status.is_terminal() {
                    if row.status != last {
                        print_status(row.status);
                    }
                    break row;
                }
            }
            signal = tokio::signal::ctrl_c(), if !cancelled => {
                signal?;
                cancelled = true;
                println!("cancelling job execution {id}");
                break cancel(&manager, &id).await?;
            }
        }
    };
    report(&finished);
    Ok(match finished.status {
        JobStatus::SUCCEEDED => ExitCode::SUCCESS,
        JobStatus::KILLED if cancelled => ExitCode::from(130),
        _ => ExitCode::FAILURE,
    })
}

async fn cancel(manager: &JobManager, id: &str) -> anyhow::Result<JobExecutionRow> {
    let row = manager.cancel(id).await?;
    print_status(row.status);
    Ok(row)
}

fn print_status(status: JobStatus) {
    println!("status: {status}");
}

fn report(row: &JobExecutionRow) {
    for key in ["stdout", "stderr"] {
        if let Some(path) = row.extra.get(key).and_then(Value::as_str) {
            println!("{key}: {path}");
        }
    }
    if let Some(error) = row.engine_info.get("error").and_then(Value::as_str) {
        println!("error: {error}");
    }
}

/// What `register` needs from the arguments, owned for the blocking thread.
struct RunArgsRecords {
    cluster_type: String,
    version: String,
    job_type: String,
    main: PathBuf,
    libs: Vec<PathBuf>,
    job_configs: Value,
}

impl From<&RunArgs> for RunArgsRecords {
    fn from(args: &RunArgs) -> Self {
        let pairs = |pairs: &[(String, String)]| -> Map<String, Value> {
            pairs.iter().map(|(key, value)| (key.clone(), Value::String(value.clone()))).collect()
        };
        Self {
            cluster_type: args.cluster_type.clone(),
            version: args.version.clone().unwrap_or_default(),
            job_type: args.job_type.clone(),
            main: args.main.clone(),
            libs: args.libs.clone(),
            job_configs: json!({"configs": pairs(&args.configs), "params": pairs(&args.params), "args": args.args}),
        }
    }
}

struct Registered {
    cluster_id: String,
    template_id: String,
    job_configs: Value,
}

/// The cluster (one per cluster type and version, reused), the binaries and the template.
fn register(store: &dyn Store, args: &RunArgsRecords) -> anyhow::Result<Registered> {
    let now = now_millis();
    let cluster_name =
        format!("run-{}-{}", args.cluster_type, if args.version.is_empty() { "any" } else { &args.version });
    let existing = store.clusters(Some(PROJECT))?.into_iter().find(|cluster| cluster.name == cluster_name);
    let cluster_id = match existing {
        Some(cluster) => cluster.id,
        None => {
            let cluster = ClusterRecordRow {
                id: uuid::Uuid::new_v4().to_string(),
                project: PROJECT.into(),
                name: cluster_name,
                description: String::new(),
                cluster_type: args.cluster_type.clone(),
                version: args.version.clone(),
                status: "Active".into(),
                info: Map::new(),
                is_public: false,
                is_protected: false,
                created_at: now,
                updated_at: now,
            };
            store.insert_cluster(&cluster)?;
            cluster.id
        }
    };
    let main = binary(store, &args.main, now)?;
    let libs = args.libs.iter().map(|lib| binary(store, lib, now)).collect::<anyhow::Result<Vec<_>>>()?;
    let template = JobTemplateRow {
        id: uuid::Uuid::new_v4().to_string(),
        project: PROJECT.into(),
        name: format!("run-{}", uuid::Uuid::new_v4()),
        description: format!("edp-host run {}", args.main.display()),
        job_type: args.job_type.clone(),
        mains: vec![main],
        libs,
        interface: Value::Array(Vec::new()),
        is_public: false,
        is_protected: false,
        created_at: now,
        updated_at: now,
    };
    store.insert_job_template(&template)?;
    Ok(Registered { cluster_id, template_id: template.id, job_configs: args.job_configs.clone() })
}

/// Stores `path` as an internal job binary; returns its id.
fn binary(store: &dyn Store, path: &Path, now: i64) -> anyhow::Result<String> {
    let size = std::fs::metadata(path).with_context(|| format!("reading {}", path.display()))?.len();
    if size > MAX_BINARY_BYTES {
        return Err(anyhow!("{} is {size} bytes; job binaries are limited to {MAX_BINARY_BYTES}", path.display()));
    }
    let data = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let name = path
        .file_name()
        .and_then(|name| name.to_str())
        .ok_or_else(|| anyhow!("{} has no usable file name", path.display()))?
        .to_owned();
    let id = uuid::Uuid::new_v4().to_string();
    let row = JobBinaryRow {
        url: format!("internal-db://{id}"),
        id: id.clone(),
        project: PROJECT.into(),
        name,
        description: String::new(),
        is_public: false,
        is_protected: false,
        created_at: now,
        updated_at: now,
    };
    store.insert_job_binary(&row, Some(&data))?;
    Ok(id)
}
