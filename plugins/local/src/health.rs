//! The engine's health: a usable work directory, and the programs its jobs need.

use std::path::Path;

use edp_plugin_api::{HealthReport, HealthState};
use edp_process_supervisor::program::find_program;
use rustix::fs::Access;

use crate::config::LocalConfig;

/// Unhealthy without a writable work directory; degraded when the shell or java is missing.
pub(crate) fn check(work_dir: &Path, config: &LocalConfig) -> HealthReport {
    if !work_dir.is_dir() {
        return HealthReport::new(
            HealthState::UNHEALTHY,
            format!("work dir {} is not a directory", work_dir.display()),
        );
    }
    if rustix::fs::access(work_dir, Access::WRITE_OK | Access::EXEC_OK).is_err() {
        return HealthReport::new(HealthState::UNHEALTHY, format!("work dir {} is not writable", work_dir.display()));
    }
    let missing: Vec<String> = [("Shell", &config.shell), ("Java", &config.java)]
        .into_iter()
        .filter(|(_, program)| find_program(program).is_none())
        .map(|(job_type, program)| format!("{job_type} jobs will fail: `{program}` not found"))
        .collect();
    if missing.is_empty() {
        HealthReport::healthy()
    } else {
        HealthReport::new(HealthState::DEGRADED, missing.join("; "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(java: &str) -> LocalConfig {
        LocalConfig {
            java: java.to_owned(),
            shell: "/bin/sh".to_owned(),
            ..LocalConfig::parse("{}").expect("defaults")
        }
    }

    #[test]
    fn healthy_with_a_work_dir_and_degraded_without_java() {
        let tmp = tempfile::tempdir().expect("tempdir");
        assert_eq!(check(tmp.path(), &config("/bin/sh")), HealthReport::healthy());
        let degraded = check(tmp.path(), &config("/no/java"));
        assert_eq!(degraded.state, HealthState::DEGRADED);
        assert!(degraded.message.contains("/no/java"));
        let missing = tmp.path().join("absent");
        assert_eq!(check(&missing, &config("/bin/sh")).state, HealthState::UNHEALTHY);
    }
}
