//! A real standalone Master (with the REST submission server) and Worker, started as
//! engine-protocols.md §7.4 shows: the worker only after the master's readyz answers, small
//! memory, free ports. Shared by every test of this binary; a watchdog process stops both
//! daemons (and the drivers and executors of their process group) by their process group as
//! soon as this test process ends, however it ends.

use std::fs::File;
use std::os::unix::process::CommandExt as _;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::pyspark::{self, Spark};
use crate::support;

/// Waits for this test process to end, then stops process group `$2` and removes `$3`.
const WATCHDOG: &str = r#"while kill -0 "$1" 2>/dev/null; do sleep 0.5; done
kill -TERM "-$2" 2>/dev/null
sleep 3
kill -KILL "-$2" 2>/dev/null
rm -rf "$3""#;

/// The running cluster.
pub(crate) struct Cluster {
    /// `spark://127.0.0.1:<port>`.
    pub(crate) master_url: String,
    /// `http://127.0.0.1:<rest port>`.
    pub(crate) rest_url: String,
    /// `http://127.0.0.1:<web UI port>`.
    pub(crate) ui_url: String,
    /// Where the daemons' logs and the worker's work directory are.
    pub(crate) dir: PathBuf,
    /// The daemons and the watchdog, reaped by the watchdog's group kill and init.
    _processes: Mutex<Vec<Child>>,
}

/// The cluster, started on first use.
pub(crate) fn cluster() -> &'static Cluster {
    static CLUSTER: OnceLock<Cluster> = OnceLock::new();
    CLUSTER.get_or_init(start)
}

fn http() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(5)))
        .build()
        .new_agent()
}

/// `GET url` as JSON, if it answers with JSON.
pub(crate) fn get_json(url: &str) -> Option<Value> {
    let mut response = http().get(url).call().ok()?;
    serde_json::from_str(&response.body_mut().read_to_string().ok()?).ok()
}

impl Cluster {
    /// The master's `/json/` status page.
    pub(crate) fn master_status(&self) -> Value {
        get_json(&format!("{}/json/", self.ui_url)).expect("the master's /json/ answers")
    }

    /// The ids of the drivers the master lists as active.
    pub(crate) fn active_drivers(&self) -> Vec<String> {
        let status = self.master_status();
        status["activedrivers"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|driver| driver["id"].as_str().map(str::to_owned))
            .collect()
    }

    /// The state the master lists for driver `id` among its completed drivers.
    pub(crate) fn completed_state(&self, id: &str) -> Option<String> {
        let status = self.master_status();
        status["completeddrivers"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|driver| driver["id"] == id)
            .and_then(|driver| driver["state"].as_str().map(str::to_owned))
    }
}

fn daemon(spark: &Spark, log: PathBuf, group: i32) -> Command {
    let mut command = Command::new(spark.spark_class());
    command
        .env("SPARK_HOME", &spark.home)
        .env("PYSPARK_PYTHON", &spark.python)
        .env("SPARK_LOCAL_IP", "127.0.0.1")
        .env("SPARK_DAEMON_MEMORY", "256m")
        .stdin(Stdio::null())
        .stdout(File::create(&log).expect("daemon log"))
        .stderr(File::create(&log).expect("daemon log"))
        .process_group(group);
    command
}

fn wait_for(what: &str, log: &std::path::Path, timeout: Duration, condition: impl FnMut() -> bool) {
    if !support::wait_until(timeout, condition) {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        panic!("the standalone {what} did not come up within {timeout:?}; its log:\n{text}");
    }
}

fn start() -> Cluster {
    let spark = pyspark::spark();
    let started = Instant::now();
    let dir = tempfile::Builder::new().prefix("edp-spark-standalone-").tempdir().expect("tempdir").keep();
    let (port, rest_port, ui_port, worker_ui_port) =
        (support::free_port(), support::free_port(), support::free_port(), support::free_port());
    let master_log = dir.join("master.log");
    let mut master = daemon(spark, master_log.clone(), 0);
    master
        .env(
            "SPARK_MASTER_OPTS",
            format!(
                "-Dspark.master.rest.enabled=true -Dspark.master.rest.host=127.0.0.1 \
                 -Dspark.master.rest.port={rest_port} -Dspark.deploy.retainedDrivers=1000"
            ),
        )
        .args(["org.apache.spark.deploy.master.Master", "--host", "127.0.0.1"])
        .args(["--port", &port.to_string(), "--webui-port", &ui_port.to_string()]);
    let master = master.spawn().expect("start the master");
    let group = i32::try_from(master.id()).expect("pid fits");
    // The watchdog outlives this process and stops the daemons' whole group after it.
    let watchdog = Command::new("/bin/sh")
        .args(["-c", WATCHDOG, "edp-spark-watchdog"])
        .arg(std::process::id().to_string())
        .arg(group.to_string())
        .arg(&dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .expect("start the watchdog");

    let rest_url = format!("http://127.0.0.1:{rest_port}");
    let ui_url = format!("http://127.0.0.1:{ui_port}");
    let ready = || get_json(&format!("{rest_url}/v1/submissions/readyz")).is_some_and(|body| body["success"] == true);
    wait_for("master", &master_log, Duration::from_secs(90), ready);

    let master_url = format!("spark://127.0.0.1:{port}");
    let worker_log = dir.join("worker.log");
    let work = dir.join("work");
    let mut worker = daemon(spark, worker_log.clone(), group);
    worker
        .args(["org.apache.spark.deploy.worker.Worker", &master_url, "--host", "127.0.0.1"])
        .args(["--cores", "2", "--memory", "2g", "--webui-port", &worker_ui_port.to_string()])
        .arg("--work-dir")
        .arg(&work);
    let worker = worker.spawn().expect("start the worker");
    let registered =
        || get_json(&format!("{ui_url}/json/")).is_some_and(|status| status["aliveworkers"].as_u64() == Some(1));
    wait_for("worker", &worker_log, Duration::from_secs(90), registered);
    eprintln!("standalone master and worker up in {:.1?} ({master_url}, REST {rest_url})", started.elapsed());
    Cluster { master_url, rest_url, ui_url, dir, _processes: Mutex::new(vec![master, watchdog, worker]) }
}
