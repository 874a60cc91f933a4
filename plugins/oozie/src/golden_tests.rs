//! Golden tests of workflow.xml, coordinator.xml and the job properties per job type: the
//! cases of Sahara's `test_job_manager.py` (workflow building) and `test_oozie.py` (job
//! params), and XML escaping of hostile values, checked by parsing the output back.
//!
//! The expected files are `tests/golden/*.xml`. After an intended change, regenerate them with
//! `EDP_UPDATE_GOLDEN=1 cargo test -p edp-engine-oozie golden` and review the diff.

use std::collections::BTreeMap;
use std::path::PathBuf;

use edp_plugin_api::{JobConfigs, JobType};
use quick_xml::Reader;
use quick_xml::events::Event;
use serde_json::{Value, json};

use crate::endpoints::Endpoints;
use crate::properties::{PropertiesInput, job_properties};
use crate::schedule::Schedule;
use crate::workflow::{WorkflowInput, coordinator_xml, workflow_xml};
use crate::xml::hadoop_configuration;

fn golden_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests").join("golden").join(name)
}

/// Compares `actual` with the golden file `name` (or rewrites it in update mode).
fn assert_golden(name: &str, actual: &str) {
    let path = golden_path(name);
    if std::env::var_os("EDP_UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, actual).unwrap_or_else(|err| panic!("write {}: {err}", path.display()));
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|err| panic!("read {} ({err}); run with EDP_UPDATE_GOLDEN=1 to create it", path.display()));
    assert!(
        expected == actual,
        "{name} differs from its golden file {}.\n--- expected\n{expected}\n--- actual\n{actual}",
        path.display()
    );
}

fn configs(value: Value) -> JobConfigs {
    JobConfigs::parse(&value.to_string()).expect("valid job configs")
}

struct Case {
    job_type: JobType,
    configs: JobConfigs,
    input: Option<&'static str>,
    output: Option<&'static str>,
    mains: Vec<String>,
    libs: Vec<String>,
}

impl Case {
    fn new(job_type: JobType, configs: Value) -> Self {
        Self {
            job_type,
            configs: self::configs(configs),
            input: None,
            output: None,
            mains: Vec::new(),
            libs: Vec::new(),
        }
    }

    fn data(mut self, input: &'static str, output: &'static str) -> Self {
        self.input = Some(input);
        self.output = Some(output);
        self
    }

    fn binaries(mut self, mains: &[&str], libs: &[&str]) -> Self {
        self.mains = mains.iter().map(|m| (*m).to_owned()).collect();
        self.libs = libs.iter().map(|l| (*l).to_owned()).collect();
        self
    }

    fn workflow(&self) -> String {
        workflow_xml(&WorkflowInput {
            job_type: self.job_type,
            app_name: "edp-3f7c7d3c-9bb4-4c36-8a63-4c2bd1b9e5a1",
            configs: &self.configs,
            input_url: self.input,
            output_url: self.output,
            mains: &self.mains,
            libs: &self.libs,
            hdfs_user: "hadoop",
        })
        .expect("workflow")
    }
}

/// Sahara's engine test values: user `hadoop`, NN `hdfs://localhost:8020`, RM `localhost:8032`.
fn endpoints() -> Endpoints {
    Endpoints {
        oozie_url: "http://localhost:11000/oozie".into(),
        webhdfs_url: "http://localhost:9870".into(),
        name_node: "hdfs://localhost:8020".into(),
        resource_manager: "localhost:8032".into(),
        hdfs_user: "hadoop".into(),
    }
}

/// The text of every element named `tag`, in document order, unescaped by a real parser.
fn texts(xml: &str, tag: &str) -> Vec<String> {
    let mut reader = Reader::from_str(xml);
    let mut inside = false;
    let mut found = Vec::new();
    let mut current = String::new();
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(start) if start.name().as_ref() == tag => {
                inside = true;
                current.clear();
            }
            Event::Text(text) if inside => {
                let raw: &str = text.as_ref();
                current.push_str(&quick_xml::escape::unescape(raw).expect("valid escapes"));
            }
            Event::GeneralRef(reference) if inside => {
                let name: &str = reference.as_ref();
                let entity = format!("&{name};");
                current.push_str(&quick_xml::escape::unescape(&entity).expect("known entity"));
            }
            Event::End(end) if inside && end.name().as_ref() == tag => {
                inside = false;
                found.push(current.clone());
            }
            Event::Eof => return found,
            _ => {}
        }
    }
}

