//! Records as Sahara's JSON, in v2 and v1.1 spelling.

use edp_plugin_api::JobStatus;
use serde_json::{Map, Value, json};

use crate::store::{ClusterRecordRow, DataSourceRow, JobBinaryRow, JobExecutionRow, JobTemplateRow, Millis};

/// Which API version a response is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Version {
    /// `/v1.1/{project_id}/...`: `tenant_id`, `job_id`, `oozie_job_id`.
    V11,
    /// `/v2/...`: `project_id`, `job_template_id`, `engine_job_id`.
    V2,
}

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Version {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(if parts.uri.path().starts_with("/v1.1/") { Version::V11 } else { Version::V2 })
    }
}

/// The `{id}` path parameter of any route.
pub(crate) struct Id(pub(crate) String);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Id {
    type Rejection = crate::api::error::ApiError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &S) -> Result<Self, Self::Rejection> {
        let axum::extract::Path(params) =
            axum::extract::Path::<std::collections::HashMap<String, String>>::from_request_parts(parts, state)
                .await
                .map_err(|err| crate::api::error::ApiError::validation(err.body_text()))?;
        params.get("id").cloned().map(Id).ok_or_else(|| crate::api::error::ApiError::validation("no id in the path"))
    }
}

impl Version {
    fn project_key(self) -> &'static str {
        match self {
            Version::V11 => "tenant_id",
            Version::V2 => "project_id",
        }
    }
}

/// Sahara's time format: ISO 8601 in UTC without fractions, e.g. `2015-09-15T09:49:38`.
pub(crate) fn time(millis: Millis) -> String {
    let seconds = millis.div_euclid(1000);
    let days = seconds.div_euclid(86_400);
    let of_day = seconds.rem_euclid(86_400);
    // Howard Hinnant's days-to-civil algorithm.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}", of_day / 3600, of_day % 3600 / 60, of_day % 60)
}

fn optional_time(millis: Option<Millis>) -> Value {
    millis.map_or(Value::Null, |millis| Value::String(time(millis)))
}

fn with_common(
    mut object: Map<String, Value>,
    version: Version,
    project: &str,
    public: bool,
    protected: bool,
    created: Millis,
    updated: Millis,
) -> Value {
    object.insert(version.project_key().into(), project.into());
    object.insert("is_public".into(), public.into());
    object.insert("is_protected".into(), protected.into());
    object.insert("created_at".into(), time(created).into());
    object.insert("updated_at".into(), time(updated).into());
    Value::Object(object)
}

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(object) => object,
        _ => Map::new(),
    }
}

/// A registered cluster.
pub(crate) fn cluster(row: &ClusterRecordRow, version: Version) -> Value {
    let fields = object(json!({
        "id": row.id, "name": row.name, "description": row.description,
        "plugin_name": row.cluster_type,
        "plugin_version": row.version, "hadoop_version": row.version,
        "status": row.status, "info": row.info,
    }));
    with_common(fields, version, &row.project, row.is_public, row.is_protected, row.created_at, row.updated_at)
}

/// Whether a job binary is an internal one: its bytes live in the binary itself, and its URL
/// names itself (`internal-db://<its own id>`). Sahara kept these in a separate table.
pub(crate) fn is_internal(row: &JobBinaryRow) -> bool {
    row.url == format!("internal-db://{}", row.id)
}

/// A job binary.
pub(crate) fn job_binary(row: &JobBinaryRow, version: Version) -> Value {
    let fields = object(json!({"id": row.id, "name": row.name, "description": row.description, "url": row.url}));
    with_common(fields, version, &row.project, row.is_public, row.is_protected, row.created_at, row.updated_at)
}

/// An internal job binary (Sahara's "job binary internal").
pub(crate) fn job_binary_internal(row: &JobBinaryRow, datasize: usize, version: Version) -> Value {
    let fields = object(json!({"id": row.id, "name": row.name, "datasize": datasize}));
    with_common(fields, version, &row.project, row.is_public, row.is_protected, row.created_at, row.updated_at)
}

/// A data source.
pub(crate) fn data_source(row: &DataSourceRow, version: Version) -> Value {
    let fields = object(
        json!({"id": row.id, "name": row.name, "description": row.description, "type": row.kind, "url": row.url}),
    );
    with_common(fields, version, &row.project, row.is_public, row.is_protected, row.created_at, row.updated_at)
}

/// A job template, with its binaries expanded.
pub(crate) fn job_template(row: &JobTemplateRow, mains: Vec<Value>, libs: Vec<Value>, version: Version) -> Value {
    let fields = object(json!({
        "id": row.id, "name": row.name, "description": row.description, "type": row.job_type,
        "mains": mains, "libs": libs, "interface": row.interface,
    }));
    with_common(fields, version, &row.project, row.is_public, row.is_protected, row.created_at, row.updated_at)
}

/// A job execution (v2: a "job").
pub(crate) fn job_execution(row: &JobExecutionRow, version: Version) -> Value {
    let mut info = row.engine_info.clone();
    info.insert("status".into(), Value::String(status(row.status)));
    let mut fields = object(json!({
        "id": row.id, "cluster_id": row.cluster_id, "input_id": row.input_id, "output_id": row.output_id,
        "engine": row.engine, "engine_job_id": row.engine_job_id,
        "start_time": optional_time(row.start_time), "end_time": optional_time(row.end_time),
        "info": info, "job_configs": row.job_configs, "extra": row.extra,
        "data_source_urls": row.data_source_urls, "return_code": Value::Null,
    }));
    match version {
        Version::V11 => {
            fields.insert("job_id".into(), row.job_template_id.clone().into());
            fields.insert("oozie_job_id".into(), row.engine_job_id.clone().into());
        }
        Version::V2 => {
            fields.insert("job_template_id".into(), row.job_template_id.clone().into());
        }
    }
    with_common(fields, version, &row.project, row.is_public, row.is_protected, row.created_at, row.updated_at)
}

fn status(status: JobStatus) -> String {
    status.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_sahara_iso_in_utc() {
        assert_eq!(time(0), "1970-01-01T00:00:00");
        assert_eq!(time(1_442_310_578_123), "2015-09-15T09:49:38");
        assert_eq!(time(1_709_164_800_000), "2024-02-29T00:00:00");
    }
}
