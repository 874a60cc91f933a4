//! A protocol-accurate fake of Apache Oozie (web-services API v1/v2) and WebHDFS (a NameNode
//! and a DataNode), written from engine-protocols.md §2 and Hadoop's WebHDFS REST API:
//!
//! - Oozie: `201 {"id"}` submissions with the XML content type checked, PUT controls that
//!   answer 200 and silently do nothing when a precondition fails, `E0604` for unknown ids,
//!   errors in the `oozie-error-code` / `oozie-error-message` headers over an HTML body, job
//!   JSON with RFC-822 dates, `show=info|status|definition|log`, job lists with filters,
//!   system modes. Submissions read workflow.xml (or coordinator.xml) from the fake HDFS as
//!   Oozie does, and check its `${variables}` against the configuration.
//! - Job state machines are scripted per job by the workflow configuration property
//!   `fake.script` (`RUNNING:300ms,SUCCEEDED`; default `RUNNING` until killed or finished by the
//!   test) and `fake.ignore` (`kill,suspend`: controls Oozie accepts and ignores).
//! - WebHDFS: the two-step CREATE (307 from the NameNode to the DataNode), MKDIRS,
//!   GETFILESTATUS, LISTSTATUS, OPEN, DELETE, `RemoteException` errors.
//! - Faults: scripted 5xx answers, slowness before or after handling, dropped connections,
//!   and whole servers stopped and restarted on the same port.

mod hdfs;
mod oozie;
pub(crate) mod server;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use server::{Handler, Request, Response, Server};

pub(crate) use oozie::FakeJob;

/// Which of the fake's servers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Role {
    Oozie,
    NameNode,
    DataNode,
}

/// One request the fake received.
#[derive(Debug, Clone)]
pub(crate) struct Logged {
    pub(crate) role: Role,
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) query: Vec<(String, String)>,
    pub(crate) content_type: Option<String>,
    pub(crate) body: Vec<u8>,
}

impl Logged {
    pub(crate) fn param(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str())
    }
}

/// What an injected fault does.
#[derive(Debug, Clone)]
pub(crate) enum FaultKind {
    /// Answer this status (Oozie: with error headers; WebHDFS: a RemoteException).
    Status(u16),
    /// Wait, then handle the request.
    DelayBefore(Duration),
    /// Handle the request, then wait before answering.
    DelayAfter(Duration),
    /// Close the connection without an answer.
    Drop,
}

#[derive(Debug, Clone)]
struct Fault {
    role: Role,
    method: String,
    path_contains: String,
    remaining: u32,
    kind: FaultKind,
}

/// The fake file system.
#[derive(Debug, Default)]
pub(crate) struct Hdfs {
    /// Absolute path → `None` for a directory, `Some(bytes)` for a file.
    pub(crate) nodes: BTreeMap<String, Option<Vec<u8>>>,
}

type SubmitHook = Box<dyn Fn(&str) + Send>;

#[derive(Default)]
pub(crate) struct State {
    pub(crate) hdfs: Hdfs,
    pub(crate) jobs: BTreeMap<String, FakeJob>,
    pub(crate) next_seq: u32,
    pub(crate) system_mode: String,
    log: Vec<Logged>,
    faults: Vec<Fault>,
    on_submit: Option<SubmitHook>,
}

/// What the handlers share.
pub(crate) struct Shared {
    state: Mutex<State>,
    /// `hdfs://namenode.fake:8020`: the file system URI jobs must use.
    pub(crate) name_node: String,
    /// The DataNode's port, for redirects.
    pub(crate) datanode_port: OnceLock<u16>,
    /// The Oozie server's port, for console URLs.
    pub(crate) oozie_port: OnceLock<u16>,
    /// The server start stamp in job ids (`yyMMddHHmmssSSS`).
    pub(crate) stamp: String,
}

