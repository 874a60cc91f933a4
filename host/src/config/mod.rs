//! plugins.toml: the host's settings, its engines and its routes.
//!
//! Every table denies unknown keys. Every error names the file, line and column, and all errors
//! are reported together, each prefixed by the engine or route it concerns. Relative paths are
//! resolved against the directory of the file, never the current directory.

mod document;
mod error;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use edp_plugin_api::{JobType, VERB_NAMES};

pub use error::{ConfigError, ConfigErrors, Position};

use crate::version::VersionReq;
use document::{RawDocument, RawEngine, RawRoute};
use error::ErrorSink;

/// A validated plugins.toml.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file it was read from.
    pub file: PathBuf,
    /// `[host]`.
    pub host: HostSettings,
    /// `[engines.NAME]`, by name.
    pub engines: BTreeMap<String, EngineSettings>,
    /// `[[routes]]`, in file order.
    pub routes: Vec<RouteSpec>,
    /// `[[auth.tokens]]`.
    pub tokens: Vec<TokenSettings>,
}

/// A role a token grants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Acts on its own project's objects.
    Member,
    /// Acts on every project's objects.
    Admin,
}

/// `[[auth.tokens]]`: who a token is.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenSettings {
    /// The project the token acts in.
    pub project: String,
    /// Its role.
    pub role: Role,
    /// The token itself (from the file, or from the environment variable `token_env` names).
    pub token: String,
}

impl std::fmt::Debug for TokenSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Tokens never appear in logs or error messages.
        f.debug_struct("TokenSettings")
            .field("project", &self.project)
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

/// `[host]` settings.
#[derive(Debug, Clone)]
pub struct HostSettings {
    /// Where the host keeps its data (engine work directories, later the job store).
    pub data_dir: PathBuf,
    /// Directories scanned for engine libraries at start; nothing outside them (and the explicit
    /// `library` paths) is ever loaded.
    pub plugin_dirs: Vec<PathBuf>,
    /// How the job manager works.
    pub manager: ManagerSettings,
    /// Where `serve` listens for the REST API.
    pub listen: String,
    /// The largest request body the API accepts (job binaries included).
    pub max_body_bytes: usize,
    /// Whether every store commit waits for the disk (SQLite `synchronous = FULL`), so that an
    /// acknowledged request survives a power cut or an OS crash too, not only a host crash. On
    /// by default: with group commit it costs nothing measurable (BENCHMARKS.md).
    pub durable_commits: bool,
}

/// Sahara's port, on loopback: `serve`'s default listen address.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8386";

/// The default largest request body: 16 MiB.
pub const DEFAULT_MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

/// The job manager's settings, from `[host]`.
#[derive(Debug, Clone, PartialEq)]
pub struct ManagerSettings {
    /// Time between two poll passes over the active job executions (Sahara: 45 s, fixed).
    pub poll_interval: Duration,
    /// How many engine status calls a poll pass makes at once.
    pub poll_concurrency: usize,
    /// How long a cancel keeps asking the engine (Sahara: 300 s).
    pub cancel_timeout: Duration,
    /// Time between two cancel attempts (Sahara: 3 s).
    pub cancel_retry: Duration,
    /// How long a job execution whose cluster was removed is kept before it is FAILED.
    pub missing_cluster_grace: Duration,
}

impl Default for ManagerSettings {
    fn default() -> Self {
        Self {
            poll_interval: Duration::from_secs(10),
            poll_concurrency: 16,
            cancel_timeout: Duration::from_secs(300),
            cancel_retry: Duration::from_secs(3),
            missing_cluster_grace: Duration::from_secs(300),
        }
    }
}

/// Where an engine's library comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LibrarySource {
    /// An explicit path (resolved against the config file's directory).
    Path(PathBuf),
    /// A bare name, looked up in the plugin directories with the platform's prefix and suffix
    /// (`local` → `liblocal.so` on Linux).
    Name(String),
}

/// `[engines.NAME]`.
#[derive(Debug, Clone)]
pub struct EngineSettings {
    /// The engine's name.
    pub name: String,
    /// The library, if the entry names one; otherwise a discovered plugin declaring `name`.
    pub library: Option<LibrarySource>,
    /// The `config` table as JSON text, handed to the plugin verbatim.
    pub config_json: String,
    /// Per-call timeouts.
    pub timeouts: CallTimeouts,
    /// Where the entry is.
    pub position: Position,
}

/// The timeout of each engine call. `default` applies to calls without their own.
#[derive(Debug, Clone, PartialEq)]
pub struct CallTimeouts {
    default: Duration,
    per_call: BTreeMap<String, Duration>,
}

