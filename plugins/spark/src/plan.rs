//! What a job runs: its kind (a Spark jar, a Spark Python application, a Shell script), its
//! binaries, its Spark properties and its arguments, from the job type, the template's
//! binaries and `job_configs`. Pure: no I/O, so each rule is tested on its own.

use std::collections::BTreeMap;
use std::path::PathBuf;

use edp_plugin_api::{EngineError, JobConfigs, JobType};

/// The configuration property naming a Spark jar's main class.
pub(crate) const MAIN_CLASS: &str = "edp.java.main_class";
/// Sahara's property for the driver's extra class path (`--driver-class-path`).
pub(crate) const DRIVER_CLASSPATH: &str = "edp.spark.driver.classpath";

/// What kind of program a job runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum JobKind {
    /// A Spark application in a jar, with `edp.java.main_class`.
    SparkJar,
    /// A Spark application in Python (the main binary ends in `.py`).
    SparkPython,
    /// A Shell script, as Sahara's Spark plugin ran them.
    Shell,
}

/// The kind of a job of `job_type` whose first main binary is named `main_name`.
pub(crate) fn job_kind(job_type: &str, main_name: Option<&str>) -> Result<JobKind, EngineError> {
    match job_type.parse::<JobType>() {
        Ok(JobType::Spark) => match main_name {
            Some(name) if name.ends_with(".py") => Ok(JobKind::SparkPython),
            Some(_) => Ok(JobKind::SparkJar),
            None => Err(EngineError::invalid_job("a Spark job template needs a main binary: the jar or .py file")),
        },
        Ok(JobType::Shell) => match main_name {
            Some(_) => Ok(JobKind::Shell),
            None => Err(EngineError::invalid_job("a Shell job template needs a main binary: the script to run")),
        },
        _ => Err(EngineError::not_supported(format!("job type `{job_type}`"))),
    }
}

/// Where a binary is, as the job sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Location {
    /// Fetched through the host into the job's work directory.
    Local(PathBuf),
    /// A URL Spark reads itself (`hdfs://`, `https://`, `s3a://`, ...).
    Url(String),
}

impl Location {
    /// As spark-submit takes it: a path or a URL.
    pub(crate) fn as_arg(&self) -> String {
        match self {
            Self::Local(path) => path.display().to_string(),
            Self::Url(url) => url.clone(),
        }
    }

    /// As a URI for a REST submission (`file:/...` for a local path).
    pub(crate) fn as_uri(&self) -> String {
        match self {
            Self::Local(path) => format!("file:{}", path.display()),
            Self::Url(url) => url.clone(),
        }
    }
}

/// A Spark application, ready to launch in either mode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SparkApp {
    /// [`JobKind::SparkJar`] or [`JobKind::SparkPython`].
    pub(crate) kind: JobKind,
    /// The application: the jar or the `.py` file.
    pub(crate) main: Location,
    /// The main class of a jar application.
    pub(crate) main_class: Option<String>,
    /// Library jars (`--jars`).
    pub(crate) jars: Vec<Location>,
    /// Python libraries (`--py-files`): `.py`, `.zip` and `.egg` libs of a Python application.
    pub(crate) py_files: Vec<Location>,
    /// `spark.*` properties (`--conf`): the engine's defaults, then the job's own.
    pub(crate) conf: BTreeMap<String, String>,
    /// `--driver-class-path`, from `edp.spark.driver.classpath`.
    pub(crate) driver_class_path: Option<String>,
    /// The application's arguments, in order.
    pub(crate) args: Vec<String>,
    /// The application name (`--name`, `spark.app.name`).
    pub(crate) name: String,
}

/// A Spark property key and value as `--conf key=value` can carry them.
pub(crate) fn validate_spark_property(key: &str, value: &str) -> Result<(), EngineError> {
    if !key.starts_with("spark.")
        || key.len() == "spark.".len()
        || key.contains('=')
        || key.contains(char::is_whitespace)
    {
        return Err(EngineError::invalid_job(format!("`{key}` is not a Spark property name (spark.*)")));
    }
    no_nul(key, value)
}

fn no_nul(what: &str, value: &str) -> Result<(), EngineError> {
    if value.contains('\0') {
        return Err(EngineError::invalid_job(format!("{what} contains a NUL byte")));
    }
    Ok(())
}