/// The `<property>` name/value pairs of a configuration, parsed back.
fn properties_of(xml: &str) -> BTreeMap<String, String> {
    texts(xml, "name").into_iter().zip(texts(xml, "value")).collect()
}

#[test]
fn golden_pig_workflow_with_params_args_and_data_sources() {
    // test_build_workflow_for_job_pig: INPUT and OUTPUT params, user params after them, <script>.
    let case = Case::new(
        JobType::Pig,
        json!({
            "configs": {"mapreduce.job.reduces": 2, "edp.hbase_common_lib": true, "oozie.libpath": "/user/hadoop/udfs"},
            "params": {"param1": "value1", "OUTPUT": "hdfs://user-wins/out"},
            "args": ["arg1", "swift://container/arg2"]
        }),
    )
    .data("hdfs://localhost:8020/user/hadoop/in", "hdfs://localhost:8020/user/hadoop/out")
    .binaries(&["script.pig"], &["udf.jar"]);
    assert_golden("pig.workflow.xml", &case.workflow());
}

#[test]
fn golden_pig_workflow_with_swift_sources_and_a_proxy_user() {
    // test_build_workflow_for_job_pig, Swift and proxy-domain variants: the `.sahara` suffix on
    // Swift URLs, the proxy user's credentials and trust id in the configuration.
    let case = Case::new(
        JobType::Pig,
        json!({
            "configs": {},
            "proxy_configs": {"proxy_username": "job_user", "proxy_password": "p@ss<&>", "proxy_trust_id": "trust-1"}
        }),
    )
    .data("swift://ex/i", "swift://ex.sahara/o")
    .binaries(&["script.pig"], &[]);
    let xml = case.workflow();
    assert_golden("pig_swift_proxy.workflow.xml", &xml);
    assert_eq!(texts(&xml, "param"), ["INPUT=swift://ex.sahara/i", "OUTPUT=swift://ex.sahara/o"]);
    assert_eq!(properties_of(&xml)["fs.swift.service.sahara.password"], "p@ss<&>");
}

#[test]
fn golden_mapreduce_workflow() {
    // test_build_workflow_for_job_mapreduce: mapred.input.dir and mapred.output.dir, user
    // configs beside them, edp.* and oozie.* kept out.
    let case = Case::new(
        JobType::MapReduce,
        json!({"configs": {
            "mapreduce.job.map.class": "org.apache.hadoop.examples.WordCount$TokenizerMapper",
            "mapred.mapper.new-api": true,
            "edp.hbase_common_lib": "true",
            "oozie.launcher.mapreduce.map.memory.mb": 2048
        }}),
    )
    .data("hdfs://localhost:8020/user/hadoop/in", "hdfs://localhost:8020/user/hadoop/out")
    .binaries(&[], &["hadoop-examples.jar"]);
    let xml = case.workflow();
    assert_golden("mapreduce.workflow.xml", &xml);
    let properties = properties_of(&xml);
    assert_eq!(properties["mapred.input.dir"], "hdfs://localhost:8020/user/hadoop/in");
    assert!(properties.keys().all(|key| !key.starts_with("edp.") && !key.starts_with("oozie.")), "{properties:?}");
}

#[test]
fn golden_mapreduce_workflow_with_swift_sources_and_a_proxy_user() {
    let case = Case::new(
        JobType::MapReduce,
        json!({"configs": {}, "proxy_configs": {"proxy_username": "u", "proxy_password": "p", "proxy_trust_id": "t"}}),
    )
    .data("swift://ex/i", "swift://ex/o")
    .binaries(&[], &["app.jar"]);
    let properties = properties_of(&case.workflow());
    assert_eq!(properties["mapred.input.dir"], "swift://ex.sahara/i");
    assert_eq!(properties["mapred.output.dir"], "swift://ex.sahara/o");
    assert_eq!(properties["fs.swift.service.sahara.username"], "u");
    assert_eq!(properties["fs.swift.service.sahara.trust.id"], "t");
}

#[test]
fn golden_streaming_workflow() {
    // test_build_workflow_for_job_mapreduce, streaming: <streaming><mapper/><reducer/>.
    let case = Case::new(
        JobType::MapReduceStreaming,
        json!({"configs": {"edp.streaming.mapper": "/usr/bin/cat", "edp.streaming.reducer": "/usr/bin/wc -l"}}),
    )
    .data("hdfs://localhost:8020/user/hadoop/in", "hdfs://localhost:8020/user/hadoop/out");
    let xml = case.workflow();
    assert_golden("streaming.workflow.xml", &xml);
    assert_eq!(texts(&xml, "mapper"), ["/usr/bin/cat"]);
    assert_eq!(texts(&xml, "reducer"), ["/usr/bin/wc -l"]);
}