impl CallTimeouts {
    /// The calls a timeout can be set for besides the engine verbs ([`VERB_NAMES`]).
    pub const OTHER_CALLS: [&'static str; 2] = ["default", "new_engine"];

    /// Whether a timeout can be set for `call`.
    pub fn is_call(call: &str) -> bool {
        Self::OTHER_CALLS.contains(&call) || VERB_NAMES.contains(&call)
    }

    /// The timeout when plugins.toml sets none.
    pub const DEFAULT: Duration = Duration::from_secs(30);

    /// The timeout of `call`.
    pub fn get(&self, call: &str) -> Duration {
        self.per_call.get(call).copied().unwrap_or(self.default)
    }
}

impl Default for CallTimeouts {
    fn default() -> Self {
        Self { default: Self::DEFAULT, per_call: BTreeMap::new() }
    }
}

/// Which cluster types a route covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClusterTypeMatch {
    /// `cluster_type = "*"`: the explicit default route.
    Any,
    /// One cluster type (Sahara's provisioning plugin name).
    Exactly(String),
}

/// `[[routes]]`: which engine runs which jobs.
#[derive(Debug, Clone)]
pub struct RouteSpec {
    /// 1-based, in file order.
    pub number: usize,
    /// Cluster type.
    pub cluster_type: ClusterTypeMatch,
    /// Version requirement, if any.
    pub versions: Option<VersionReq>,
    /// Job types, if any (a base type covers its subtypes).
    pub job_types: Option<Vec<JobType>>,
    /// The engine.
    pub engine: String,
    /// Where the route is.
    pub position: Position,
    /// Where its `engine` value is.
    pub engine_position: Position,
}

impl RouteSpec {
    /// How specific the route is: cluster type first, then job types, then versions. The most
    /// specific matching route wins.
    pub fn specificity(&self) -> (bool, bool, bool) {
        (matches!(self.cluster_type, ClusterTypeMatch::Exactly(_)), self.job_types.is_some(), self.versions.is_some())
    }

    /// Whether some (cluster type, version, job type) matches both routes.
    fn overlaps(&self, other: &RouteSpec) -> bool {
        let cluster_types = match (&self.cluster_type, &other.cluster_type) {
            (ClusterTypeMatch::Exactly(a), ClusterTypeMatch::Exactly(b)) => a == b,
            _ => true,
        };
        let versions = match (&self.versions, &other.versions) {
            (Some(a), Some(b)) => a.overlaps(b),
            _ => true,
        };
        let job_types = match (&self.job_types, &other.job_types) {
            (Some(a), Some(b)) => {
                JobType::ALL.iter().any(|job| a.iter().any(|t| t.covers(*job)) && b.iter().any(|t| t.covers(*job)))
            }
            _ => true,
        };
        cluster_types && versions && job_types
    }

    /// A one-line description, e.g. `route #2 (cluster_type = "vanilla", versions = ">=2.7")`.
    pub fn describe(&self) -> String {
        let mut parts = vec![match &self.cluster_type {
            ClusterTypeMatch::Any => "cluster_type = \"*\"".to_owned(),
            ClusterTypeMatch::Exactly(name) => format!("cluster_type = {name:?}"),
        }];
        if let Some(versions) = &self.versions {
            parts.push(format!("versions = \"{versions}\""));
        }
        if let Some(job_types) = &self.job_types {
            let names: Vec<_> = job_types.iter().map(|t| format!("{:?}", t.as_str())).collect();
            parts.push(format!("job_types = [{}]", names.join(", ")));
        }
        format!("route #{} ({}) at {}", self.number, parts.join(", "), self.position)
    }
}

impl Config {
    /// Reads and validates the file at `path`.
    pub fn load(path: &Path) -> Result<Config, ConfigErrors> {
        let text = std::fs::read_to_string(path).map_err(|err| {
            ConfigErrors(vec![ConfigError {
                position: Position { file: path.to_owned(), line: 1, column: 1 },
                subject: String::new(),
                message: format!("cannot read the file: {err}"),
            }])
        })?;
        Self::parse(&text, path)
    }

    /// Validates `text`, the contents of the file `path` (which anchors relative paths).
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigErrors> {
        let mut sink = ErrorSink::new(path, text);
        let raw = document::parse(text, &mut sink);
        let base_dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let config = build(raw, path, &base_dir, &mut sink);
        sink.finish().map(|()| config)
    }
}

fn resolve(base_dir: &Path, path: &str) -> PathBuf {
    let path = Path::new(path);
    if path.is_absolute() { path.to_owned() } else { base_dir.join(path) }
}

