//! What to run for a job: the program, its arguments and environment, from its job type and
//! `job_configs`. Values are passed as separate arguments, never joined into shell text.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use edp_plugin_api::{EngineError, JobConfigs, JobType};
use edp_process_supervisor::launch::LaunchSpec;

/// The configuration property naming a Java job's main class.
pub(crate) const MAIN_CLASS: &str = "edp.java.main_class";
/// The configuration property with extra JVM options, split on whitespace.
pub(crate) const JAVA_OPTS: &str = "edp.java.java_opts";

/// The job types this engine runs, from a job execution's `job_type` text.
pub(crate) fn job_type(text: &str) -> Result<JobType, EngineError> {
    match text.parse::<JobType>() {
        Ok(kind @ (JobType::Shell | JobType::Java)) => Ok(kind),
        _ => Err(EngineError::not_supported(format!("job type `{text}`"))),
    }
}

/// Checks the parts of `configs` the job type needs, before anything is written.
pub(crate) fn validate_configs(kind: JobType, configs: &JobConfigs) -> Result<(), EngineError> {
    for arg in configs.args_as_text() {
        no_nul("an argument", &arg)?;
    }
    match kind {
        JobType::Java => {
            main_class(configs)?;
            if let Some(opts) = configs.config(JAVA_OPTS) {
                no_nul(JAVA_OPTS, &opts)?;
            }
        }
        _ => {
            for (name, value) in configs.params_as_text() {
                validate_env_name(&name)?;
                no_nul("a parameter value", &value)?;
            }
        }
    }
    Ok(())
}

/// A Java job's main class (`edp.java.main_class`), required.
pub(crate) fn main_class(configs: &JobConfigs) -> Result<String, EngineError> {
    let class = configs.config(MAIN_CLASS).unwrap_or_default();
    let class = class.trim();
    if class.is_empty() {
        return Err(EngineError::invalid_job(format!("a Java job needs `{MAIN_CLASS}`")));
    }
    no_nul(MAIN_CLASS, class)?;
    Ok(class.to_owned())
}

/// A Shell job: the script with the args; params become environment variables. A script
/// that starts with `#!` is executed directly, any other is run by `shell`.
pub(crate) fn shell_command(
    shell: &str,
    script: &Path,
    script_data: &[u8],
    configs: &JobConfigs,
) -> Result<LaunchSpec, EngineError> {
    validate_configs(JobType::Shell, configs)?;
    let job_args = configs.args_as_text().into_iter().map(OsString::from);
    let (program, args) = if script_data.starts_with(b"#!") {
        (script.as_os_str().to_owned(), job_args.collect())
    } else {
        let args = std::iter::once(script.as_os_str().to_owned()).chain(job_args).collect();
        (OsString::from(shell), args)
    };
    Ok(LaunchSpec { program, args, env: configs.params_as_text() })
}

/// A Java job: `java -cp <classpath> [java opts] <main class> <args...>`.
pub(crate) fn java_command(java: &str, classpath: &[PathBuf], configs: &JobConfigs) -> Result<LaunchSpec, EngineError> {
    validate_configs(JobType::Java, configs)?;
    let mut joined = OsString::new();
    for (index, path) in classpath.iter().enumerate() {
        if index > 0 {
            joined.push(":");
        }
        joined.push(path);
    }
    let mut args = vec![OsString::from("-cp"), joined];
    let opts = configs.config(JAVA_OPTS).unwrap_or_default();
    args.extend(opts.split_whitespace().map(OsString::from));
    args.push(OsString::from(main_class(configs)?));
    args.extend(configs.args_as_text().into_iter().map(OsString::from));
    Ok(LaunchSpec { program: OsString::from(java), args, env: Vec::new() })
}

/// Sahara's config hints for the job types this engine runs.
pub(crate) fn possible_job_config(job_type: &str) -> Option<serde_json::Value> {
    match job_type.parse::<JobType>().ok()? {
        JobType::Java => Some(serde_json::json!({"job_config": {
            "configs": [
                {"name": MAIN_CLASS, "value": "", "description": "The class whose main method runs"},
                {"name": JAVA_OPTS, "value": "", "description": "JVM options, separated by spaces"}
            ],
            "args": []
        }})),
        JobType::Shell => Some(serde_json::json!({"job_config": {"configs": [], "params": {}, "args": []}})),
        _ => None,
    }
}

