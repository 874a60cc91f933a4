//! A job execution record as an engine sees it.

use edp_plugin_api::JobExecution;
use edp_plugin_api::abi_stable::std_types::{ROption, RString};
use serde_json::Value;

use crate::store::JobExecutionRow;

/// The read-only copy of `row` handed to its engine.
pub(crate) fn engine_view(row: &JobExecutionRow, job_type: &str) -> JobExecution {
    let text = |value: Option<&String>| -> ROption<RString> { value.map(|text| RString::from(text.as_str())).into() };
    JobExecution {
        id: row.id.as_str().into(),
        job_type: job_type.into(),
        cluster_id: row.cluster_id.as_str().into(),
        job_template_id: row.job_template_id.as_str().into(),
        input_id: text(row.input_id.as_ref()),
        output_id: text(row.output_id.as_ref()),
        engine_job_id: text(row.engine_job_id.as_ref()),
        job_configs: with_data_source_urls(&row.job_configs, &row.data_source_urls).to_string().into(),
        extra: Value::Object(row.extra.clone()).to_string().into(),
        engine_info: Value::Object(row.engine_info.clone()).to_string().into(),
    }
}

/// The job configs with the execution's resolved data source URLs beside them, where engines
/// find them (`JobConfigs::data_source_urls`).
fn with_data_source_urls(job_configs: &Value, urls: &serde_json::Map<String, Value>) -> Value {
    let mut configs = job_configs.clone();
    if let Value::Object(object) = &mut configs
        && !urls.is_empty()
    {
        object.insert("data_source_urls".into(), Value::Object(urls.clone()));
    }
    configs
}