fn build(raw: RawDocument, file: &Path, base_dir: &Path, sink: &mut ErrorSink<'_>) -> Config {
    let data_dir = raw.host.data_dir.as_ref().map_or("data", |dir| dir.get_ref().as_str());
    let host = HostSettings {
        data_dir: resolve(base_dir, data_dir),
        plugin_dirs: raw.host.plugin_dirs.iter().map(|dir| resolve(base_dir, dir.get_ref())).collect(),
        manager: manager_settings(&raw.host, sink),
        listen: raw.host.listen.as_ref().map_or_else(|| DEFAULT_LISTEN.to_owned(), |listen| listen.get_ref().clone()),
        max_body_bytes: match &raw.host.max_body_bytes {
            None => DEFAULT_MAX_BODY_BYTES,
            Some(value) => match usize::try_from(*value.get_ref()) {
                Ok(bytes @ 1024..) => bytes,
                _ => {
                    sink.push(
                        &value.span(),
                        "[host]",
                        format!("max_body_bytes must be at least 1024, not {}", value.get_ref()),
                    );
                    DEFAULT_MAX_BODY_BYTES
                }
            },
        },
        durable_commits: raw.host.durable_commits.unwrap_or(true),
    };
    let tokens = raw
        .auth
        .tokens
        .iter()
        .enumerate()
        .filter_map(|(index, token)| token_settings(index + 1, token, sink))
        .collect();
    let engines = raw
        .engines
        .into_iter()
        .map(|(name, engine)| {
            let settings = engine_settings(&name, engine, base_dir, sink);
            (settings.name.clone(), settings)
        })
        .collect();
    let routes: Vec<RouteSpec> = raw
        .routes
        .into_iter()
        .enumerate()
        .filter_map(|(index, (span, route))| route_spec(index + 1, &span, route, sink))
        .collect();
    check_ties(&routes, sink);
    Config { file: file.to_owned(), host, engines, routes, tokens }
}

fn token_settings(
    number: usize,
    raw: &toml::Spanned<document::RawToken>,
    sink: &mut ErrorSink<'_>,
) -> Option<TokenSettings> {
    let subject = format!("auth token #{number}");
    let token = raw.get_ref();
    let role = match token.role.get_ref().as_str() {
        "member" => Role::Member,
        "admin" => Role::Admin,
        other => {
            sink.push(&token.role.span(), &subject, format!("role must be `member` or `admin`, not `{other}`"));
            return None;
        }
    };
    if token.project.get_ref().trim().is_empty() {
        sink.push(&token.project.span(), &subject, "project cannot be empty");
        return None;
    }
    let secret = match (&token.token, &token.token_env) {
        (Some(inline), None) => inline.get_ref().clone(),
        (None, Some(variable)) => match std::env::var(variable.get_ref()) {
            Ok(value) => value,
            Err(_) => {
                sink.push(
                    &variable.span(),
                    &subject,
                    format!("environment variable `{}` is not set", variable.get_ref()),
                );
                return None;
            }
        },
        _ => {
            sink.push(&raw.span(), &subject, "give exactly one of `token` and `token_env`");
            return None;
        }
    };
    if secret.len() < 8 {
        sink.push(&raw.span(), &subject, "a token must be at least 8 characters long");
        return None;
    }
    Some(TokenSettings { project: token.project.get_ref().clone(), role, token: secret })
}

fn manager_settings(raw: &document::RawHost, sink: &mut ErrorSink<'_>) -> ManagerSettings {
    let defaults = ManagerSettings::default();
    let mut seconds = |value: &Option<toml::Spanned<f64>>, key: &str, default: Duration| match value {
        None => default,
        Some(value) if value.get_ref().is_finite() && *value.get_ref() > 0.0 && *value.get_ref() <= 86_400.0 => {
            Duration::from_secs_f64(*value.get_ref())
        }
        Some(value) => {
            sink.push(
                &value.span(),
                "[host]",
                format!("{key} must be a number of seconds above 0 and at most 86400, not {}", value.get_ref()),
            );
            default
        }
    };
    let poll_interval = seconds(&raw.poll_interval_secs, "poll_interval_secs", defaults.poll_interval);
    let cancel_timeout = seconds(&raw.cancel_timeout_secs, "cancel_timeout_secs", defaults.cancel_timeout);
    let cancel_retry = seconds(&raw.cancel_retry_secs, "cancel_retry_secs", defaults.cancel_retry);
    let missing_cluster_grace =
        seconds(&raw.missing_cluster_grace_secs, "missing_cluster_grace_secs", defaults.missing_cluster_grace);
    let poll_concurrency = match &raw.poll_concurrency {
        None => defaults.poll_concurrency,
        Some(value) => match usize::try_from(*value.get_ref()) {
            Ok(n @ 1..=4096) => n,
            _ => {
                sink.push(
                    &value.span(),
                    "[host]",
                    format!("poll_concurrency must be 1 to 4096, not {}", value.get_ref()),
                );
                defaults.poll_concurrency
            }
        },
    };
    ManagerSettings { poll_interval, poll_concurrency, cancel_timeout, cancel_retry, missing_cluster_grace }
}

