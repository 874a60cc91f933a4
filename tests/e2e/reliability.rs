//! Faults under load: the host killed with SIGKILL at random moments while clients launch jobs
//! through the API, restarted each time. Afterwards every launch the API acknowledged exists,
//! ended, was launched exactly once, no terminal status ever changed, and the store is intact.

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use edp_host::store::{ExecutionFilter, SqliteStore, Store};
use edp_plugin_api::JobStatus;
use serde_json::{Value, json};

use crate::host_process::HostProcess;
use crate::support;

const TOKEN: &str = "reliability-test-token";

fn config(dir: &Path, launch_log: &Path) -> std::path::PathBuf {
    support::write_config(
        dir,
        &format!(
            "[host]\ndata_dir = \"data\"\nplugin_dirs = [{:?}]\npoll_interval_secs = 0.3\n\n\
             [engines.mock.config]\nlaunch_log = {:?}\nscript = {{ run_ms = 700, launch_delay_ms = 5 }}\n\n\
             [[routes]]\ncluster_type = \"*\"\nengine = \"mock\"\n\n\
             [[auth.tokens]]\nproject = \"p1\"\nrole = \"member\"\ntoken = {TOKEN:?}\n",
            support::engine_libraries().display().to_string(),
            launch_log.display().to_string()
        ),
    )
}

fn start(config: &Path) -> (HostProcess, String) {
    let server = HostProcess::start(config, &["serve", "--listen", "127.0.0.1:0"]);
    let line = server.wait_for_line("the address", |line| line.contains(" on http://"));
    let url = line.split(" on ").nth(1).and_then(|rest| rest.split(';').next()).expect("url").to_owned();
    (server, url)
}

fn post(url: &str, path: &str, body: &Value) -> Result<Value, String> {
    ureq::post(&format!("{url}{path}"))
        .set("X-Auth-Token", TOKEN)
        .timeout(Duration::from_secs(5))
        .set("Content-Type", "application/json")
        .send_string(&body.to_string())
        .map_err(|err| match err {
            ureq::Error::Status(code, reply) => format!("{code} {}", reply.into_string().unwrap_or_default()),
            other => other.to_string(),
        })
        .and_then(|response| {
            if response.status() != 202 {
                return Err(format!("status {}", response.status()));
            }
            let text = response.into_string().map_err(|err| err.to_string())?;
            serde_json::from_str(&text).map_err(|err| err.to_string())
        })
}

