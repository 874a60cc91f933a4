//! workflow.xml and coordinator.xml, with Sahara's semantics (`workflow_factory.py` and the
//! `workflow_creator` modules), written with a real XML writer.
//!
//! The workflow is Sahara's template: `start` → one action node `job-node` → `end`, or the kill
//! node `fail` with Oozie's error message. What the action holds depends on the job type:
//!
//! | type | action | from the job configs |
//! |---|---|---|
//! | MapReduce | `<map-reduce>` | `mapred.input.dir` / `mapred.output.dir` from the data sources, configs |
//! | MapReduce.Streaming | `<map-reduce><streaming>` | also `edp.streaming.mapper` / `.reducer` |
//! | Pig | `<pig>` | configs, `<script>` (the main), params (`INPUT`, `OUTPUT` first), args |
//! | Hive | `<hive>` (hive-action 0.2) | `<job-xml>` hive-site.xml, configs, `<script>`, params |
//! | Java | `<java>` | configs, `edp.java.main_class`, `edp.java.java_opts`, args |
//! | Shell | `<shell>` (shell-action 0.1) | configs, `<exec>` (the main), args, params as env vars, files |
//!
//! `edp.*` and `oozie.*` keys never reach the workflow configuration (`oozie.*` goes to the
//! job properties). User configs and params override the ones derived from data sources, as in
//! Sahara's `update_job_dict`. Swift URLs get Sahara's `.sahara` host suffix, and the proxy user
//! of `proxy_configs` becomes the Swift credentials of the configuration.

use std::collections::BTreeMap;

use edp_plugin_api::{EngineError, JobConfigs, JobType};

use crate::xml::{XmlDoc, check_text};

/// The main class Sahara's `edp.java.adapt_for_oozie` substitutes.
pub(crate) const MAIN_WRAPPER_CLASS: &str = "org.openstack.sahara.edp.MainWrapper";

/// Sahara's Swift service suffix (`fs.swift.service.sahara.*`).
const SWIFT_URL_SUFFIX: &str = ".sahara";

/// What the workflow generator needs to know about one job execution.
#[derive(Debug, Clone)]
pub(crate) struct WorkflowInput<'a> {
    /// The job type.
    pub(crate) job_type: JobType,
    /// The workflow application's name (`edp-<job execution id>`).
    pub(crate) app_name: &'a str,
    /// The job configs.
    pub(crate) configs: &'a JobConfigs,
    /// The input data source's URL.
    pub(crate) input_url: Option<&'a str>,
    /// The output data source's URL.
    pub(crate) output_url: Option<&'a str>,
    /// The file names of the template's mains.
    pub(crate) mains: &'a [String],
    /// The file names of the template's libs.
    pub(crate) libs: &'a [String],
    /// The cluster's HDFS user (for Hive's hive-site.xml).
    pub(crate) hdfs_user: &'a str,
}

/// Whether a Sahara boolean config is on (`true`, `"true"` or `"True"`).
pub(crate) fn flag(configs: &JobConfigs, key: &str) -> bool {
    configs.config(key).is_some_and(|value| value.eq_ignore_ascii_case("true"))
}

/// Sahara's `inject_swift_url_suffix`: `swift://container/object` becomes
/// `swift://container.sahara/object`; anything else is returned unchanged.
pub(crate) fn inject_swift_url_suffix(value: &str) -> String {
    let Some(rest) = value.strip_prefix("swift://") else { return value.to_owned() };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (host, tail) = rest.split_at(end);
    if host.is_empty() || host.ends_with(SWIFT_URL_SUFFIX) {
        value.to_owned()
    } else {
        format!("swift://{host}{SWIFT_URL_SUFFIX}{tail}")
    }
}

/// The configs that go into the workflow: no `edp.*`, no `oozie.*`.
fn user_configs(configs: &JobConfigs) -> BTreeMap<String, String> {
    configs
        .configs
        .keys()
        .filter(|key| !key.starts_with("edp.") && !key.starts_with("oozie."))
        .filter_map(|key| configs.config(key).map(|value| (key.clone(), value)))
        .collect()
}

