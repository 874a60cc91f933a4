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

mod hostile_input {
    //! No input makes the parser panic, and every error it reports points inside the file.

    use proptest::prelude::*;

    use super::*;

    /// Lines that look like plugins.toml, to get past the TOML syntax into the validation.
    fn fragment() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("[host]".to_owned()),
            Just("[engines.local]".to_owned()),
            Just("[engines.local.timeout_secs]".to_owned()),
            Just("[[routes]]".to_owned()),
            Just("[[auth.tokens]]".to_owned()),
            "[a-z_]{1,12} = \"[ -~]{0,12}\"",
            "[a-z_]{1,12} = -?[0-9]{1,6}(\\.[0-9]{1,3})?",
            "(cluster_type|engine|versions|library|data_dir|role|project|token) = \"[ -~]{0,10}\"",
            "job_types = \\[(\"[A-Za-z.]{0,12}\", ?){0,3}\\]",
            "[ -~]{0,20}",
        ]
    }

    fn check(text: &str) {
        if let Err(errors) = parse(text) {
            let lines = text.lines().count().max(1) + 1;
            for error in errors.0 {
                assert!(error.position.line >= 1 && error.position.line <= lines, "{error} in {text:?}");
                assert!(error.position.column >= 1, "{error}");
                assert!(!error.message.is_empty(), "{error}");
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

        #[test]
        fn any_text_gives_a_config_or_positioned_errors(text in "\\PC{0,200}") {
            check(&text);
        }

        #[test]
        fn plugins_toml_lookalikes_give_a_config_or_positioned_errors(lines in prop::collection::vec(fragment(), 0..16)) {
            check(&lines.join("\n"));
        }

        #[test]
        fn version_requirements_never_panic(text in "[<>=!*., 0-9a-z]{0,24}") {
            let _ = text.parse::<crate::version::VersionReq>();
            let _ = text.parse::<crate::version::Version>();
        }
    }
}

#[test]
fn durable_commits_is_on_unless_turned_off_and_must_be_a_boolean() {
    assert!(parse("[host]\n").expect("valid").host.durable_commits);
    assert!(!parse("[host]\ndurable_commits = false\n").expect("valid").host.durable_commits);
    let errors = errors("[host]\ndurable_commits = \"yes\"\n");
    assert!(errors.iter().any(|error| error.contains("plugins.toml:2:")), "{errors:?}");
}
