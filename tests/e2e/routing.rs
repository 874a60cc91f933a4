//! Route precedence against real engines.

use std::sync::Arc;

use edp_host::routing::{RouteQuery, RouteTable};
use edp_plugin_api::JobType;

use crate::support::{self, MemoryContext};

fn table(routes: &str) -> Result<RouteTable, Vec<String>> {
    let dir = tempfile::tempdir().expect("temp dir");
    let plugin_dir = support::engine_libraries();
    let config = support::write_config(
        dir.path(),
        &format!(
            "[host]\nplugin_dirs = [{:?}]\n\n[engines.mock2]\nlibrary = {:?}\n\n{routes}",
            plugin_dir.display().to_string(),
            support::engine_library("edp_engine_mock").display().to_string()
        ),
    );
    let (config, registry) = support::load_registry(&config, Arc::new(MemoryContext::default()));
    RouteTable::build(&config.routes, &registry).map_err(|errors| errors.iter().map(ToString::to_string).collect())
}

fn engine_for(table: &RouteTable, cluster_type: &str, version: Option<&str>, job_type: JobType) -> Option<String> {
    table.resolve(&RouteQuery { cluster_type, version, job_type }).ok().map(|route| route.engine.clone())
}

#[test]
fn the_most_specific_route_wins_and_versions_compare_as_numbers() {
    let table = table(
        r#"
[[routes]]
cluster_type = "*"
engine = "local"

[[routes]]
cluster_type = "vanilla"
engine = "mock"

[[routes]]
cluster_type = "vanilla"
versions = ">=1.10"
engine = "mock2"

[[routes]]
cluster_type = "vanilla"
job_types = ["Shell"]
engine = "local"
"#,
    )
    .expect("valid routes");
    assert_eq!(engine_for(&table, "vanilla", Some("1.10.0"), JobType::Pig).as_deref(), Some("mock2"));
    assert_eq!(engine_for(&table, "vanilla", Some("1.6"), JobType::Pig).as_deref(), Some("mock"));
    assert_eq!(engine_for(&table, "vanilla", Some("1.10"), JobType::Shell).as_deref(), Some("local"));
    assert_eq!(engine_for(&table, "cdh", Some("5.11"), JobType::Java).as_deref(), Some("local"));
    assert_eq!(engine_for(&table, "vanilla", None, JobType::Hive).as_deref(), Some("mock"));

    let explanation =
        table.explain(&RouteQuery { cluster_type: "vanilla", version: Some("1.6"), job_type: JobType::Pig });
    let text = explanation.to_string();
    assert!(text.contains("version 1.6 does not meet >=1.10"), "{text}");
    assert!(text.contains("job type Pig is not in Shell"), "{text}");
}

#[test]
fn without_a_default_route_an_unrouted_job_has_no_engine() {
    let table = table("[[routes]]\ncluster_type = \"spark\"\nengine = \"mock\"\n").expect("valid");
    let err = table
        .resolve(&RouteQuery { cluster_type: "vanilla", version: Some("2.7"), job_type: JobType::Java })
        .expect_err("no route");
    assert!(err.to_string().contains("no route matches cluster type `vanilla` version 2.7, job type Java"), "{err}");
}

#[test]
fn a_route_listing_a_job_type_its_engine_does_not_run_is_refused() {
    let errors = table("[[routes]]\ncluster_type = \"spark\"\njob_types = [\"Spark\"]\nengine = \"local\"\n")
        .expect_err("local does not run Spark");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains("route #1: engine `local` does not run Spark jobs (it runs: "), "{errors:?}");
}