/// Swift credentials of Sahara's proxy user, when the execution has one.
fn proxy_configs(configs: &JobConfigs) -> BTreeMap<String, String> {
    [
        ("proxy_username", "fs.swift.service.sahara.username"),
        ("proxy_password", "fs.swift.service.sahara.password"),
        ("proxy_trust_id", "fs.swift.service.sahara.trust.id"),
    ]
    .into_iter()
    .filter_map(|(from, to)| {
        let value = configs.proxy_configs.get(from)?;
        let text = value.as_str().map_or_else(|| value.to_string(), str::to_owned);
        Some((to.to_owned(), text))
    })
    .collect()
}

/// The workflow configuration: `base`, then the user's configs over it, Swift URLs suffixed.
fn configuration(base: BTreeMap<String, String>, configs: &JobConfigs) -> BTreeMap<String, String> {
    let mut merged = base;
    merged.extend(proxy_configs(configs));
    merged.extend(user_configs(configs));
    merged.into_iter().map(|(key, value)| (key, inject_swift_url_suffix(&value))).collect()
}

/// `INPUT` and `OUTPUT` from the data sources, then the user's params over them.
fn params(input: &WorkflowInput<'_>, with_data_sources: bool) -> BTreeMap<String, String> {
    let mut params = BTreeMap::new();
    if with_data_sources {
        if let Some(url) = input.input_url {
            params.insert("INPUT".to_owned(), url.to_owned());
        }
        if let Some(url) = input.output_url {
            params.insert("OUTPUT".to_owned(), url.to_owned());
        }
    }
    params.extend(input.configs.params_as_text());
    params.into_iter().map(|(key, value)| (key, inject_swift_url_suffix(&value))).collect()
}

fn args(configs: &JobConfigs) -> Vec<String> {
    configs.args_as_text().iter().map(|arg| inject_swift_url_suffix(arg)).collect()
}

fn equal_separated(params: &BTreeMap<String, String>) -> Vec<String> {
    params.iter().map(|(key, value)| format!("{key}={value}")).collect()
}

/// The action node's body, per job type.
#[derive(Debug)]
enum Action {
    MapReduce { streaming: Option<(String, String)> },
    Pig { script: String, params: Vec<String>, args: Vec<String> },
    Hive { script: String, job_xml: String, params: Vec<String> },
    Java { main_class: String, java_opts: Option<String>, args: Vec<String> },
    Shell { script: String, args: Vec<String>, env: Vec<String>, files: Vec<String> },
}

fn first_main(input: &WorkflowInput<'_>) -> Result<String, EngineError> {
    input.mains.first().cloned().ok_or_else(|| {
        EngineError::invalid_job(format!("a {} job template needs a main binary: the script to run", input.job_type))
    })
}

fn required_config(configs: &JobConfigs, key: &str, job_type: JobType) -> Result<String, EngineError> {
    configs
        .config(key)
        .filter(|value| !value.trim().is_empty())
        .ok_or_else(|| EngineError::invalid_job(format!("{job_type} jobs need the config `{key}`")))
}

