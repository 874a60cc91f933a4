//! The engine's health: a usable work directory, and the programs its jobs need.

use std::path::{Path, PathBuf};

use edp_plugin_api::{HealthReport, HealthState};
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

/// Where `program` is: itself if it has a `/`, else the first executable match in `PATH`.
pub(crate) fn find_program(program: &str) -> Option<PathBuf> {
    let executable = |path: &Path| path.is_file() && rustix::fs::access(path, Access::EXEC_OK).is_ok();
    if program.contains('/') {
        let path = PathBuf::from(program);
        return executable(&path).then_some(path);
    }
    let search = std::env::var_os("PATH")?;
    std::env::split_paths(&search).map(|dir| dir.join(program)).find(|path| executable(path))
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
    fn finds_programs_by_path_and_by_name() {
        assert_eq!(find_program("/bin/sh"), Some(PathBuf::from("/bin/sh")));
        assert!(find_program("sh").is_some());
        assert_eq!(find_program("/no/such/program"), None);
        assert_eq!(find_program("edp-no-such-program-x"), None);
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
