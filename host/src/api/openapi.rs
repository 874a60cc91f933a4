//! `GET /openapi.json`: the OpenAPI 3.1 document, generated from the same endpoint list the
//! router is built from.

use axum::Json;
use serde_json::{Map, Value, json};

use crate::api::routes::endpoints;

pub(crate) async fn document() -> Json<Value> {
    Json(build())
}

fn flags() -> Value {
    json!({"is_public": {"type": "boolean"}, "is_protected": {"type": "boolean"}})
}

fn object(required: &[&str], properties: Value) -> Value {
    let mut properties = properties;
    if let (Some(target), Value::Object(extra)) = (properties.as_object_mut(), flags()) {
        for (key, value) in extra {
            target.entry(key).or_insert(value);
        }
    }
    json!({"type": "object", "required": required, "properties": properties, "additionalProperties": false})
}

fn schemas() -> Map<String, Value> {
    let text = json!({"type": "string"});
    let required_text = json!({"type": "string", "minLength": 1, "pattern": "\\S"});
    let name = json!({"type": "string", "minLength": 1, "maxLength": 80, "pattern": "^[^/]*\\S[^/]*$"});
    let any_object = json!({"type": "object"});
    let job_configs = json!({"type": "object", "additionalProperties": false, "properties": {
        "configs": {"type": "object"}, "params": {"type": "object"}, "args": {"type": "array"}, "job_execution_info": {"type": "object"}
    }});
    let mut schemas = Map::new();
    schemas.insert(
        "Error".into(),
        json!({"type": "object", "required": ["error_code", "error_name", "error_message"], "properties": {
        "error_code": {"type": "integer"}, "error_name": {"type": "string"}, "error_message": {"type": "string"}}}),
    );
    let status = json!({"type": "string", "enum": crate::api::clusters::STATUSES});
    let job_types: Vec<&str> = edp_plugin_api::JobType::ALL.iter().map(|t| t.as_str()).collect();
    let kinds = ["hdfs", "swift", "s3", "manila", "maprfs"];
    let schemes = "^(internal-db|swift|s3|manila|hdfs|maprfs)://";
    schemas.insert(
        "NewCluster".into(),
        object(
            &["name", "plugin_name", "plugin_version"],
            json!({"name": name, "plugin_name": required_text, "plugin_version": required_text,
                   "description": text, "info": any_object, "status": status}),
        ),
    );
    schemas.insert(
        "ClusterUpdate".into(),
        object(&[], json!({"name": name, "description": text, "status": status, "info": any_object})),
    );
    schemas.insert(
        "NewJobBinary".into(),
        object(
            &["name", "url"],
            json!({"name": name, "url": {"type": "string", "pattern": schemes}, "description": text, "extra": any_object}),
        ),
    );
    schemas.insert(
        "NewDataSource".into(),
        object(
            &["name", "type", "url"],
            json!({"name": name, "description": text, "type": {"type": "string", "enum": kinds}, "url": required_text,
                   "credentials": any_object}),
        ),
    );
    schemas.insert(
        "NewJobTemplate".into(),
        object(
            &["name", "type"],
            json!({"name": name, "type": {"type": "string", "enum": job_types}, "mains": {"type": "array", "items": text},
                   "libs": {"type": "array", "items": text}, "description": text, "interface": {"type": "array"}}),
        ),
    );
    schemas.insert("Execute".into(), object(&["cluster_id"], json!({
        "job_template_id": text, "cluster_id": text, "input_id": text, "output_id": text, "job_configs": job_configs, "interface": any_object})));
    schemas.insert(
        "ExecutionUpdate".into(),
        object(
            &[],
            json!({
        "info": {"type": "object", "required": ["status"], "additionalProperties": false,
                 "properties": {"status": {"type": "string", "enum": ["cancel", "suspend", "resume"]}}}}),
        ),
    );
    schemas
}

fn build() -> Value {
    let mut paths: Map<String, Value> = Map::new();
    for endpoint in endpoints() {
        let parameters: Vec<Value> = endpoint
            .path
            .split('/')
            .filter_map(|segment| segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(|name| {
                let schema = if name == "job_type" {
                    json!({"type": "string", "enum": edp_plugin_api::JobType::ALL.iter().map(|t| t.as_str()).collect::<Vec<_>>()})
                } else {
                    json!({"type": "string", "minLength": 1})
                };
                json!({"name": name, "in": "path", "required": true, "schema": schema})
            })
            .collect();
        let error = json!({"description": "Sahara's error body", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}});
        let mut responses = Map::new();
        let ok_content = match endpoint.ok {
            204 => json!({"description": "done"}),
            _ if endpoint.path.ends_with("/data") => {
                json!({"description": "the bytes", "content": {"application/octet-stream": {}}})
            }
            _ if endpoint.path == "/metrics" => {
                json!({"description": "Prometheus text", "content": {"text/plain": {}}})
            }
            _ => json!({"description": "done", "content": {"application/json": {"schema": {"type": "object"}}}}),
        };
        responses.insert(endpoint.ok.to_string(), ok_content);
        for status in ["400", "404", "405", "409", "413", "500", "503", "507"] {
            responses.insert(status.into(), error.clone());
        }
        if endpoint.auth {
            responses.insert("401".into(), error.clone());
            responses.insert("403".into(), error.clone());
        }
        let mut operation = json!({"summary": endpoint.summary, "parameters": parameters, "responses": responses});
        if endpoint.auth {
            operation["security"] = json!([{"token": []}]);
        }
        if let Some(schema) = endpoint.body {
            operation["requestBody"] = json!({"required": true, "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}}});
        } else if endpoint.method == axum::http::Method::PUT {
            operation["requestBody"] = json!({"required": true, "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary", "minLength": 1}}}});
        }
        let method = endpoint.method.as_str().to_ascii_lowercase();
        paths.entry(endpoint.path.to_owned()).or_insert_with(|| json!({}))[method] = operation;
    }
    json!({
        "openapi": "3.1.0",
        "info": {"title": "edp-host", "version": env!("CARGO_PKG_VERSION"),
                 "description": "Sahara-compatible EDP API (v2 and v1.1) and the edp host's own endpoints"},
        "paths": paths,
        "components": {
            "schemas": schemas(),
            "securitySchemes": {"token": {"type": "apiKey", "in": "header", "name": "X-Auth-Token"}}
        }
    })
}
