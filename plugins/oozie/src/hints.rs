//! Sahara's config hints (`get_possible_job_config`) per job type.
//!
//! The shape is Sahara's: `{"job_config": {"configs": [{name, value, description}], ...}}` with
//! `params` for Pig, Hive and Shell and `args` for Pig, Java and Shell. Sahara listed the whole
//! of mapred-default.xml and hive-default.xml; these hints are the settings jobs actually set,
//! plus the `edp.*` keys the engine reads for the type. Types the engine does not run get `None`.

use edp_plugin_api::JobType;
use serde_json::{Value, json};

fn config(name: &str, value: &str, description: &str) -> Value {
    json!({"name": name, "value": value, "description": description})
}

fn mapreduce_configs() -> Vec<Value> {
    vec![
        config("mapreduce.job.reduces", "1", "The number of reduce tasks"),
        config("mapreduce.job.queuename", "default", "The YARN queue the job runs in"),
        config("mapreduce.map.memory.mb", "1024", "Memory of each map task's container, in MB"),
        config("mapreduce.reduce.memory.mb", "1024", "Memory of each reduce task's container, in MB"),
        config("mapreduce.map.java.opts", "", "JVM options of map tasks"),
        config("mapreduce.reduce.java.opts", "", "JVM options of reduce tasks"),
        config("mapreduce.output.fileoutputformat.compress", "false", "Whether to compress the job's output"),
        config("mapreduce.job.maps", "2", "A hint for the number of map tasks"),
    ]
}

fn mapreduce_class_configs() -> Vec<Value> {
    vec![
        config("mapred.mapper.new-api", "true", "Whether the mapper uses the new (mapreduce) API"),
        config("mapred.reducer.new-api", "true", "Whether the reducer uses the new (mapreduce) API"),
        config("mapreduce.job.map.class", "", "The mapper class (new API)"),
        config("mapreduce.job.reduce.class", "", "The reducer class (new API)"),
        config("mapreduce.job.combine.class", "", "The combiner class (new API)"),
        config("mapreduce.job.inputformat.class", "", "The input format class (new API)"),
        config("mapreduce.job.outputformat.class", "", "The output format class (new API)"),
        config("mapreduce.job.output.key.class", "", "The output key class"),
        config("mapreduce.job.output.value.class", "", "The output value class"),
        config("mapred.mapper.class", "", "The mapper class (old API)"),
        config("mapred.reducer.class", "", "The reducer class (old API)"),
    ]
}

fn hive_configs() -> Vec<Value> {
    vec![
        config("hive.exec.reducers.max", "1009", "The most reducers a Hive job uses"),
        config("hive.exec.dynamic.partition", "true", "Whether dynamic partitions are allowed in DML/DDL"),
        config("hive.exec.dynamic.partition.mode", "strict", "`nonstrict` lets every partition be dynamic"),
        config("hive.exec.compress.output", "false", "Whether the final output is compressed"),
        config("mapreduce.job.queuename", "default", "The YARN queue the job runs in"),
    ]
}

fn edp_configs(job_type: JobType) -> Vec<Value> {
    match job_type {
        JobType::MapReduceStreaming => vec![
            config("edp.streaming.mapper", "", "The streaming mapper command (required)"),
            config("edp.streaming.reducer", "", "The streaming reducer command (required)"),
        ],
        JobType::Java => vec![
            config("edp.java.main_class", "", "The class whose main method runs (required)"),
            config("edp.java.java_opts", "", "JVM options of the launched Java action"),
            config(
                "edp.java.adapt_for_oozie",
                "false",
                "Run the main class through Sahara's MainWrapper (needs java_main_wrapper_jar in the engine's config)",
            ),
        ],
        _ => Vec::new(),
    }
}

fn common_edp_configs(job_type: JobType) -> Vec<Value> {
    let mut configs =
        vec![config("edp.hbase_common_lib", "false", "Add the cluster's shared HBase libraries to oozie.libpath")];
    if job_type != JobType::Shell {
        configs.push(config("oozie.libpath", "", "More HDFS directories of jars for the job, comma-separated"));
    }
    configs
}

/// The hints for `job_type` as JSON, or `None` for a type the engine does not run.
pub(crate) fn possible_job_config(job_type: &str) -> Option<Value> {
    let job_type: JobType = job_type.parse().ok()?;
    let mut configs = match job_type {
        JobType::MapReduce => [mapreduce_configs(), mapreduce_class_configs()].concat(),
        JobType::MapReduceStreaming | JobType::Pig => mapreduce_configs(),
        JobType::Hive => hive_configs(),
        JobType::Java | JobType::Shell => Vec::new(),
        _ => return None,
    };
    configs.extend(edp_configs(job_type));
    configs.extend(common_edp_configs(job_type));
    let mut hints = serde_json::Map::new();
    hints.insert("configs".into(), Value::Array(configs));
    if matches!(job_type, JobType::Pig | JobType::Hive | JobType::Shell) {
        hints.insert("params".into(), json!({}));
    }
    if matches!(job_type, JobType::Pig | JobType::Java | JobType::Shell) {
        hints.insert("args".into(), json!([]));
    }
    Some(json!({"job_config": hints}))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sections(job_type: &str) -> Vec<String> {
        let hints = possible_job_config(job_type).expect(job_type);
        let mut keys: Vec<String> = hints["job_config"].as_object().expect("object").keys().cloned().collect();
        keys.sort();
        keys
    }

    fn names(job_type: &str) -> Vec<String> {
        let hints = possible_job_config(job_type).expect(job_type);
        hints["job_config"]["configs"]
            .as_array()
            .expect("configs")
            .iter()
            .map(|c| c["name"].as_str().expect("name").to_owned())
            .collect()
    }

    #[test]
    fn sections_follow_sahara() {
        assert_eq!(sections("MapReduce"), ["configs"]);
        assert_eq!(sections("MapReduce.Streaming"), ["configs"]);
        assert_eq!(sections("Pig"), ["args", "configs", "params"]);
        assert_eq!(sections("Hive"), ["configs", "params"]);
        assert_eq!(sections("Java"), ["args", "configs"]);
        assert_eq!(sections("Shell"), ["args", "configs", "params"]);
        assert_eq!(possible_job_config("Spark"), None);
        assert_eq!(possible_job_config("nonsense"), None);
    }

    #[test]
    fn each_type_hints_the_keys_the_engine_reads() {
        assert!(names("Java").contains(&"edp.java.main_class".to_owned()));
        assert!(names("MapReduce.Streaming").contains(&"edp.streaming.reducer".to_owned()));
        assert!(names("MapReduce").contains(&"mapreduce.job.map.class".to_owned()));
        assert!(!names("Pig").contains(&"mapreduce.job.map.class".to_owned()));
        assert!(names("Hive").contains(&"hive.exec.dynamic.partition.mode".to_owned()));
        let hints = possible_job_config("Pig").expect("pig");
        for item in hints["job_config"]["configs"].as_array().expect("configs") {
            assert!(item["value"].is_string() && item["description"].is_string(), "{item}");
        }
    }
}
