//! The engine's health: a usable work directory, spark-submit present, and the default
//! master reachable (its REST server in REST mode, its RPC port otherwise).

use std::net::{TcpStream, ToSocketAddrs};
use std::path::Path;
use std::time::Duration;

use edp_plugin_api::{HealthReport, HealthState};
use edp_process_supervisor::program::find_program;
use rustix::fs::Access;

use crate::config::SparkConfig;
use crate::mode::{LaunchMode, standalone_host};
use crate::rest::RestApi;

/// How long a connection to the master's RPC port may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// Unhealthy without a writable work directory or without spark-submit when the default mode
/// needs it; degraded when the default master cannot be reached or spark-submit is missing but
/// only REST is the default.
pub(crate) fn check(work_dir: &Path, config: &SparkConfig, api: &RestApi) -> HealthReport {
    if !work_dir.is_dir() || rustix::fs::access(work_dir, Access::WRITE_OK | Access::EXEC_OK).is_err() {
        return HealthReport::new(
            HealthState::UNHEALTHY,
            format!("work dir {} is not a writable directory", work_dir.display()),
        );
    }
    let mut problems = Vec::new();
    let mut state = HealthState::HEALTHY;
    if find_program(&config.spark_submit).is_none() {
        problems.push(format!("spark-submit `{}` not found", config.spark_submit));
        state = match config.default_launch_mode {
            LaunchMode::SparkSubmit => HealthState::UNHEALTHY,
            LaunchMode::Rest => HealthState::DEGRADED,
        };
    }
    if let Some(problem) = master_problem(config, api) {
        problems.push(problem);
        if state == HealthState::HEALTHY {
            state = HealthState::DEGRADED;
        }
    }
    if problems.is_empty() { HealthReport::healthy() } else { HealthReport::new(state, problems.join("; ")) }
}

/// Why the default master cannot be reached, if it cannot.
fn master_problem(config: &SparkConfig, api: &RestApi) -> Option<String> {
    let master = config.default_master.as_deref()?;
    let host = standalone_host(master)?;
    if config.default_launch_mode == LaunchMode::Rest {
        let rest_url = format!("http://{host}:{}", config.rest_port);
        return api.readyz(&rest_url).err().map(|err| format!("master REST server {rest_url} is not ready: {err}"));
    }
    let first = master.strip_prefix("spark://")?.split(',').next()?;
    let reachable = first
        .to_socket_addrs()
        .ok()
        .into_iter()
        .flatten()
        .any(|address| TcpStream::connect_timeout(&address, CONNECT_TIMEOUT).is_ok());
    (!reachable).then(|| format!("master {master} is not reachable"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::Http;

    fn api() -> RestApi {
        RestApi::new(Http::new(Duration::from_secs(2)))
    }

    fn closed_port() -> u16 {
        std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port()
    }

    #[test]
    fn healthy_with_spark_submit_and_no_default_master() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let config = SparkConfig::parse(r#"{"spark_submit": "/bin/sh"}"#).expect("config");
        assert_eq!(check(tmp.path(), &config, &api()), HealthReport::healthy());
        assert_eq!(check(&tmp.path().join("absent"), &config, &api()).state, HealthState::UNHEALTHY);
    }

    #[test]
    fn missing_spark_submit_and_unreachable_masters_are_reported() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let config = SparkConfig::parse(r#"{"spark_submit": "/no/spark-submit"}"#).expect("config");
        let report = check(tmp.path(), &config, &api());
        assert_eq!(report.state, HealthState::UNHEALTHY);
        assert!(report.message.contains("/no/spark-submit"), "{}", report.message);

        let port = closed_port();
        let json = format!(r#"{{"spark_submit": "/bin/sh", "default_master": "spark://127.0.0.1:{port}"}}"#);
        let report = check(tmp.path(), &SparkConfig::parse(&json).expect("config"), &api());
        assert_eq!(report.state, HealthState::DEGRADED);
        assert!(report.message.contains("not reachable"), "{}", report.message);

        let json = format!(
            r#"{{"spark_submit": "/no/x", "default_master": "spark://127.0.0.1:7077", "default_launch_mode": "rest",
                "rest_port": {port}}}"#
        );
        let report = check(tmp.path(), &SparkConfig::parse(&json).expect("config"), &api());
        assert_eq!(report.state, HealthState::DEGRADED);
        assert!(report.message.contains("REST server"), "{}", report.message);
    }
}