fn validate_env_name(name: &str) -> Result<(), EngineError> {
    if name.is_empty() || name.contains('=') || name.contains('\0') {
        return Err(EngineError::invalid_job(format!("parameter `{name}` cannot be an environment variable name")));
    }
    Ok(())
}

fn no_nul(what: &str, value: &str) -> Result<(), EngineError> {
    if value.contains('\0') {
        return Err(EngineError::invalid_job(format!("{what} contains a NUL byte")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use edp_plugin_api::ErrorKind;

    fn configs(json: &str) -> JobConfigs {
        JobConfigs::parse(json).expect("valid job_configs")
    }

    fn os(items: &[&str]) -> Vec<OsString> {
        items.iter().map(OsString::from).collect()
    }

    #[test]
    fn only_shell_and_java_are_supported() {
        assert_eq!(job_type("Shell").expect("shell"), JobType::Shell);
        assert_eq!(job_type("Java").expect("java"), JobType::Java);
        for other in ["Pig", "MapReduce.Streaming", "shell", ""] {
            assert_eq!(job_type(other).expect_err("unsupported").kind, ErrorKind::NOT_SUPPORTED);
        }
    }

    #[test]
    fn shell_script_with_shebang_is_executed_directly() {
        let c = configs(r#"{"args": ["a b", 3], "params": {"INPUT": "x; rm -rf /"}}"#);
        let spec = shell_command("/bin/sh", Path::new("/w/run"), b"#!/bin/bash\necho", &c).expect("valid");
        assert_eq!(spec.program, "/w/run");
        assert_eq!(spec.args, os(&["a b", "3"]));
        assert_eq!(spec.env, [("INPUT".to_owned(), "x; rm -rf /".to_owned())]);
    }

    #[test]
    fn shell_script_without_shebang_runs_through_the_shell() {
        let c = configs(r#"{"args": ["$HOME", "`id`"]}"#);
        let spec = shell_command("/bin/dash", Path::new("/w/run"), b"echo hi", &c).expect("ok");
        assert_eq!(spec.program, "/bin/dash");
        assert_eq!(spec.args, os(&["/w/run", "$HOME", "`id`"]));
    }

    #[test]
    fn shell_params_must_be_usable_as_environment_variables() {
        for bad in [r#"{"params": {"A=B": "x"}}"#, r#"{"params": {"": "x"}}"#] {
            let err = shell_command("/bin/sh", Path::new("/w/s"), b"", &configs(bad)).expect_err("rejected");
            assert_eq!(err.kind, ErrorKind::INVALID_JOB);
        }
    }

    #[test]
    fn java_command_has_classpath_opts_main_class_and_args() {
        let c = configs(
            r#"{"configs": {"edp.java.main_class": "org.Main", "edp.java.java_opts": " -Xmx1g  -Da=b "},
                "args": ["in", "out"]}"#,
        );
        let cp = [PathBuf::from("/w/a.jar"), PathBuf::from("/w/b.jar")];
        let spec = java_command("java", &cp, &c).expect("valid");
        assert_eq!(spec.program, "java");
        assert_eq!(spec.args, os(&["-cp", "/w/a.jar:/w/b.jar", "-Xmx1g", "-Da=b", "org.Main", "in", "out"]));
        assert!(spec.env.is_empty());
    }

    #[test]
    fn java_needs_a_main_class() {
        for json in [r#"{}"#, r#"{"configs": {"edp.java.main_class": "  "}}"#] {
            let err = java_command("java", &[], &configs(json)).expect_err("rejected");
            assert_eq!(err.kind, ErrorKind::INVALID_JOB);
            assert!(validate_configs(JobType::Java, &configs(json)).is_err());
        }
    }

    #[test]
    fn config_hints_exist_for_shell_and_java_only() {
        assert!(possible_job_config("Java").is_some());
        assert!(possible_job_config("Shell").is_some());
        assert!(possible_job_config("Pig").is_none());
    }
}
