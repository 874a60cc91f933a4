//! Sahara's validation of Oozie jobs (`validate_job_execution` and the template checks), plus
//! what Oozie itself would refuse late.
//!
//! - Java needs `edp.java.main_class`; MapReduce.Streaming needs the mapper and the reducer.
//! - MapReduce, MapReduce.Streaming, Pig and Hive need an input and an output data source, and
//!   not the same one (same kind and URL).
//! - Pig, Hive and Shell need a main (the script); Java and MapReduce need libs (the jars) and
//!   no mains; `mains` and `libs` do not share a binary.
//! - A section a type does not use (`args` of a Hive job, `params` of a Java job) must be
//!   empty, instead of being silently dropped.
//! - Every name and value must be representable in XML.

use edp_plugin_api::{EngineError, JobConfigs, JobTemplate, JobType};

use crate::xml::check_text;

/// The job types this engine runs.
pub(crate) const JOB_TYPES: [JobType; 6] =
    [JobType::Hive, JobType::Java, JobType::MapReduce, JobType::MapReduceStreaming, JobType::Pig, JobType::Shell];

/// The supported job type named `text`.
pub(crate) fn job_type(text: &str) -> Result<JobType, EngineError> {
    let job_type: JobType =
        text.parse().map_err(|err: edp_plugin_api::UnknownJobType| EngineError::invalid_job(err.to_string()))?;
    if JOB_TYPES.contains(&job_type) {
        Ok(job_type)
    } else {
        Err(EngineError::not_supported(format!("{job_type} jobs on Oozie")))
    }
}

/// Whether the type reads an input and an output data source.
pub(crate) fn uses_data_sources(job_type: JobType) -> bool {
    matches!(job_type, JobType::MapReduce | JobType::MapReduceStreaming | JobType::Pig | JobType::Hive)
}

/// Sahara's `JOB_TYPES_ACCEPTABLE_CONFIGS`: (params, args) the type uses.
fn sections(job_type: JobType) -> (bool, bool) {
    match job_type {
        JobType::Pig | JobType::Shell => (true, true),
        JobType::Hive => (true, false),
        JobType::Java => (false, true),
        _ => (false, false),
    }
}

/// The workflow application name of a job execution: `edp-<id>`, which is how the engine finds
/// the job again without its Oozie id. The id must be safe in a path and a name.
pub(crate) fn app_name(job_execution_id: &str) -> Result<String, EngineError> {
    let valid = !job_execution_id.is_empty()
        && job_execution_id.len() <= 128
        && !job_execution_id.starts_with('.')
        && job_execution_id.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
    if valid {
        Ok(format!("edp-{job_execution_id}"))
    } else {
        Err(EngineError::invalid_job(format!(
            "job execution id `{job_execution_id}` must be 1 to 128 letters, digits, `.`, `_` or `-`"
        )))
    }
}

/// Checks the job configs for `job_type`. `main_wrapper` says whether the engine has Sahara's
/// main wrapper jar (for `edp.java.adapt_for_oozie`).
pub(crate) fn check_configs(job_type: JobType, configs: &JobConfigs, main_wrapper: bool) -> Result<(), EngineError> {
    let (params_used, args_used) = sections(job_type);
    if !params_used && !configs.params.is_empty() {
        return Err(EngineError::invalid_job(format!("{job_type} jobs take no params (they would be ignored)")));
    }
    if !args_used && !configs.args.is_empty() {
        return Err(EngineError::invalid_job(format!("{job_type} jobs take no args (they would be ignored)")));
    }
    let required = |key: &str| -> Result<(), EngineError> {
        match configs.config(key) {
            Some(value) if !value.trim().is_empty() => Ok(()),
            _ => Err(EngineError::invalid_job(format!("{job_type} jobs need the config `{key}`"))),
        }
    };
    match job_type {
        JobType::Java => {
            required("edp.java.main_class")?;
            if crate::workflow::flag(configs, "edp.java.adapt_for_oozie") && !main_wrapper {
                return Err(EngineError::invalid_job(
                    "edp.java.adapt_for_oozie needs Sahara's edp-main-wrapper.jar: set java_main_wrapper_jar in the \
                     oozie engine's config",
                ));
            }
        }
        JobType::MapReduceStreaming => {
            required("edp.streaming.mapper")?;
            required("edp.streaming.reducer")?;
        }
        _ => {}
    }
    for key in configs.configs.keys() {
        check_text(&format!("the config name `{key}`"), key)?;
        check_text(&format!("config `{key}`"), &configs.config(key).unwrap_or_default())?;
    }
    for (name, value) in configs.params_as_text() {
        check_text(&format!("the param name `{name}`"), &name)?;
        check_text(&format!("param `{name}`"), &value)?;
        if job_type == JobType::Shell && (name.is_empty() || name.contains('=')) {
            return Err(EngineError::invalid_job(format!(
                "Shell params become environment variables: `{name}` cannot be a variable name"
            )));
        }
    }
    for (index, arg) in configs.args_as_text().iter().enumerate() {
        check_text(&format!("arg #{}", index + 1), arg)?;
    }
    Ok(())
}

