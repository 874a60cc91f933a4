//! The `CreateSubmissionRequest` of a Spark application, with the fields Spark's own REST
//! client sends (`spark-submit --deploy-mode cluster` against a standalone master, captured
//! from Spark 4.3.0).
//!
//! A Python application cannot use standalone cluster deploy mode; as Spark's documentation
//! shows, it is submitted with `org.apache.spark.deploy.SparkSubmit` as the main class and the
//! script in the arguments, with `--master` there too (the inner SparkSubmit does not read
//! `spark.master` from the submission and would otherwise run in `local[*]`).

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use crate::command::submit_options;
use crate::plan::{JobKind, Location, SparkApp};

/// The main class that runs a Python application inside the driver.
pub(crate) const SPARK_SUBMIT_CLASS: &str = "org.apache.spark.deploy.SparkSubmit";

/// The request body for `POST /v1/submissions/create`. `env` gives the submission's
/// `environmentVariables` (its `SPARK_*` entries, as Spark's client sends them);
/// `submit_time_millis` is `spark.app.submitTime`.
pub(crate) fn create_request(
    app: &SparkApp,
    master: &str,
    client_spark_version: &str,
    env: &BTreeMap<String, String>,
    submit_time_millis: i64,
) -> Value {
    let mut properties: BTreeMap<String, String> = BTreeMap::new();
    properties.insert("spark.app.name".into(), app.name.clone());
    properties.insert("spark.driver.supervise".into(), "false".into());
    properties.insert("spark.master".into(), master.to_owned());
    properties.insert("spark.master.rest.enabled".into(), "true".into());
    properties.insert("spark.submit.deployMode".into(), "cluster".into());
    properties.insert("spark.submit.pyFiles".into(), String::new());
    properties.insert("spark.app.submitTime".into(), submit_time_millis.to_string());
    if let Some(path) = &app.driver_class_path {
        properties.insert("spark.driver.extraClassPath".into(), path.clone());
    }
    properties.extend(app.conf.iter().map(|(key, value)| (key.clone(), value.clone())));

    let uris = |locations: &[Location]| locations.iter().map(Location::as_uri).collect::<Vec<_>>().join(",");
    let (app_resource, main_class, app_args) = match app.kind {
        JobKind::SparkPython => {
            if !app.jars.is_empty() {
                properties.insert("spark.jars".into(), uris(&app.jars));
            }
            let mut args = submit_options(app, master, "client");
            args.push(app.main.as_arg());
            args.extend(app.args.iter().cloned());
            (String::new(), SPARK_SUBMIT_CLASS.to_owned(), args)
        }
        JobKind::SparkJar | JobKind::Shell => {
            let mut jars = vec![app.main.clone()];
            jars.extend(app.jars.iter().cloned());
            properties.insert("spark.jars".into(), uris(&jars));
            (app.main.as_uri(), app.main_class.clone().unwrap_or_default(), app.args.clone())
        }
    };
    let environment: Map<String, Value> = env
        .iter()
        .filter(|(name, _)| name.starts_with("SPARK_"))
        .map(|(name, value)| (name.clone(), Value::String(value.clone())))
        .collect();
    json!({
        "action": "CreateSubmissionRequest",
        "appArgs": app_args,
        "appResource": app_resource,
        "clientSparkVersion": client_spark_version,
        "environmentVariables": environment,
        "mainClass": main_class,
        "sparkProperties": properties,
    })
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    fn app(kind: JobKind, main: &str) -> SparkApp {
        SparkApp {
            kind,
            main: Location::Local(PathBuf::from(main)),
            main_class: (kind == JobKind::SparkJar).then(|| "demo.Sleeper".to_owned()),
            jars: vec![Location::Url("hdfs://nn/lib.jar".into())],
            py_files: vec![],
            conf: BTreeMap::from([("spark.driver.memory".into(), "256m".into())]),
            driver_class_path: None,
            args: vec!["1".into(), "0".into()],
            name: "captured".into(),
        }
    }

    #[test]
    fn a_jar_is_submitted_as_spark_submit_does_in_cluster_mode() {
        let env = BTreeMap::from([
            ("SPARK_LOCAL_IP".to_owned(), "127.0.0.1".to_owned()),
            ("JAVA_HOME".to_owned(), "/jdk".to_owned()),
        ]);
        let body = create_request(&app(JobKind::SparkJar, "/w/demo-app.jar"), "spark://m:7077", "4.3.0", &env, 17);
        assert_eq!(
            body,
            json!({
                "action": "CreateSubmissionRequest",
                "appArgs": ["1", "0"],
                "appResource": "file:/w/demo-app.jar",
                "clientSparkVersion": "4.3.0",
                "environmentVariables": {"SPARK_LOCAL_IP": "127.0.0.1"},
                "mainClass": "demo.Sleeper",
                "sparkProperties": {
                    "spark.jars": "file:/w/demo-app.jar,hdfs://nn/lib.jar",
                    "spark.driver.supervise": "false",
                    "spark.app.name": "captured",
                    "spark.driver.memory": "256m",
                    "spark.submit.pyFiles": "",
                    "spark.submit.deployMode": "cluster",
                    "spark.master": "spark://m:7077",
                    "spark.master.rest.enabled": "true",
                    "spark.app.submitTime": "17"
                }
            })
        );
    }

    #[test]
    fn a_python_app_runs_through_spark_submit_with_the_master_in_its_args() {
        let body = create_request(&app(JobKind::SparkPython, "/w/pi.py"), "spark://m:7077", "", &BTreeMap::new(), 1);
        assert_eq!(body["mainClass"], SPARK_SUBMIT_CLASS);
        assert_eq!(body["appResource"], "");
        assert_eq!(
            body["appArgs"],
            json!([
                "--master",
                "spark://m:7077",
                "--deploy-mode",
                "client",
                "--name",
                "captured",
                "--jars",
                "hdfs://nn/lib.jar",
                "--conf",
                "spark.driver.memory=256m",
                "/w/pi.py",
                "1",
                "0"
            ])
        );
        assert_eq!(body["sparkProperties"]["spark.jars"], "hdfs://nn/lib.jar");
        assert_eq!(body["sparkProperties"]["spark.driver.memory"], "256m");
    }
}
