//! The objects every launch refers to, created through the API: a cluster, an internal
//! binary, a job binary on it, and a Hive job template.

use anyhow::Context as _;
use hyper::Method;
use hyper::body::Bytes;
use serde_json::{Value, json};

use crate::api::ApiClient;

/// What a job launch names.
#[derive(Debug, Clone)]
pub(crate) struct Fixtures {
    /// The registered cluster.
    pub(crate) cluster_id: String,
    /// The Hive job template.
    pub(crate) template_id: String,
}

impl Fixtures {
    /// The body of `POST /v2/jobs`.
    pub(crate) fn launch_body(&self) -> String {
        json!({"job_template_id": self.template_id, "cluster_id": self.cluster_id}).to_string()
    }
}

/// Creates the objects.
pub(crate) async fn create(api: &mut ApiClient) -> anyhow::Result<Fixtures> {
    let target = api.target().clone();
    let cluster = json!({"name": "c", "plugin_name": "vanilla", "plugin_version": "2.7.1"});
    let cluster_id = first_id(&api.json(&target.json(Method::POST, "/v2/clusters", cluster.to_string())?).await?)?;
    let query = Bytes::from_static(b"select 1;");
    let internal =
        target.request(Method::PUT, "/v2/job-binary-internals/q.sql", Some("application/octet-stream"), query)?;
    let internal_id = first_id(&api.json(&internal).await?)?;
    let binary = json!({"name": "q.sql", "url": format!("internal-db://{internal_id}")});
    let binary_id = first_id(&api.json(&target.json(Method::POST, "/v2/job-binaries", binary.to_string())?).await?)?;
    let template = json!({"name": "t", "type": "Hive", "mains": [binary_id]});
    let template_id =
        first_id(&api.json(&target.json(Method::POST, "/v2/job-templates", template.to_string())?).await?)?;
    Ok(Fixtures { cluster_id, template_id })
}

/// The `id` of the one object in `{"<kind>": {"id": ...}}`.
fn first_id(reply: &Value) -> anyhow::Result<String> {
    reply
        .as_object()
        .and_then(|object| object.values().next())
        .and_then(|object| object.get("id"))
        .and_then(Value::as_str)
        .map(str::to_owned)
        .with_context(|| format!("no id in {reply}"))
}
