//! Records put straight into a store, as the API would have accepted them.

use edp_host::manager::now_millis;
use edp_host::store::{ClusterRecordRow, JobExecutionRow, JobTemplateRow, Store};
use edp_plugin_api::JobStatus;
use serde_json::{Map, Value};

use crate::support;

/// Registers an Active cluster of project `p1`; returns its id.
pub(crate) fn insert_cluster(store: &dyn Store, cluster_type: &str, version: &str) -> String {
    let now = now_millis();
    let cluster = ClusterRecordRow {
        id: uuid::Uuid::new_v4().to_string(),
        project: "p1".into(),
        name: support::unique("cluster-"),
        description: String::new(),
        cluster_type: cluster_type.into(),
        version: version.into(),
        status: "Active".into(),
        info: Map::new(),
        is_public: false,
        is_protected: false,
        created_at: now,
        updated_at: now,
    };
    store.insert_cluster(&cluster).expect("insert cluster");
    cluster.id
}

/// Stores a job template of `job_type` without binaries; returns its id.
pub(crate) fn insert_template(store: &dyn Store, job_type: &str) -> String {
    let now = now_millis();
    let template = JobTemplateRow {
        id: uuid::Uuid::new_v4().to_string(),
        project: "p1".into(),
        name: support::unique("template-"),
        description: String::new(),
        job_type: job_type.into(),
        mains: Vec::new(),
        libs: Vec::new(),
        interface: Value::Array(Vec::new()),
        is_public: false,
        is_protected: false,
        created_at: now,
        updated_at: now,
    };
    store.insert_job_template(&template).expect("insert template");
    template.id
}

/// Stores a PENDING execution with id `id` on `engine`, never launched.
pub(crate) fn insert_pending(
    store: &dyn Store,
    id: &str,
    template: &str,
    cluster: &str,
    engine: &str,
    job_configs: Value,
) {
    let now = now_millis();
    let row = JobExecutionRow {
        id: id.into(),
        project: "p1".into(),
        job_template_id: template.into(),
        cluster_id: cluster.into(),
        input_id: None,
        output_id: None,
        engine: engine.into(),
        engine_job_id: None,
        status: JobStatus::PENDING,
        engine_info: Map::new(),
        start_time: None,
        end_time: None,
        job_configs,
        extra: Map::new(),
        data_source_urls: Map::new(),
        launch_attempts: 0,
        is_public: false,
        is_protected: false,
        created_at: now,
        updated_at: now,
    };
    store.insert_job_execution(&row).expect("insert execution");
}