#[test]
fn sigkill_under_load_loses_no_acknowledged_job_and_launches_each_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    let launch_log = dir.path().join("launches.tsv");
    let config = config(dir.path(), &launch_log);
    let (mut server, url) = start(&config);
    let cluster =
        post(&url, "/v2/clusters", &json!({"name": "c1", "plugin_name": "vanilla", "plugin_version": "2.7.1"}))
            .expect("cluster");
    let cluster_id = cluster["cluster"]["id"].as_str().expect("id").to_owned();
    let template =
        post(&url, "/v2/job-templates", &json!({"name": "t", "type": "MapReduce.Streaming"})).expect("template");
    let template_id = template["job_template"]["id"].as_str().expect("id").to_owned();

    // Clients launch jobs as fast as the server takes them; only 202s count as acknowledged.
    let url_now = Arc::new(Mutex::new(url));
    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let clients: Vec<_> = (0..4)
        .map(|_| {
            let (url_now, acknowledged, stop) = (Arc::clone(&url_now), Arc::clone(&acknowledged), Arc::clone(&stop));
            let body = json!({"job_template_id": template_id, "cluster_id": cluster_id});
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let url = url_now.lock().unwrap_or_else(PoisonError::into_inner).clone();
                    match post(&url, "/v2/jobs", &body) {
                        Ok(reply) => {
                            let id = reply["job"]["id"].as_str().expect("id").to_owned();
                            acknowledged.lock().unwrap_or_else(PoisonError::into_inner).push(id);
                        }
                        Err(_) => std::thread::sleep(Duration::from_millis(20)),
                    }
                }
            })
        })
        .collect();

    // A watcher records the first terminal status it sees of each job.
    let store = Arc::new(SqliteStore::open(&dir.path().join("data/edp.sqlite")).expect("store"));
    let first_terminal = Arc::new(Mutex::new(HashMap::<String, JobStatus>::new()));
    let changed = Arc::new(Mutex::new(Vec::<String>::new()));
    let watcher = {
        let (store, first_terminal, changed, stop) =
            (Arc::clone(&store), Arc::clone(&first_terminal), Arc::clone(&changed), Arc::clone(&stop));
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                if let Ok(rows) = store.job_executions(&ExecutionFilter::default()) {
                    let mut seen = first_terminal.lock().unwrap_or_else(PoisonError::into_inner);
                    for row in rows.into_iter().filter(|row| row.status.is_terminal()) {
                        let first = *seen.entry(row.id.clone()).or_insert(row.status);
                        if first != row.status {
                            changed
                                .lock()
                                .unwrap_or_else(PoisonError::into_inner)
                                .push(format!("{} {first} -> {}", row.id, row.status));
                        }
                    }
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        })
    };

    // Kill the host three times at pseudo-random moments, restarting it each time.
    let mut rng = fastrand::Rng::with_seed(7);
    for _ in 0..3 {
        std::thread::sleep(Duration::from_millis(400 + rng.u64(0..800)));
        drop(server); // SIGKILL
        let (restarted, url) = start(&config);
        *url_now.lock().unwrap_or_else(PoisonError::into_inner) = url;
        server = restarted;
    }
    std::thread::sleep(Duration::from_millis(500));
    stop.store(true, Ordering::Relaxed);
    for client in clients {
        client.join().expect("client");
    }
    let acknowledged = acknowledged.lock().unwrap_or_else(PoisonError::into_inner).clone();
    assert!(acknowledged.len() >= 20, "load was sustained: {} jobs acknowledged", acknowledged.len());

    // Every acknowledged job ends, with the server running.
    let deadline = Instant::now() + Duration::from_secs(60);
    let pending = loop {
        let pending: Vec<String> = acknowledged
            .iter()
            .filter(|id| !store.job_execution(id).expect("read").is_some_and(|row| row.status.is_terminal()))
            .cloned()
            .collect();
        if pending.is_empty() || Instant::now() > deadline {
            break pending;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    stop.store(true, Ordering::Relaxed);
    watcher.join().expect("watcher");
    server.signal(rustix::process::Signal::TERM);
    let (code, log) = server.wait();
    assert!(pending.is_empty(), "acknowledged jobs that never ended: {pending:?}\n{}", log.join("\n"));
    assert_eq!(code, Some(0));

    for id in &acknowledged {
        let row = store.job_execution(id).expect("read").unwrap_or_else(|| panic!("acknowledged job {id} was lost"));
        assert_eq!(row.status, JobStatus::SUCCEEDED, "{row:#?}");
    }
    let log = std::fs::read_to_string(&launch_log).expect("launch log");
    let mut launches: HashMap<&str, usize> = HashMap::new();
    for job in log.lines().filter_map(|line| line.split('\t').next()) {
        *launches.entry(job).or_default() += 1;
    }
    for id in &acknowledged {
        assert_eq!(launches.get(id.as_str()), Some(&1), "{id} launched exactly once");
    }
    assert!(
        changed.lock().unwrap_or_else(PoisonError::into_inner).is_empty(),
        "terminal statuses changed: {changed:?}"
    );
    assert_eq!(store.integrity_check().expect("check"), "ok");
}

/// Registers a cluster and a template on the server at `url`; returns the body that launches a
/// job of that template on that cluster.
fn job_request(url: &str) -> Value {
    let cluster =
        post(url, "/v2/clusters", &json!({"name": "c1", "plugin_name": "vanilla", "plugin_version": "2.7.1"}))
            .expect("cluster");
    let template =
        post(url, "/v2/job-templates", &json!({"name": "t", "type": "MapReduce.Streaming"})).expect("template");
    json!({"job_template_id": template["job_template"]["id"], "cluster_id": cluster["cluster"]["id"]})
}

/// A small tmpfs mounted for the test, unmounted when dropped.
struct Tmpfs {
    path: std::path::PathBuf,
}

impl Tmpfs {
    fn mount(path: &Path, size: &str) -> Tmpfs {
        std::fs::create_dir_all(path).expect("mount point");
        let status = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(path)
            .status()
            .expect("mount runs");
        assert!(status.success(), "mounting a tmpfs needs root (CI runs as root)");
        Tmpfs { path: path.to_owned() }
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg("-l").arg(&self.path).status();
    }
}

/// Fills the file system holding `dir` with `name` until a write fails.
fn fill(dir: &Path, name: &str) {
    use std::io::Write as _;
    let mut file = std::fs::File::create(dir.join(name)).expect("filler");
    let block = vec![0_u8; 64 * 1024];
    while file.write_all(&block).and_then(|()| file.sync_data()).is_ok() {}
}

#[test]
fn a_full_data_directory_fails_writes_clearly_loses_nothing_and_recovers() {
    if !rustix::process::geteuid().is_root() {
        eprintln!("a_full_data_directory_fails_writes_clearly: needs root to mount a tmpfs; CI runs as root");
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let tmpfs = Tmpfs::mount(&dir.path().join("data"), "4m");
    let launch_log = dir.path().join("launches.tsv");
    let config = config(dir.path(), &launch_log);
    let (server, url) = start(&config);
    let job = job_request(&url);
    let before = post(&url, "/v2/jobs", &job).expect("a job before the disk fills");

    fill(&tmpfs.path, "filler");
    let refused = post(&url, "/v2/jobs", &job).expect_err("the disk is full");
    assert!(refused.contains("507"), "{refused}");
    let reply = ureq::get(&format!("{url}/v2/jobs")).set("X-Auth-Token", TOKEN).call();
    assert!(reply.is_ok(), "reads still work on a full disk: {reply:?}");

    std::fs::remove_file(tmpfs.path.join("filler")).expect("free the space");
    let after = post(&url, "/v2/jobs", &job).expect("writes work again once there is space");
    for id in [&before["job"]["id"], &after["job"]["id"]] {
        let reply = ureq::get(&format!("{url}/v2/jobs/{}", id.as_str().expect("id")))
            .set("X-Auth-Token", TOKEN)
            .call()
            .expect("the job is there");
        assert_eq!(reply.status(), 200);
    }
    server.signal(rustix::process::Signal::TERM);
    let (code, _) = server.wait();
    assert_eq!(code, Some(0));
    let store = SqliteStore::open(&tmpfs.path.join("edp.sqlite")).expect("store");
    assert_eq!(store.integrity_check().expect("check"), "ok");
}

/// A small ext4 file system in an image file on a loop device, mounted with
/// `errors=remount-ro`: a disk error makes it read-only, as on a real machine. Unmounted when
/// dropped.
struct Ext4Disk {
    image: std::path::PathBuf,
    path: std::path::PathBuf,
}

impl Ext4Disk {
    /// `None`, saying why, where loop devices cannot be used.
    fn mount(image: &Path, path: &Path) -> Option<Ext4Disk> {
        let run = |program: &str, args: &[&std::ffi::OsStr]| {
            std::process::Command::new(program).args(args).output().is_ok_and(|output| output.status.success())
        };
        std::fs::create_dir_all(path).expect("mount point");
        let file = std::fs::File::create(image).expect("image");
        file.set_len(32 << 20).expect("image size");
        let disk = Ext4Disk { image: image.to_owned(), path: path.to_owned() };
        let made = run("mkfs.ext4", &["-q".as_ref(), image.as_os_str()]);
        if !(made && disk.mount_again()) {
            eprintln!("a read-only data directory: needs root, mkfs.ext4 and a loop device; CI has them");
            return None;
        }
        Some(disk)
    }

    fn mount_again(&self) -> bool {
        std::process::Command::new("mount")
            .args(["-o", "loop,errors=remount-ro"])
            .arg(&self.image)
            .arg(&self.path)
            .status()
            .is_ok_and(|status| status.success())
    }

    /// The kernel's own disk-error path (ext4's `trigger_fs_error`): the file system turns
    /// read-only under the running host.
    fn fail(&self) {
        let source = std::process::Command::new("findmnt").args(["-n", "-o", "SOURCE"]).arg(&self.path).output();
        let source = String::from_utf8(source.expect("findmnt").stdout).expect("utf-8");
        let device = source.trim().rsplit('/').next().expect("a device name").to_owned();
        std::fs::write(format!("/sys/fs/ext4/{device}/trigger_fs_error"), "1").expect("trigger an ext4 error");
    }

    /// What an operator does: unmount, check and repair, mount again.
    fn repair(&self) {
        assert!(std::process::Command::new("umount").arg(&self.path).status().expect("umount").success());
        let checked = std::process::Command::new("e2fsck").arg("-fy").arg(&self.image).status().expect("e2fsck");
        assert!(checked.code().is_some_and(|code| code <= 1), "e2fsck could not repair the image: {checked}");
        assert!(self.mount_again(), "mounting the repaired file system");
    }
}

impl Drop for Ext4Disk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg("-l").arg(&self.path).status();
    }
}

