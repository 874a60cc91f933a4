//! The `edp-host` binary on the repository's own plugins.toml and on broken ones.

use crate::support;

fn root_config() -> String {
    support::workspace_root().join("plugins.toml").display().to_string()
}

#[test]
fn plugins_list_on_the_root_config_shows_local_and_mock_loaded() {
    support::engine_libraries();
    let data = tempfile::tempdir().expect("temp dir");
    let output = support::edp_host(&[
        "--config",
        &root_config(),
        "--data-dir",
        data.path().to_str().expect("utf-8"),
        "plugins",
        "list",
    ]);
    let text = support::text(&output);
    assert!(output.status.success(), "{text}");
    assert!(text.contains("local (configured): loaded"), "{text}");
    assert!(text.contains("mock (discovered): loaded"), "{text}");
    assert!(text.contains("job types: Java, Shell") || text.contains("job types: Shell, Java"), "{text}");
    assert!(text.contains("capabilities: suspend, resume, scheduled"), "{text}");
}

#[test]
fn routes_explain_on_the_root_config_picks_the_default_route() {
    support::engine_libraries();
    let data = tempfile::tempdir().expect("temp dir");
    let output = support::edp_host(&[
        "--config",
        &root_config(),
        "--data-dir",
        data.path().to_str().expect("utf-8"),
        "routes",
        "explain",
        "--cluster-type",
        "vanilla",
        "--version",
        "2.7.1",
        "--job-type",
        "Shell",
    ]);
    let text = support::text(&output);
    assert!(output.status.success(), "{text}");
    assert!(text.contains("engine: local\nchosen: route #1 (cluster_type = \"*\")"), "{text}");
    assert!(text.contains("engine status: loaded"), "{text}");
}

#[test]
fn plugins_check_refuses_files_that_are_not_plugins_with_the_typed_reason() {
    let dir = tempfile::tempdir().expect("temp dir");
    let not_a_library = dir.path().join(support::libloading_name("garbage"));
    std::fs::write(&not_a_library, b"this is not an ELF file").expect("write");
    let output = support::edp_host(&["plugins", "check", not_a_library.to_str().expect("utf-8")]);
    assert_eq!(output.status.code(), Some(1));
    let text = support::text(&output);
    assert!(text.contains("not an edp plugin: not a loadable shared library"), "{text}");

    // A real shared library without edp's root module: the host binary's own dependency, libc.
    let libc = [
        "/lib/x86_64-linux-gnu/libc.so.6",
        "/usr/lib/x86_64-linux-gnu/libc.so.6",
        "/lib64/libc.so.6",
        "/usr/lib64/libc.so.6",
    ]
    .into_iter()
    .find(|path| std::path::Path::new(path).exists())
    .expect("libc.so.6 exists on a Linux machine");
    let output = support::edp_host(&["plugins", "check", libc]);
    assert_eq!(output.status.code(), Some(1));
    let text = support::text(&output);
    assert!(text.contains("not an edp plugin: it does not export an edp root module"), "{text}");

    let output = support::edp_host(&["plugins", "check", "/nonexistent/libnothing.so"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(support::text(&output).contains("not found: /nonexistent/libnothing.so does not exist"));
}

#[test]
fn a_broken_config_names_file_line_and_column_for_every_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = support::write_config(
        dir.path(),
        "[host]\nplugin_dirs = []\n\n[engines.local]\nlibary = \"x\"\n\n[[routes]]\ncluster_type = \"spark\"\nversions = \">= one\"\nengine = \"spark\"\n",
    );
    let output = support::edp_host(&["--config", config.to_str().expect("utf-8"), "plugins", "list"]);
    assert_eq!(output.status.code(), Some(1));
    let text = support::text(&output);
    let file = config.display();
    assert!(text.contains(&format!("{file}:5:1: engine `local`: unknown field `libary`")), "{text}");
    assert!(text.contains(&format!("{file}:9:12: route #1: bad version requirement")), "{text}");
}

#[test]
fn a_route_to_an_unknown_engine_is_an_error_at_its_position() {
    support::engine_libraries();
    let dir = tempfile::tempdir().expect("temp dir");
    let plugin_dir = support::engine_libraries();
    let config = support::write_config(
        dir.path(),
        &format!(
            "[host]\nplugin_dirs = [{:?}]\n\n[[routes]]\ncluster_type = \"spark\"\nengine = \"sparky\"\n",
            plugin_dir.display().to_string()
        ),
    );
    let output = support::edp_host(&[
        "--config",
        config.to_str().expect("utf-8"),
        "routes",
        "explain",
        "--cluster-type",
        "spark",
        "--job-type",
        "Spark",
    ]);
    assert_eq!(output.status.code(), Some(1));
    let text = support::text(&output);
    let expected = format!("{}:6:10: route #1: unknown engine `sparky` (engines: ", config.display());
    assert!(text.contains(&expected) && text.contains("local") && text.contains("mock"), "{text}");
}

#[test]
fn libraries_outside_the_configured_directories_are_never_loaded() {
    let dir = tempfile::tempdir().expect("temp dir");
    let configured = dir.path().join("plugins");
    let nested = configured.join("nested");
    let elsewhere = dir.path().join("elsewhere");
    for path in [&nested, &elsewhere] {
        std::fs::create_dir_all(path).expect("mkdir");
    }
    let mock = support::engine_library("edp_engine_mock");
    let file_name = mock.file_name().expect("file name");
    std::fs::copy(&mock, nested.join(file_name)).expect("copy");
    std::fs::copy(&mock, elsewhere.join(file_name)).expect("copy");
    let config = support::write_config(
        dir.path(),
        "[host]\nplugin_dirs = [\"plugins\"]\n\n[[routes]]\ncluster_type = \"*\"\nengine = \"mock\"\n",
    );
    let output = support::edp_host(&["--config", config.to_str().expect("utf-8"), "plugins", "list"]);
    let text = support::text(&output);
    assert!(output.status.success(), "{text}");
    assert!(!text.contains("mock"), "neither the nested nor the unlisted copy is loaded: {text}");
    let output = support::edp_host(&[
        "--config",
        config.to_str().expect("utf-8"),
        "routes",
        "explain",
        "--cluster-type",
        "vanilla",
        "--job-type",
        "Pig",
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert!(support::text(&output).contains("unknown engine `mock`"), "{}", support::text(&output));
}