/// The action and its configuration for `input`.
fn action(input: &WorkflowInput<'_>) -> Result<(Action, BTreeMap<String, String>), EngineError> {
    let configs = input.configs;
    let result = match input.job_type {
        JobType::MapReduce | JobType::MapReduceStreaming => {
            let mut base = BTreeMap::new();
            if let Some(url) = input.input_url {
                base.insert("mapred.input.dir".to_owned(), url.to_owned());
            }
            if let Some(url) = input.output_url {
                base.insert("mapred.output.dir".to_owned(), url.to_owned());
            }
            let streaming = if input.job_type == JobType::MapReduceStreaming {
                Some((
                    required_config(configs, "edp.streaming.mapper", input.job_type)?,
                    required_config(configs, "edp.streaming.reducer", input.job_type)?,
                ))
            } else {
                None
            };
            (Action::MapReduce { streaming }, configuration(base, configs))
        }
        JobType::Pig => (
            Action::Pig {
                script: first_main(input)?,
                params: equal_separated(&params(input, true)),
                args: args(configs),
            },
            configuration(BTreeMap::new(), configs),
        ),
        JobType::Hive => (
            Action::Hive {
                script: first_main(input)?,
                job_xml: format!("/user/{}/conf/hive-site.xml", input.hdfs_user),
                params: equal_separated(&params(input, true)),
            },
            configuration(BTreeMap::new(), configs),
        ),
        JobType::Java => {
            let mut main_class = required_config(configs, "edp.java.main_class", input.job_type)?;
            let mut args = args(configs);
            if flag(configs, "edp.java.adapt_for_oozie") {
                args.insert(0, main_class);
                main_class = MAIN_WRAPPER_CLASS.to_owned();
            }
            let java_opts = configs.config("edp.java.java_opts").filter(|opts| !opts.trim().is_empty());
            (Action::Java { main_class, java_opts, args }, configuration(BTreeMap::new(), configs))
        }
        JobType::Shell => {
            let script = first_main(input)?;
            let params = params(input, false);
            if let Some(bad) = params.keys().find(|name| name.is_empty() || name.contains('=')) {
                return Err(EngineError::invalid_job(format!(
                    "Shell params become environment variables: `{bad}` cannot be a variable name"
                )));
            }
            let mut files = input.libs.to_vec();
            files.push(script.clone());
            let action = Action::Shell { script, args: args(configs), env: equal_separated(&params), files };
            // Shell jobs get the user's configs only: Sahara adds no Swift settings to them.
            (action, user_configs(configs))
        }
        other => return Err(EngineError::not_supported(format!("{other} jobs on Oozie"))),
    };
    Ok(result)
}

/// Every value the action writes, with a name for error messages.
fn check_action(action: &Action, configuration: &BTreeMap<String, String>) -> Result<(), EngineError> {
    for (name, value) in configuration {
        check_text(&format!("the config name `{name}`"), name)?;
        check_text(&format!("config `{name}`"), value)?;
    }
    let list = |what: &str, items: &[String]| -> Result<(), EngineError> {
        items.iter().enumerate().try_for_each(|(index, item)| check_text(&format!("{what} #{}", index + 1), item))
    };
    match action {
        Action::MapReduce { streaming: Some((mapper, reducer)) } => {
            check_text("edp.streaming.mapper", mapper)?;
            check_text("edp.streaming.reducer", reducer)
        }
        Action::MapReduce { streaming: None } => Ok(()),
        Action::Pig { script, params, args } => {
            check_text("the script name", script)?;
            list("param", params)?;
            list("arg", args)
        }
        Action::Hive { script, params, .. } => {
            check_text("the script name", script)?;
            list("param", params)
        }
        Action::Java { main_class, java_opts, args } => {
            check_text("edp.java.main_class", main_class)?;
            check_text("edp.java.java_opts", java_opts.as_deref().unwrap_or_default())?;
            list("arg", args)
        }
        Action::Shell { args, env, files, .. } => {
            list("arg", args)?;
            list("param", env)?;
            list("file", files)
        }
    }
}

fn write_action(doc: &mut XmlDoc, action: &Action, configuration: &BTreeMap<String, String>) {
    let (tag, xmlns) = match action {
        Action::MapReduce { .. } => ("map-reduce", None),
        Action::Pig { .. } => ("pig", None),
        Action::Hive { .. } => ("hive", Some("uri:oozie:hive-action:0.2")),
        Action::Java { .. } => ("java", None),
        Action::Shell { .. } => ("shell", Some("uri:oozie:shell-action:0.1")),
    };
    let attributes: Vec<(&str, &str)> = xmlns.map(|ns| ("xmlns", ns)).into_iter().collect();
    doc.open(tag, &attributes);
    doc.text("job-tracker", "${jobTracker}").text("name-node", "${nameNode}");
    if let Action::MapReduce { streaming: Some((mapper, reducer)) } = action {
        doc.open("streaming", &[]).text("mapper", mapper).text("reducer", reducer).close("streaming");
    }
    if let Action::Hive { job_xml, .. } = action {
        doc.text("job-xml", job_xml);
    }
    if !configuration.is_empty() {
        doc.configuration(configuration);
    }
    let each = |doc: &mut XmlDoc, tag: &str, items: &[String]| {
        for item in items {
            doc.text(tag, item);
        }
    };
    match action {
        Action::MapReduce { .. } => {}
        Action::Pig { script, params, args } => {
            doc.text("script", script);
            each(doc, "param", params);
            each(doc, "argument", args);
        }
        Action::Hive { script, params, .. } => {
            doc.text("script", script);
            each(doc, "param", params);
        }
        Action::Java { main_class, java_opts, args } => {
            doc.text("main-class", main_class);
            if let Some(opts) = java_opts {
                doc.text("java-opts", opts);
            }
            each(doc, "arg", args);
        }
        Action::Shell { script, args, env, files } => {
            doc.text("exec", script);
            each(doc, "argument", args);
            each(doc, "env-var", env);
            each(doc, "file", files);
        }
    }
    doc.close(tag);
}