/// A jar application's main class (`edp.java.main_class`), required.
pub(crate) fn main_class(configs: &JobConfigs) -> Result<String, EngineError> {
    let class = configs.config(MAIN_CLASS).unwrap_or_default();
    let class = class.trim();
    if class.is_empty() {
        return Err(EngineError::invalid_job(format!("a Spark job with a jar needs `{MAIN_CLASS}`")));
    }
    if class.contains(char::is_whitespace) || class.contains('\0') {
        return Err(EngineError::invalid_job(format!("`{class}` is not a Java class name")));
    }
    Ok(class.to_owned())
}

/// The `spark.*` properties of a job: `defaults` (the engine's `conf`), then the job's configs
/// whose names start with `spark.`.
pub(crate) fn spark_conf(
    defaults: &BTreeMap<String, String>,
    configs: &JobConfigs,
) -> Result<BTreeMap<String, String>, EngineError> {
    let mut conf = defaults.clone();
    for key in configs.configs.keys().filter(|key| key.starts_with("spark.")) {
        let value = configs.config(key).unwrap_or_default();
        validate_spark_property(key, &value)?;
        conf.insert(key.clone(), value);
    }
    Ok(conf)
}

/// Checks what a job of `kind` needs from its configs, before anything is written.
pub(crate) fn validate_configs(kind: JobKind, configs: &JobConfigs) -> Result<(), EngineError> {
    for arg in configs.args_as_text() {
        no_nul("an argument", &arg)?;
    }
    match kind {
        JobKind::SparkJar => {
            main_class(configs)?;
        }
        JobKind::SparkPython => {}
        JobKind::Shell => {
            for (name, value) in configs.params_as_text() {
                if name.is_empty() || name.contains('=') || name.contains('\0') {
                    return Err(EngineError::invalid_job(format!(
                        "parameter `{name}` cannot be an environment variable name"
                    )));
                }
                no_nul("a parameter value", &value)?;
            }
        }
    }
    if kind != JobKind::Shell {
        spark_conf(&BTreeMap::new(), configs)?;
        if let Some(path) = configs.config(DRIVER_CLASSPATH) {
            no_nul(DRIVER_CLASSPATH, &path)?;
        }
    }
    Ok(())
}

/// Whether a library of a Python application goes to `--py-files` (else `--jars`).
fn is_python_lib(name: &str) -> bool {
    [".py", ".zip", ".egg"].iter().any(|suffix| name.ends_with(suffix))
}

