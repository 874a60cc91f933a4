//! Tests of plugins.toml parsing and validation.

use std::path::Path;

use super::*;

fn parse(text: &str) -> Result<Config, ConfigErrors> {
    Config::parse(text, Path::new("/etc/edp/plugins.toml"))
}

fn errors(text: &str) -> Vec<String> {
    parse(text).expect_err("config should be rejected").0.iter().map(ToString::to_string).collect()
}

#[test]
fn a_full_config_parses_with_paths_relative_to_the_file() {
    let config = parse(
        r#"
[host]
data_dir = "state"
plugin_dirs = ["plugins", "/opt/edp/plugins"]

[engines.local]
config = { grace_period_secs = 5 }
timeout_secs = { default = 10, run_job = 60.5 }

[engines.oozie]
library = "lib/liboozie.so"

[engines.spark]
library = "edp_engine_spark"

[[routes]]
cluster_type = "vanilla"
versions = ">=2.7, <3"
job_types = ["MapReduce", "Pig"]
engine = "oozie"

[[routes]]
cluster_type = "*"
engine = "local"
"#,
    )
    .expect("valid config");
    assert_eq!(config.host.data_dir, Path::new("/etc/edp/state"));
    assert_eq!(config.host.plugin_dirs, [Path::new("/etc/edp/plugins"), Path::new("/opt/edp/plugins")]);
    let local = &config.engines["local"];
    assert_eq!(local.config_json, r#"{"grace_period_secs":5}"#);
    assert_eq!(local.timeouts.get("run_job"), Duration::from_secs_f64(60.5));
    assert_eq!(local.timeouts.get("cancel_job"), Duration::from_secs(10));
    assert_eq!(config.engines["oozie"].library, Some(LibrarySource::Path("/etc/edp/lib/liboozie.so".into())));
    assert_eq!(config.engines["spark"].library, Some(LibrarySource::Name("edp_engine_spark".into())));
    assert_eq!(config.routes.len(), 2);
    assert_eq!(config.routes[0].job_types, Some(vec![JobType::MapReduce, JobType::Pig]));
    assert_eq!(config.routes[1].cluster_type, ClusterTypeMatch::Any);
}

#[test]
fn an_unknown_key_names_file_line_and_column() {
    let errors = errors("[engines.local]\nconfig = {}\ntimeout = 5\n");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].starts_with("/etc/edp/plugins.toml:3:1: engine `local`: unknown field `timeout`"),
        "{}",
        errors[0]
    );
}

#[test]
fn all_errors_are_reported_at_once_each_with_its_subject() {
    let errors = errors(
        r#"
[host]
data_dri = "x"

[engines.a]
libary = "x"

[engines.b]
timeout_secs = { run_jbo = 3, cancel_job = -1 }

[[routes]]
cluster_type = "vanilla"
versions = ">= one"
engine = "a"

[[routes]]
cluster_type = "spark"
job_types = ["Spark", "Flink"]
engine = "b"
"#,
    );
    let joined = errors.join("\n");
    assert_eq!(errors.len(), 6, "{joined}");
    let mut sorted = errors.clone();
    sorted.sort_by_key(|line| line.split(':').nth(1).and_then(|n| n.parse::<usize>().ok()));
    assert_eq!(errors, sorted, "errors come in file order");
    assert!(joined.contains("plugins.toml:3:1: [host]: unknown field `data_dri`"), "{joined}");
    assert!(joined.contains("plugins.toml:6:1: engine `a`: unknown field `libary`"), "{joined}");
    assert!(joined.contains("plugins.toml:9:18: engine `b`: unknown call `run_jbo`"), "{joined}");
    assert!(joined.contains("engine `b`: timeout_secs.cancel_job must be a number of seconds above 0"), "{joined}");
    assert!(
        joined.contains("plugins.toml:13:12: route #1: bad version requirement: `one` is not a numeric version"),
        "{joined}"
    );
    assert!(joined.contains("plugins.toml:18:23: route #2: unknown job type `Flink`"), "{joined}");
}

#[test]
fn syntax_errors_and_unknown_sections_have_positions() {
    let syntax = errors("[host\n");
    assert!(syntax[0].starts_with("/etc/edp/plugins.toml:1:"), "{syntax:?}");
    let errors = errors("[hosts]\n");
    assert_eq!(
        errors,
        ["/etc/edp/plugins.toml:1:2: unknown section `hosts`, expected one of: host, engines, routes, auth"]
    );
}

#[test]
fn equally_specific_overlapping_routes_tie() {
    let errors = errors(
        r#"
[[routes]]
cluster_type = "vanilla"
versions = ">=2.6"
engine = "a"

[[routes]]
cluster_type = "vanilla"
versions = "2.7.*"
engine = "b"
"#,
    );
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains("plugins.toml:7:1: route #2: ties with route #1"), "{}", errors[0]);
}

#[test]
fn disjoint_or_differently_specific_routes_do_not_tie() {
    parse(
        r#"
[[routes]]
cluster_type = "vanilla"
versions = "<2.7"
engine = "a"

[[routes]]
cluster_type = "vanilla"
versions = ">=2.7"
engine = "b"

[[routes]]
cluster_type = "vanilla"
job_types = ["MapReduce"]
engine = "c"

[[routes]]
cluster_type = "vanilla"
job_types = ["Spark"]
engine = "d"

[[routes]]
cluster_type = "*"
engine = "e"
"#,
    )
    .expect("no ties");
}

#[test]
fn a_base_job_type_overlaps_its_subtype() {
    let errors = errors(
        r#"
[[routes]]
cluster_type = "vanilla"
job_types = ["MapReduce"]
engine = "a"

[[routes]]
cluster_type = "vanilla"
job_types = ["MapReduce.Streaming"]
engine = "b"
"#,
    );
    assert_eq!(errors.len(), 1, "{errors:?}");
}