impl Shared {
    pub(crate) fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The fake servers and their shared state.
pub(crate) struct Fake {
    shared: Arc<Shared>,
    servers: Mutex<HashMap<Role, Server>>,
    ports: HashMap<Role, u16>,
}

/// The file system URI of every fake.
pub(crate) const NAME_NODE: &str = "hdfs://namenode.fake:8020";

fn civil(days: i64) -> (i64, i64, i64) {
    let days = days + 719_468;
    let era = days.div_euclid(146_097);
    let doe = days - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

fn stamp(now: SystemTime) -> String {
    let millis = now.duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default().as_millis() as i64;
    let (secs, ms) = (millis / 1000, millis % 1000);
    let (year, month, day) = civil(secs.div_euclid(86_400));
    let second_of_day = secs.rem_euclid(86_400);
    format!(
        "{:02}{month:02}{day:02}{:02}{:02}{:02}{ms:03}",
        year % 100,
        second_of_day / 3600,
        second_of_day / 60 % 60,
        second_of_day % 60
    )
}

fn handler(shared: &Arc<Shared>, role: Role) -> Handler {
    let shared = Arc::clone(shared);
    Arc::new(move |request: Request| handle(&shared, role, request))
}

fn handle(shared: &Shared, role: Role, request: Request) -> Option<Response> {
    let fault = {
        let mut state = shared.state();
        state.log.push(Logged {
            role,
            method: request.method.clone(),
            path: request.path.clone(),
            query: request.query.clone(),
            content_type: request.header("content-type").map(str::to_owned),
            body: request.body.clone(),
        });
        let matching = state.faults.iter_mut().find(|fault| {
            fault.role == role
                && fault.remaining > 0
                && (fault.method.is_empty() || fault.method == request.method)
                && request.path.contains(&fault.path_contains)
        });
        matching.map(|fault| {
            fault.remaining -= 1;
            fault.kind.clone()
        })
    };
    let mut after = None;
    match fault {
        Some(FaultKind::Status(status)) => {
            return Some(match role {
                Role::Oozie => oozie::error(status, "E0603", "SQL error in operation, the fake says so"),
                Role::NameNode | Role::DataNode => {
                    hdfs::remote_exception(status, "IOException", "java.io.IOException", "injected failure")
                }
            });
        }
        Some(FaultKind::DelayBefore(delay)) => std::thread::sleep(delay),
        Some(FaultKind::DelayAfter(delay)) => after = Some(delay),
        Some(FaultKind::Drop) => return None,
        None => {}
    }
    let response = match role {
        Role::Oozie => oozie::handle(shared, &request),
        Role::NameNode => hdfs::namenode(shared, &request),
        Role::DataNode => hdfs::datanode(shared, &request),
    };
    if let Some(delay) = after {
        std::thread::sleep(delay);
    }
    Some(response)
}

impl Fake {
    /// Starts the three servers on free ports.
    pub(crate) fn start() -> Self {
        let shared = Arc::new(Shared {
            state: Mutex::new(State { system_mode: "NORMAL".into(), ..State::default() }),
            name_node: NAME_NODE.into(),
            datanode_port: OnceLock::new(),
            oozie_port: OnceLock::new(),
            stamp: stamp(SystemTime::now()),
        });
        let mut servers = HashMap::new();
        let mut ports = HashMap::new();
        for role in [Role::DataNode, Role::NameNode, Role::Oozie] {
            let server = Server::start(0, handler(&shared, role)).expect("start a fake server");
            ports.insert(role, server.port());
            if role == Role::DataNode {
                let _ = shared.datanode_port.set(server.port());
            }
            if role == Role::Oozie {
                let _ = shared.oozie_port.set(server.port());
            }
            servers.insert(role, server);
        }
        Self { shared, servers: Mutex::new(servers), ports }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.shared.state()
    }

    /// `http://127.0.0.1:<port>/oozie`.
    pub(crate) fn oozie_url(&self) -> String {
        format!("{}/oozie", self.oozie_root())
    }

    /// `http://127.0.0.1:<port>`: what a client that appends `/oozie` itself wants.
    pub(crate) fn oozie_root(&self) -> String {
        format!("http://127.0.0.1:{}", self.ports[&Role::Oozie])
    }

    /// The NameNode's HTTP address.
    pub(crate) fn webhdfs_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.ports[&Role::NameNode])
    }

    /// Takes a server down: its port refuses connections until [`Fake::restart`].
    pub(crate) fn stop(&self, role: Role) {
        let mut servers = self.servers.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(mut server) = servers.remove(&role) {
            server.stop();
        }
    }