fn engine_settings(
    name: &toml::Spanned<String>,
    raw: RawEngine,
    base_dir: &Path,
    sink: &mut ErrorSink<'_>,
) -> EngineSettings {
    let subject = format!("engine `{}`", name.get_ref());
    let library = raw.library.map(|library| {
        let text = library.get_ref();
        if text.contains(std::path::MAIN_SEPARATOR)
            || text.contains('/')
            || text.ends_with(std::env::consts::DLL_SUFFIX)
        {
            LibrarySource::Path(resolve(base_dir, text))
        } else {
            LibrarySource::Name(text.clone())
        }
    });
    let mut timeouts = CallTimeouts::default();
    for (call, seconds) in &raw.timeout_secs {
        let value = *seconds.get_ref();
        if !CallTimeouts::is_call(call.get_ref()) {
            sink.push(
                &call.span(),
                &subject,
                format!(
                    "unknown call `{}` in timeout_secs, expected one of: {}, {}",
                    call.get_ref(),
                    CallTimeouts::OTHER_CALLS.join(", "),
                    VERB_NAMES.join(", ")
                ),
            );
        } else if !(value.is_finite() && value > 0.0 && value <= 86_400.0) {
            sink.push(
                &seconds.span(),
                &subject,
                format!(
                    "timeout_secs.{} must be a number of seconds above 0 and at most 86400, not {value}",
                    call.get_ref()
                ),
            );
        } else if call.get_ref() == "default" {
            timeouts.default = Duration::from_secs_f64(value);
        } else {
            timeouts.per_call.insert(call.get_ref().clone(), Duration::from_secs_f64(value));
        }
    }
    EngineSettings {
        name: name.get_ref().clone(),
        library,
        config_json: serde_json::Value::Object(raw.config).to_string(),
        timeouts,
        position: sink.position(&name.span()),
    }
}

fn route_spec(
    number: usize,
    span: &std::ops::Range<usize>,
    raw: RawRoute,
    sink: &mut ErrorSink<'_>,
) -> Option<RouteSpec> {
    let subject = format!("route #{number}");
    let mut ok = true;
    let cluster_type = match raw.cluster_type.get_ref().trim() {
        "" => {
            sink.push(
                &raw.cluster_type.span(),
                &subject,
                "cluster_type cannot be empty (use \"*\" for the default route)",
            );
            ok = false;
            ClusterTypeMatch::Any
        }
        "*" => ClusterTypeMatch::Any,
        name => ClusterTypeMatch::Exactly(name.to_owned()),
    };
    let versions = raw.versions.as_ref().and_then(|versions| {
        versions
            .get_ref()
            .parse::<VersionReq>()
            .map_err(|err| {
                sink.push(&versions.span(), &subject, format!("bad version requirement: {err}"));
                ok = false;
            })
            .ok()
    });
    let job_types = raw.job_types.as_ref().map(|job_types| {
        if job_types.is_empty() {
            sink.push(span, &subject, "job_types cannot be empty (leave it out to match every job type)");
            ok = false;
        }
        job_types
            .iter()
            .filter_map(|job_type| {
                job_type
                    .get_ref()
                    .parse::<JobType>()
                    .map_err(|err| {
                        sink.push(&job_type.span(), &subject, err.to_string());
                        ok = false;
                    })
                    .ok()
            })
            .collect()
    });
    if raw.engine.get_ref().trim().is_empty() {
        sink.push(&raw.engine.span(), &subject, "engine cannot be empty");
        ok = false;
    }
    ok.then(|| RouteSpec {
        number,
        cluster_type,
        versions,
        job_types,
        engine: raw.engine.get_ref().clone(),
        position: sink.position(span),
        engine_position: sink.position(&raw.engine.span()),
    })
}

fn check_ties(routes: &[RouteSpec], sink: &mut ErrorSink<'_>) {
    for (i, first) in routes.iter().enumerate() {
        for second in &routes[i + 1..] {
            if first.specificity() == second.specificity() && first.overlaps(second) {
                let position = second.position.clone();
                sink.push_at(
                    position,
                    &format!("route #{}", second.number),
                    format!(
                        "ties with {}: both match some jobs and neither is more specific; narrow one of them",
                        first.describe()
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests;