fn get(url: &str, path: &str) -> Result<Value, String> {
    let reply = ureq::get(&format!("{url}{path}")).set("X-Auth-Token", TOKEN).timeout(Duration::from_secs(5)).call();
    match reply {
        Ok(reply) => {
            serde_json::from_str(&reply.into_string().map_err(|err| err.to_string())?).map_err(|err| err.to_string())
        }
        Err(ureq::Error::Status(code, reply)) => Err(format!("{code} {}", reply.into_string().unwrap_or_default())),
        Err(error) => Err(error.to_string()),
    }
}

#[test]
fn a_data_directory_that_turns_read_only_fails_writes_clearly_and_the_host_recovers_after_repair() {
    if !rustix::process::geteuid().is_root() {
        eprintln!("a read-only data directory: needs root to mount a file system; CI runs as root");
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let Some(disk) = Ext4Disk::mount(&dir.path().join("disk.img"), &dir.path().join("data")) else { return };
    let launch_log = dir.path().join("launches.tsv");
    let config = config(dir.path(), &launch_log);
    let (server, url) = start(&config);
    let job = job_request(&url);
    let acknowledged: Vec<String> = (0..5)
        .map(|_| post(&url, "/v2/jobs", &job).expect("launch")["job"]["id"].as_str().expect("id").to_owned())
        .collect();
    let finished = support::wait_until(Duration::from_secs(30), || {
        acknowledged.iter().all(|id| {
            get(&url, &format!("/v2/jobs/{id}"))
                .is_ok_and(|reply| reply["job"]["info"]["status"].as_str().is_some_and(|status| status == "SUCCEEDED"))
        })
    });
    assert!(finished, "the jobs did not finish before the disk failed");
    // No flush here: with durable commits (the default) every acknowledged write is on disk
    // before it is answered, so the file system's abort below loses none of them.
    disk.fail();
    let refused = post(&url, "/v2/jobs", &job).expect_err("the store cannot be written");
    assert!(refused.starts_with("503"), "a failed disk is 503 Service Unavailable: {refused}");
    assert!(
        refused.contains("\"error_name\":\"STORE_UNAVAILABLE\"") && refused.contains("nothing was written"),
        "Sahara's error body, with the reason: {refused}"
    );
    for id in &acknowledged {
        let reply = get(&url, &format!("/v2/jobs/{id}")).expect("reads still work on a read-only disk");
        assert_eq!(reply["job"]["info"]["status"], "SUCCEEDED");
    }
    let health = ureq::get(&format!("{url}/healthz")).call();
    assert!(health.is_ok(), "the host stays up: {health:?}");

    server.signal(rustix::process::Signal::TERM);
    let (code, _) = server.wait();
    assert_eq!(code, Some(0), "a clean stop even with a read-only store");
    disk.repair();
    let (server, url) = start(&config);
    for id in &acknowledged {
        let reply = get(&url, &format!("/v2/jobs/{id}")).expect("every acknowledged job survived");
        assert_eq!(reply["job"]["info"]["status"], "SUCCEEDED");
    }
    let after = post(&url, "/v2/jobs", &job).expect("writes work again after the repair");
    assert!(after["job"]["id"].is_string());
    server.signal(rustix::process::Signal::TERM);
    assert_eq!(server.wait().0, Some(0));
    let store = SqliteStore::open(&disk.path.join("edp.sqlite")).expect("store");
    assert_eq!(store.integrity_check().expect("check"), "ok");
}