    /// Brings a stopped server back on its port.
    pub(crate) fn restart(&self, role: Role) {
        let mut servers = self.servers.lock().unwrap_or_else(PoisonError::into_inner);
        if servers.contains_key(&role) {
            return;
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        let server = loop {
            match Server::start(self.ports[&role], handler(&self.shared, role)) {
                Ok(server) => break server,
                Err(err) if Instant::now() < deadline => {
                    eprintln!("rebinding port {}: {err}; retrying", self.ports[&role]);
                    std::thread::sleep(Duration::from_millis(50));
                }
                Err(err) => panic!("cannot restart the fake on port {}: {err}", self.ports[&role]),
            }
        };
        servers.insert(role, server);
    }

    /// Makes the next `times` requests to `role` whose method is `method` (empty: any) and
    /// whose path contains `path_contains` behave as `kind`.
    pub(crate) fn inject(&self, role: Role, method: &str, path_contains: &str, times: u32, kind: FaultKind) {
        self.state().faults.push(Fault {
            role,
            method: method.into(),
            path_contains: path_contains.into(),
            remaining: times,
            kind,
        });
    }

    /// Runs `hook` with the new job's id right after each submission is accepted.
    pub(crate) fn on_submit(&self, hook: impl Fn(&str) + Send + 'static) {
        self.state().on_submit = Some(Box::new(hook));
    }

    pub(crate) fn run_submit_hook(shared: &Shared, id: &str) {
        let hook = shared.state().on_submit.take();
        if let Some(hook) = hook {
            hook(id);
            let mut state = shared.state();
            if state.on_submit.is_none() {
                state.on_submit = Some(hook);
            }
        }
    }

    /// Sets Oozie's system mode (`NORMAL`, `SAFEMODE`, `NOWEBSERVICE`).
    pub(crate) fn set_system_mode(&self, mode: &str) {
        self.state().system_mode = mode.into();
    }

    /// Every request so far.
    pub(crate) fn requests(&self) -> Vec<Logged> {
        self.state().log.clone()
    }

    /// Requests to `role` with `method` whose path contains `path_contains`.
    pub(crate) fn requests_to(&self, role: Role, method: &str, path_contains: &str) -> Vec<Logged> {
        self.requests()
            .into_iter()
            .filter(|logged| logged.role == role && logged.method == method && logged.path.contains(path_contains))
            .collect()
    }

    /// A job, brought up to date with its script.
    pub(crate) fn job(&self, id: &str) -> Option<FakeJob> {
        let mut state = self.state();
        let job = state.jobs.get_mut(id)?;
        job.advance();
        Some(job.clone())
    }

    /// Every job, up to date.
    pub(crate) fn jobs(&self) -> Vec<FakeJob> {
        let mut state = self.state();
        state
            .jobs
            .values_mut()
            .map(|job| {
                job.advance();
                job.clone()
            })
            .collect()
    }

    /// The job whose application name is `app_name`.
    pub(crate) fn job_named(&self, app_name: &str) -> Option<FakeJob> {
        self.jobs().into_iter().find(|job| job.app_name == app_name)
    }

    /// Moves a job to `status` as Oozie itself would (the job finished, failed, ...).
    pub(crate) fn set_status(&self, id: &str, status: &str) {
        let mut state = self.state();
        let job = state.jobs.get_mut(id).unwrap_or_else(|| panic!("no fake job {id}"));
        job.force(status);
    }

    /// A file's bytes.
    pub(crate) fn file(&self, path: &str) -> Option<Vec<u8>> {
        self.state().hdfs.nodes.get(path).cloned().flatten()
    }

    /// Whether `path` exists (file or directory).
    pub(crate) fn exists(&self, path: &str) -> bool {
        self.state().hdfs.nodes.contains_key(path)
    }

    /// Every path under `prefix` (itself included), sorted.
    pub(crate) fn paths_under(&self, prefix: &str) -> Vec<String> {
        let state = self.state();
        let nested = format!("{}/", prefix.trim_end_matches('/'));
        state.hdfs.nodes.keys().filter(|path| *path == prefix || path.starts_with(&nested)).cloned().collect()
    }

    /// Puts a file into the fake HDFS (parents created).
    pub(crate) fn put_file(&self, path: &str, data: &[u8]) {
        hdfs::write_file(&mut self.state().hdfs, path, data.to_vec());
    }
}
