//! The spark-submit command of a Spark application (client deploy mode) and the command of a
//! Shell job. Values are separate arguments, never joined into shell text.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::Path;

use edp_plugin_api::JobConfigs;
use edp_process_supervisor::launch::LaunchSpec;

use crate::plan::{Location, SparkApp};

/// Joins locations with `,` as `--jars` and `--py-files` take them.
pub(crate) fn joined(locations: &[Location]) -> String {
    locations.iter().map(Location::as_arg).collect::<Vec<_>>().join(",")
}

/// The options of `spark-submit` before the application, for `master` in `deploy_mode`:
/// `--master`, `--deploy-mode`, `--name`, then `--class`, `--jars`, `--py-files`,
/// `--driver-class-path` where the application has them, and one `--conf` per property.
pub(crate) fn submit_options(app: &SparkApp, master: &str, deploy_mode: &str) -> Vec<String> {
    let mut args = vec!["--master".to_owned(), master.to_owned(), "--deploy-mode".to_owned(), deploy_mode.to_owned()];
    args.extend(["--name".to_owned(), app.name.clone()]);
    if let Some(class) = &app.main_class {
        args.extend(["--class".to_owned(), class.clone()]);
    }
    if !app.jars.is_empty() {
        args.extend(["--jars".to_owned(), joined(&app.jars)]);
    }
    if !app.py_files.is_empty() {
        args.extend(["--py-files".to_owned(), joined(&app.py_files)]);
    }
    if let Some(path) = &app.driver_class_path {
        args.extend(["--driver-class-path".to_owned(), path.clone()]);
    }
    for (key, value) in &app.conf {
        args.extend(["--conf".to_owned(), format!("{key}={value}")]);
    }
    args
}

/// `spark-submit <options> <application> <args...>` in client deploy mode, with `env` (and
/// `SPARK_HOME` when the engine has one) in its environment.
pub(crate) fn spark_submit(
    spark_submit: &str,
    spark_home: Option<&Path>,
    env: &BTreeMap<String, String>,
    app: &SparkApp,
    master: &str,
) -> LaunchSpec {
    let mut args: Vec<OsString> = submit_options(app, master, "client").into_iter().map(OsString::from).collect();
    args.push(OsString::from(app.main.as_arg()));
    args.extend(app.args.iter().map(OsString::from));
    let mut env: Vec<(String, String)> = env.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    if let Some(home) = spark_home {
        env.push(("SPARK_HOME".to_owned(), home.display().to_string()));
    }
    LaunchSpec { program: OsString::from(spark_submit), args, env }
}

/// A Shell job: the script with the args; the engine's `env` and the job's params are its
/// environment. A script that starts with `#!` is executed directly, any other is run by
/// `shell` (Sahara's Spark plugin ran `/bin/sh <script> <args>`).
pub(crate) fn shell(
    shell: &str,
    script: &Path,
    script_data: &[u8],
    env: &BTreeMap<String, String>,
    configs: &JobConfigs,
) -> LaunchSpec {
    let job_args = configs.args_as_text().into_iter().map(OsString::from);
    let (program, args) = if script_data.starts_with(b"#!") {
        (script.as_os_str().to_owned(), job_args.collect())
    } else {
        (OsString::from(shell), std::iter::once(script.as_os_str().to_owned()).chain(job_args).collect())
    };
    let mut vars: Vec<(String, String)> = env.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    vars.extend(configs.params_as_text());
    LaunchSpec { program, args, env: vars }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::plan::JobKind;

    fn os(items: &[&str]) -> Vec<OsString> {
        items.iter().map(OsString::from).collect()
    }

    fn app() -> SparkApp {
        SparkApp {
            kind: JobKind::SparkJar,
            main: Location::Local(PathBuf::from("/w/app.jar")),
            main_class: Some("org.Main".into()),
            jars: vec![Location::Local(PathBuf::from("/w/a.jar")), Location::Url("hdfs://nn/b.jar".into())],
            py_files: vec![],
            conf: BTreeMap::from([("spark.driver.memory".into(), "256m".into()), ("spark.x".into(), "a b".into())]),
            driver_class_path: None,
            args: vec!["in put".into(), "$(id)".into()],
            name: "edp-je".into(),
        }
    }

    #[test]
    fn spark_submit_has_master_class_jars_confs_then_app_and_args_in_order() {
        let env = BTreeMap::from([("SPARK_LOCAL_IP".to_owned(), "127.0.0.1".to_owned())]);
        let spec = spark_submit("/opt/spark/bin/spark-submit", Some(Path::new("/opt/spark")), &env, &app(), "local[1]");
        assert_eq!(spec.program, "/opt/spark/bin/spark-submit");
        assert_eq!(
            spec.args,
            os(&[
                "--master",
                "local[1]",
                "--deploy-mode",
                "client",
                "--name",
                "edp-je",
                "--class",
                "org.Main",
                "--jars",
                "/w/a.jar,hdfs://nn/b.jar",
                "--conf",
                "spark.driver.memory=256m",
                "--conf",
                "spark.x=a b",
                "/w/app.jar",
                "in put",
                "$(id)",
            ])
        );
        assert_eq!(
            spec.env,
            [("SPARK_LOCAL_IP".to_owned(), "127.0.0.1".to_owned()), ("SPARK_HOME".to_owned(), "/opt/spark".to_owned())]
        );
    }

    #[test]
    fn python_apps_pass_py_files_and_the_driver_class_path() {
        let mut python = app();
        python.kind = JobKind::SparkPython;
        python.main = Location::Local(PathBuf::from("/w/pi.py"));
        python.main_class = None;
        python.jars.clear();
        python.conf.clear();
        python.py_files = vec![Location::Local(PathBuf::from("/w/u.py"))];
        python.driver_class_path = Some("/opt/x.jar".into());
        let spec = spark_submit("spark-submit", None, &BTreeMap::new(), &python, "spark://m:7077");
        let expected = [
            "--master",
            "spark://m:7077",
            "--deploy-mode",
            "client",
            "--name",
            "edp-je",
            "--py-files",
            "/w/u.py",
            "--driver-class-path",
            "/opt/x.jar",
            "/w/pi.py",
            "in put",
            "$(id)",
        ];
        assert_eq!(spec.args, os(&expected));
        assert!(spec.env.is_empty());
    }

    #[test]
    fn shell_scripts_run_directly_or_through_the_shell_with_params_in_the_environment() {
        let configs = JobConfigs::parse(r#"{"args": ["a b", 3], "params": {"INPUT": "x; `id`"}}"#).expect("configs");
        let env = BTreeMap::from([("JAVA_HOME".to_owned(), "/jdk".to_owned())]);
        let spec = shell("/bin/sh", Path::new("/w/run"), b"#!/bin/bash\necho", &env, &configs);
        assert_eq!(spec.program, "/w/run");
        assert_eq!(spec.args, os(&["a b", "3"]));
        assert_eq!(spec.env, [("JAVA_HOME".to_owned(), "/jdk".to_owned()), ("INPUT".to_owned(), "x; `id`".to_owned())]);
        let spec = shell("/bin/dash", Path::new("/w/run"), b"echo hi", &BTreeMap::new(), &configs);
        assert_eq!(spec.program, "/bin/dash");
        assert_eq!(spec.args, os(&["/w/run", "a b", "3"]));
    }
}
