//! Sahara's config hints for the job types this engine runs.

use edp_plugin_api::JobType;
use serde_json::{Value, json};

use crate::plan::{DRIVER_CLASSPATH, MAIN_CLASS};

/// The hints for `job_type`: Spark's main class and driver class path; Shell's params and args.
pub(crate) fn possible_job_config(job_type: &str) -> Option<Value> {
    match job_type.parse::<JobType>().ok()? {
        JobType::Spark => Some(json!({"job_config": {
            "configs": [
                {"name": MAIN_CLASS, "value": "", "description": "The main class of a jar application (not for .py applications)"},
                {"name": DRIVER_CLASSPATH, "value": "", "description": "Extra class path entries of the driver"}
            ],
            "args": []
        }})),
        JobType::Shell => Some(json!({"job_config": {"configs": [], "params": {}, "args": []}})),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints_exist_for_spark_and_shell_only() {
        let spark = possible_job_config("Spark").expect("spark hints");
        assert_eq!(spark["job_config"]["configs"][0]["name"], MAIN_CLASS);
        assert!(possible_job_config("Shell").is_some());
        assert!(possible_job_config("Java").is_none());
    }
}