#[test]
fn golden_java_workflow() {
    // test_build_workflow_for_job_java: <configuration>, then <main-class>, <java-opts>, <arg>s
    // in order; Swift args get the suffix.
    let case = Case::new(
        JobType::Java,
        json!({
            "configs": {"fs.swift.service.sahara.username": "admin", "edp.java.main_class": "org.apache.hadoop.examples.WordCount",
                        "edp.java.java_opts": "-Dparam1=val1 -Dparam2=val2"},
            "args": ["swift://ex/i", "output_path"]
        }),
    )
    .binaries(&[], &["hadoop-examples.jar"]);
    let xml = case.workflow();
    assert_golden("java.workflow.xml", &xml);
    let order: Vec<usize> = ["<configuration>", "<main-class>", "<java-opts>", "<arg>"]
        .iter()
        .map(|tag| xml.find(tag).expect(tag))
        .collect();
    assert!(order.windows(2).all(|pair| pair[0] < pair[1]), "{xml}");
}

#[test]
fn golden_java_workflow_adapted_for_oozie() {
    // test_build_workflow_for_job_java_with_adapter: MainWrapper runs, the original class is
    // its first argument and not the main class.
    let case = Case::new(
        JobType::Java,
        json!({"configs": {"edp.java.main_class": "org.example.Main", "edp.java.adapt_for_oozie": true}, "args": ["a1"]}),
    )
    .binaries(&[], &["app.jar"]);
    let xml = case.workflow();
    assert_golden("java_adapted.workflow.xml", &xml);
    assert_eq!(texts(&xml, "main-class"), ["org.openstack.sahara.edp.MainWrapper"]);
    assert_eq!(texts(&xml, "arg"), ["org.example.Main", "a1"]);
}

#[test]
fn golden_hive_workflow() {
    // test_build_workflow_for_job_hive: job-xml is /user/hadoop/conf/hive-site.xml, then the
    // configuration, the script and the params.
    let case = Case::new(
        JobType::Hive,
        json!({"configs": {"hive.exec.dynamic.partition.mode": "nonstrict"}, "params": {"DAY": "2015-06-10"}}),
    )
    .data("hdfs://localhost:8020/user/hadoop/in", "hdfs://localhost:8020/user/hadoop/out")
    .binaries(&["script.q"], &[]);
    let xml = case.workflow();
    assert_golden("hive.workflow.xml", &xml);
    assert_eq!(texts(&xml, "job-xml"), ["/user/hadoop/conf/hive-site.xml"]);
}

#[test]
fn golden_shell_workflow() {
    // test_build_workflow_for_job_shell: configs as name/value, params as <env-var>p1=v1,
    // args as <argument>, libs and the script as <file>.
    let case =
        Case::new(JobType::Shell, json!({"configs": {"k1": "v1"}, "params": {"p1": "v1"}, "args": ["a1", "a2"]}))
            .binaries(&["script.sh"], &["helper.py"]);
    let xml = case.workflow();
    assert_golden("shell.workflow.xml", &xml);
    assert_eq!(texts(&xml, "env-var"), ["p1=v1"]);
    assert_eq!(texts(&xml, "argument"), ["a1", "a2"]);
    assert_eq!(texts(&xml, "file"), ["helper.py", "script.sh"]);
}

#[test]
fn golden_hostile_values_are_escaped_and_read_back_unchanged() {
    let hostile = "</value></property><property><name>evil</name><value>x & 'y' \"z\" ]]> <!-- ${wf:user()} \r\n\ttab";
    let case = Case::new(
        JobType::Pig,
        json!({
            "configs": {"a<b>&\"c\"": hostile, "plain": "ok"},
            "params": {"P": hostile},
            "args": [hostile, "<arg/>"]
        }),
    )
    .data("hdfs://nn/in?a=1&b=2", "hdfs://nn/out")
    .binaries(&["s&p<x>.pig"], &[]);
    let xml = case.workflow();
    assert_golden("hostile.workflow.xml", &xml);
    let properties = properties_of(&xml);
    assert_eq!(properties.len(), 2, "no property was injected: {properties:?}");
    assert_eq!(properties["a<b>&\"c\""], hostile);
    assert_eq!(texts(&xml, "argument"), [hostile, "<arg/>"]);
    assert_eq!(texts(&xml, "script"), ["s&p<x>.pig"]);
    assert_eq!(texts(&xml, "param"), ["INPUT=hdfs://nn/in?a=1&b=2", "OUTPUT=hdfs://nn/out", &format!("P={hostile}")]);
}