/// The workflow.xml of `input`.
pub(crate) fn workflow_xml(input: &WorkflowInput<'_>) -> Result<String, EngineError> {
    check_text("the workflow name", input.app_name)?;
    let (action, configuration) = action(input)?;
    check_action(&action, &configuration)?;
    let mut doc = XmlDoc::new();
    doc.open("workflow-app", &[("xmlns", "uri:oozie:workflow:0.2"), ("name", input.app_name)]);
    doc.empty("start", &[("to", "job-node")]);
    doc.open("action", &[("name", "job-node")]);
    write_action(&mut doc, &action, &configuration);
    doc.empty("ok", &[("to", "end")]).empty("error", &[("to", "fail")]);
    doc.close("action");
    doc.open("kill", &[("name", "fail")])
        .text("message", "Workflow failed, error message[${wf:errorMessage(wf:lastErrorNode())}]")
        .close("kill");
    doc.empty("end", &[("name", "end")]);
    doc.close("workflow-app");
    Ok(doc.finish())
}

/// The coordinator.xml of a scheduled run (Sahara's `_create_coordinator_xml`): the schedule
/// and the workflow come from the job properties (`start`, `end`, `frequency`,
/// `workflowAppUri`), times in UTC.
pub(crate) fn coordinator_xml(app_name: &str) -> Result<String, EngineError> {
    check_text("the coordinator name", app_name)?;
    let mut doc = XmlDoc::new();
    doc.open(
        "coordinator-app",
        &[
            ("name", app_name),
            ("start", "${start}"),
            ("end", "${end}"),
            ("frequency", "${frequency}"),
            ("timezone", "UTC"),
            ("xmlns", "uri:oozie:coordinator:0.2"),
        ],
    );
    doc.open("action", &[]).open("workflow", &[]).text("app-path", "${workflowAppUri}");
    let passed_on = BTreeMap::from([
        ("jobTracker".to_owned(), "${jobTracker}".to_owned()),
        ("nameNode".to_owned(), "${nameNode}".to_owned()),
    ]);
    doc.configuration(&passed_on);
    doc.close("workflow").close("action").close("coordinator-app");
    Ok(doc.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swift_url_suffix_as_sahara() {
        assert_eq!(inject_swift_url_suffix("swift://ex/o"), "swift://ex.sahara/o");
        assert_eq!(inject_swift_url_suffix("swift://ex.sahara/o"), "swift://ex.sahara/o");
        assert_eq!(inject_swift_url_suffix(&inject_swift_url_suffix("swift://ex/o")), "swift://ex.sahara/o");
        assert_eq!(inject_swift_url_suffix("swift://ex"), "swift://ex.sahara");
        assert_eq!(inject_swift_url_suffix("hdfs://nn/swift://ex/o"), "hdfs://nn/swift://ex/o");
        assert_eq!(inject_swift_url_suffix("plain"), "plain");
    }

    #[test]
    fn flags_take_sahara_spellings() {
        let configs =
            JobConfigs::parse(r#"{"configs": {"a": true, "b": "True", "c": "true", "d": "yes"}}"#).expect("configs");
        assert!(flag(&configs, "a") && flag(&configs, "b") && flag(&configs, "c"));
        assert!(!flag(&configs, "d") && !flag(&configs, "missing"));
    }
}