/// The Spark application of a job of `kind` (a Spark kind) with its main binary `main` and its
/// `libs` (name, location), as job execution `job_id`.
pub(crate) fn spark_app(
    kind: JobKind,
    job_id: &str,
    main: Location,
    libs: Vec<(String, Location)>,
    defaults: &BTreeMap<String, String>,
    configs: &JobConfigs,
) -> Result<SparkApp, EngineError> {
    validate_configs(kind, configs)?;
    let main_class = match kind {
        JobKind::SparkJar => Some(main_class(configs)?),
        _ => None,
    };
    let (py_files, jars) =
        libs.into_iter().partition::<Vec<_>, _>(|(name, _)| kind == JobKind::SparkPython && is_python_lib(name));
    let conf = spark_conf(defaults, configs)?;
    let name = conf.get("spark.app.name").cloned().unwrap_or_else(|| format!("edp-{job_id}"));
    Ok(SparkApp {
        kind,
        main,
        main_class,
        jars: jars.into_iter().map(|(_, location)| location).collect(),
        py_files: py_files.into_iter().map(|(_, location)| location).collect(),
        conf,
        driver_class_path: configs.config(DRIVER_CLASSPATH).filter(|path| !path.trim().is_empty()),
        args: configs.args_as_text(),
        name,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use edp_plugin_api::ErrorKind;

    fn configs(json: &str) -> JobConfigs {
        JobConfigs::parse(json).expect("valid job_configs")
    }

    fn local(path: &str) -> Location {
        Location::Local(PathBuf::from(path))
    }

    #[test]
    fn job_kind_follows_the_job_type_and_the_main_binary() {
        assert_eq!(job_kind("Spark", Some("app.jar")).expect("jar"), JobKind::SparkJar);
        assert_eq!(job_kind("Spark", Some("pi.py")).expect("python"), JobKind::SparkPython);
        assert_eq!(job_kind("Shell", Some("run.sh")).expect("shell"), JobKind::Shell);
        assert_eq!(job_kind("Spark", None).expect_err("no main").kind, ErrorKind::INVALID_JOB);
        assert_eq!(job_kind("Shell", None).expect_err("no main").kind, ErrorKind::INVALID_JOB);
        for other in ["Pig", "Java", "spark", ""] {
            assert_eq!(job_kind(other, Some("x")).expect_err("unsupported").kind, ErrorKind::NOT_SUPPORTED);
        }
    }

    #[test]
    fn a_jar_needs_its_main_class_and_python_does_not() {
        for json in
            [r#"{}"#, r#"{"configs": {"edp.java.main_class": "  "}}"#, r#"{"configs": {"edp.java.main_class": "a b"}}"#]
        {
            let err = validate_configs(JobKind::SparkJar, &configs(json)).expect_err("rejected");
            assert_eq!(err.kind, ErrorKind::INVALID_JOB, "{json}");
        }
        validate_configs(JobKind::SparkPython, &configs("{}")).expect("python needs no class");
        validate_configs(JobKind::SparkJar, &configs(r#"{"configs": {"edp.java.main_class": "a.B"}}"#)).expect("ok");
    }

    #[test]
    fn spark_properties_are_the_defaults_then_the_jobs_own() {
        let defaults = BTreeMap::from([
            ("spark.ui.enabled".to_owned(), "false".to_owned()),
            ("spark.driver.memory".to_owned(), "512m".to_owned()),
        ]);
        let c = configs(
            r#"{"configs": {"spark.driver.memory": "256m", "spark.executor.cores": 1, "mapred.x": "y",
                "edp.java.main_class": "a.B"}}"#,
        );
        let conf = spark_conf(&defaults, &c).expect("conf");
        let pairs: Vec<_> = conf.iter().map(|(k, v)| format!("{k}={v}")).collect();
        assert_eq!(pairs, ["spark.driver.memory=256m", "spark.executor.cores=1", "spark.ui.enabled=false"]);
        let bad = configs(r#"{"configs": {"spark.a=b": "c"}}"#);
        assert_eq!(spark_conf(&defaults, &bad).expect_err("rejected").kind, ErrorKind::INVALID_JOB);
    }

    #[test]
    fn python_apps_split_their_libraries_and_jars_keep_theirs() {
        let libs = vec![
            ("dep.jar".to_owned(), local("/w/dep.jar")),
            ("util.py".to_owned(), local("/w/util.py")),
            ("pkg.zip".to_owned(), Location::Url("hdfs://nn/pkg.zip".into())),
        ];
        let c = configs(r#"{"args": ["10", 3], "configs": {"edp.spark.driver.classpath": "/opt/x.jar"}}"#);
        let app = spark_app(JobKind::SparkPython, "je-1", local("/w/pi.py"), libs.clone(), &BTreeMap::new(), &c)
            .expect("app");
        assert_eq!(app.jars, [local("/w/dep.jar")]);
        assert_eq!(app.py_files, [local("/w/util.py"), Location::Url("hdfs://nn/pkg.zip".into())]);
        assert_eq!(app.args, ["10", "3"]);
        assert_eq!(app.name, "edp-je-1");
        assert_eq!(app.driver_class_path.as_deref(), Some("/opt/x.jar"));
        assert_eq!(app.main_class, None);

        let c = configs(r#"{"configs": {"edp.java.main_class": "a.B", "spark.app.name": "mine"}}"#);
        let app = spark_app(JobKind::SparkJar, "je-2", local("/w/app.jar"), libs, &BTreeMap::new(), &c).expect("app");
        assert_eq!(app.jars.len(), 3);
        assert!(app.py_files.is_empty());
        assert_eq!(app.main_class.as_deref(), Some("a.B"));
        assert_eq!(app.name, "mine");
    }

    #[test]
    fn locations_render_as_paths_urls_and_uris() {
        assert_eq!(local("/w/a.jar").as_arg(), "/w/a.jar");
        assert_eq!(local("/w/a.jar").as_uri(), "file:/w/a.jar");
        let url = Location::Url("hdfs://nn/a.jar".into());
        assert_eq!((url.as_arg(), url.as_uri()), ("hdfs://nn/a.jar".to_owned(), "hdfs://nn/a.jar".to_owned()));
    }

    #[test]
    fn shell_params_must_be_environment_variable_names() {
        for bad in [r#"{"params": {"A=B": "x"}}"#, r#"{"params": {"": "x"}}"#] {
            assert!(validate_configs(JobKind::Shell, &configs(bad)).is_err(), "{bad}");
        }
        validate_configs(JobKind::Shell, &configs(r#"{"params": {"INPUT": "x; rm -rf /"}}"#)).expect("ok");
    }
}