#[test]
fn golden_coordinator() {
    let xml = coordinator_xml("edp-3f7c7d3c-9bb4-4c36-8a63-4c2bd1b9e5a1").expect("coordinator");
    assert_golden("coordinator.xml", &xml);
    assert_eq!(texts(&xml, "app-path"), ["${workflowAppUri}"]);
}

#[test]
fn golden_job_properties() {
    // test_get_oozie_job_params: jobTracker, nameNode, user.name, the application path (the
    // user's override dropped), libpath = the user's value joined with the HBase lib.
    let configs = configs(json!({"configs": {
        "oozie.wf.application.path": "hdfs://evil/app",
        "oozie.coord.application.path": "hdfs://evil/coord",
        "oozie.libpath": "hdfs://localhost:8020/user/hadoop/extra-lib",
        "oozie.launcher.mapreduce.job.queuename": "etl",
        "edp.hbase_common_lib": true,
        "mapreduce.job.reduces": 3
    }}));
    let endpoints = endpoints();
    let properties = job_properties(&PropertiesInput {
        endpoints: &endpoints,
        workflow_dir: "/user/hadoop/wordcount/3f7c7d3c",
        configs: &configs,
        extra_libpath: &["/user/sahara-hbase-lib".to_owned()],
        schedule: None,
    });
    let xml = hadoop_configuration(&properties).expect("configuration");
    assert_golden("workflow.properties.xml", &xml);
    assert_eq!(properties_of(&xml), properties);
    assert_eq!(
        properties["oozie.wf.application.path"],
        "hdfs://localhost:8020/user/hadoop/wordcount/3f7c7d3c/workflow.xml"
    );
    assert_eq!(
        properties["oozie.libpath"],
        "hdfs://localhost:8020/user/hadoop/extra-lib,hdfs://localhost:8020/user/sahara-hbase-lib"
    );
    assert!(!properties.contains_key("oozie.coord.application.path"));
    assert!(!properties.contains_key("mapreduce.job.reduces"), "only oozie.* configs go to the properties");
}

#[test]
fn golden_job_properties_without_params() {
    // "No exception with empty params": the minimal set.
    let configs = configs(json!({}));
    let endpoints = endpoints();
    let properties = job_properties(&PropertiesInput {
        endpoints: &endpoints,
        workflow_dir: "/user/hadoop/job/1",
        configs: &configs,
        extra_libpath: &[],
        schedule: None,
    });
    let keys: Vec<&str> = properties.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "jobTracker",
            "nameNode",
            "oozie.libpath",
            "oozie.use.system.libpath",
            "oozie.wf.application.path",
            "user.name"
        ]
    );
    assert_eq!(properties["oozie.libpath"], "");
    assert_eq!(properties["oozie.use.system.libpath"], "true");
    assert_eq!(properties["user.name"], "hadoop");
    assert_eq!(properties["jobTracker"], "localhost:8032");
}

#[test]
fn golden_scheduled_job_properties() {
    // test_get_oozie_job_params, scheduled: start, end, frequency, the coordinator path, and
    // (unlike Sahara) still nameNode, jobTracker and user.name for the coordinator's workflow.
    let configs = configs(json!({"job_execution_info": {
        "job_execution_type": "scheduled", "start": "2015-06-10T06:05Z", "end": "2015-06-10 07:05:00", "frequency": 5
    }}));
    let schedule = Schedule::parse(&configs).expect("schedule");
    let endpoints = endpoints();
    let properties = job_properties(&PropertiesInput {
        endpoints: &endpoints,
        workflow_dir: "/user/hadoop/job/1",
        configs: &configs,
        extra_libpath: &[],
        schedule: Some(&schedule),
    });
    let xml = hadoop_configuration(&properties).expect("configuration");
    assert_golden("scheduled.properties.xml", &xml);
    assert_eq!(properties["start"], "2015-06-10T06:05Z");
    assert_eq!(properties["end"], "2015-06-10T07:05Z");
    assert_eq!(properties["frequency"], "5");
    assert_eq!(properties["oozie.coord.application.path"], "hdfs://localhost:8020/user/hadoop/job/1");
    assert!(!properties.contains_key("oozie.wf.application.path"));
}