/// Sahara's `check_mains_libs` for the template of a `job_type` job.
pub(crate) fn check_template(job_type: JobType, template: &JobTemplate) -> Result<(), EngineError> {
    let needs_main = matches!(job_type, JobType::Pig | JobType::Hive | JobType::Shell);
    if needs_main {
        if template.mains.is_empty() {
            return Err(EngineError::invalid_job(format!(
                "{job_type} job template `{}` needs a main binary: the script to run",
                template.name
            )));
        }
        if template.mains.iter().any(|main| template.libs.contains(main)) {
            return Err(EngineError::invalid_job(format!(
                "job template `{}`: the same binary is both a main and a lib",
                template.name
            )));
        }
    } else {
        if !template.mains.is_empty() {
            return Err(EngineError::invalid_job(format!(
                "{job_type} job template `{}` uses libs, not mains",
                template.name
            )));
        }
        if job_type != JobType::MapReduceStreaming && template.libs.is_empty() {
            return Err(EngineError::invalid_job(format!(
                "{job_type} job template `{}` needs libs: the jars with the job's classes",
                template.name
            )));
        }
    }
    Ok(())
}

/// Checks a job binary's file name: it becomes a file in the workflow directory.
pub(crate) fn check_binary_name(name: &str) -> Result<(), EngineError> {
    let bad = name.is_empty()
        || name == "."
        || name == ".."
        || name.contains('/')
        || name.contains(':')
        || name.chars().any(char::is_control);
    if bad {
        return Err(EngineError::invalid_job(format!("job binary name `{name}` cannot be an HDFS file name")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use edp_plugin_api::ErrorKind;

    fn configs(json: &str) -> JobConfigs {
        JobConfigs::parse(json).expect("configs")
    }

    fn template(mains: &[&str], libs: &[&str]) -> JobTemplate {
        JobTemplate {
            id: "t".into(),
            name: "tpl".into(),
            job_type: "Pig".into(),
            mains: mains.iter().map(|m| (*m).into()).collect(),
            libs: libs.iter().map(|l| (*l).into()).collect(),
        }
    }

    #[test]
    fn supported_types_are_sahara_s_oozie_types() {
        for name in ["Hive", "Java", "MapReduce", "MapReduce.Streaming", "Pig", "Shell"] {
            assert!(job_type(name).is_ok(), "{name}");
        }
        assert_eq!(job_type("Spark").expect_err("spark").kind, ErrorKind::NOT_SUPPORTED);
        assert_eq!(job_type("Pig.Latin").expect_err("unknown").kind, ErrorKind::INVALID_JOB);
    }

    #[test]
    fn java_needs_a_main_class_and_streaming_a_mapper_and_reducer() {
        assert!(check_configs(JobType::Java, &configs("{}"), false).is_err());
        assert!(check_configs(JobType::Java, &configs(r#"{"configs": {"edp.java.main_class": " "}}"#), false).is_err());
        assert!(
            check_configs(JobType::Java, &configs(r#"{"configs": {"edp.java.main_class": "a.B"}}"#), false).is_ok()
        );
        let adapted = configs(r#"{"configs": {"edp.java.main_class": "a.B", "edp.java.adapt_for_oozie": true}}"#);
        assert!(check_configs(JobType::Java, &adapted, false).is_err());
        assert!(check_configs(JobType::Java, &adapted, true).is_ok());
        let mapper_only = configs(r#"{"configs": {"edp.streaming.mapper": "/bin/cat"}}"#);
        assert!(check_configs(JobType::MapReduceStreaming, &mapper_only, false).is_err());
        let both = configs(r#"{"configs": {"edp.streaming.mapper": "/bin/cat", "edp.streaming.reducer": "wc"}}"#);
        assert!(check_configs(JobType::MapReduceStreaming, &both, false).is_ok());
        assert!(check_configs(JobType::MapReduce, &configs("{}"), false).is_ok());
    }

    #[test]
    fn unused_sections_and_unwritable_values_are_refused() {
        assert!(check_configs(JobType::Hive, &configs(r#"{"args": ["a"]}"#), false).is_err());
        assert!(check_configs(JobType::Hive, &configs(r#"{"params": {"a": "1"}}"#), false).is_ok());
        assert!(check_configs(JobType::MapReduce, &configs(r#"{"params": {"a": "1"}}"#), false).is_err());
        assert!(check_configs(JobType::Shell, &configs(r#"{"params": {"A=B": "1"}}"#), false).is_err());
        assert!(check_configs(JobType::Pig, &configs(r#"{"args": ["\u0001"]}"#), false).is_err());
        assert!(check_configs(JobType::Pig, &configs(r#"{"configs": {"k\u0002": "v"}}"#), false).is_err());
        assert!(check_configs(JobType::Pig, &configs(r#"{"params": {"k": "v\u0003"}}"#), false).is_err());
    }

    #[test]
    fn templates_follow_sahara_s_mains_and_libs_rules() {
        assert!(check_template(JobType::Pig, &template(&["s.pig"], &["udf.jar"])).is_ok());
        assert!(check_template(JobType::Pig, &template(&[], &["udf.jar"])).is_err());
        assert!(check_template(JobType::Shell, &template(&["a"], &["a"])).is_err());
        assert!(check_template(JobType::Java, &template(&[], &["app.jar"])).is_ok());
        assert!(check_template(JobType::Java, &template(&[], &[])).is_err());
        assert!(check_template(JobType::MapReduce, &template(&["x.jar"], &["app.jar"])).is_err());
        assert!(check_template(JobType::MapReduceStreaming, &template(&[], &[])).is_ok());
    }

    #[test]
    fn names_are_checked() {
        assert_eq!(app_name("3f2a-01").expect("valid"), "edp-3f2a-01");
        for bad in ["", "a/b", "../x", ".hidden", "a b", "a\nb"] {
            assert!(app_name(bad).is_err(), "{bad:?}");
        }
        assert!(check_binary_name("wordcount.jar").is_ok());
        for bad in ["", ".", "..", "a/b", "c:d", "x\ny"] {
            assert!(check_binary_name(bad).is_err(), "{bad:?}");
        }
    }
}
