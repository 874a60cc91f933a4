//! The fake WebHDFS: a NameNode that redirects data operations to a DataNode, over an
//! in-memory tree.

use serde_json::{Value, json};

use super::server::{Request, Response};
use super::{Hdfs, Shared};

const JSON: &str = "application/json";

/// WebHDFS's error shape.
pub(crate) fn remote_exception(status: u16, exception: &str, class: &str, message: &str) -> Response {
    Response::new(
        status,
        JSON,
        json!({"RemoteException": {"exception": exception, "javaClassName": class, "message": message}}).to_string(),
    )
}

fn not_found(path: &str) -> Response {
    remote_exception(
        404,
        "FileNotFoundException",
        "java.io.FileNotFoundException",
        &format!("File does not exist: {path}"),
    )
}

fn parents(path: &str) -> Vec<String> {
    let mut parents = Vec::new();
    let mut current = String::new();
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    for segment in &segments[..segments.len().saturating_sub(1)] {
        current.push('/');
        current.push_str(segment);
        parents.push(current.clone());
    }
    parents
}

fn mkdirs(hdfs: &mut Hdfs, path: &str) -> Result<(), Response> {
    let mut all = parents(path);
    all.push(path.to_owned());
    for dir in all {
        match hdfs.nodes.get(&dir) {
            Some(Some(_)) => {
                return Err(remote_exception(
                    403,
                    "ParentNotDirectoryException",
                    "org.apache.hadoop.fs.ParentNotDirectoryException",
                    &format!("{dir} (is not a directory)"),
                ));
            }
            Some(None) => {}
            None => {
                hdfs.nodes.insert(dir, None);
            }
        }
    }
    Ok(())
}

/// Writes a file, creating its parents.
pub(crate) fn write_file(hdfs: &mut Hdfs, path: &str, data: Vec<u8>) {
    for dir in parents(path) {
        hdfs.nodes.entry(dir).or_insert(None);
    }
    hdfs.nodes.insert(path.to_owned(), Some(data));
}

fn file_status(hdfs: &Hdfs, path: &str, suffix: &str) -> Option<Value> {
    let node = hdfs.nodes.get(path)?;
    let (kind, length, permission) = match node {
        None => ("DIRECTORY", 0, "755"),
        Some(bytes) => ("FILE", bytes.len(), "644"),
    };
    Some(json!({
        "accessTime": 0, "blockSize": if node.is_some() { 134_217_728 } else { 0 }, "childrenNum": 0, "fileId": 16386,
        "group": "supergroup", "length": length, "modificationTime": 1_433_916_300_000_i64, "owner": "hadoop",
        "pathSuffix": suffix, "permission": permission, "replication": if node.is_some() { 3 } else { 0 },
        "storagePolicy": 0, "type": kind
    }))
}

fn children(hdfs: &Hdfs, path: &str) -> Vec<String> {
    let prefix = if path == "/" { "/".to_owned() } else { format!("{path}/") };
    hdfs.nodes
        .keys()
        .filter(|child| {
            child.starts_with(&prefix) && !child[prefix.len()..].contains('/') && child.len() > prefix.len()
        })
        .cloned()
        .collect()
}

/// A boolean parameter: Hadoop's `BooleanParam` reads `true` in any case.
fn flag(request: &Request, name: &str) -> bool {
    request.param(name).is_some_and(|value| value.eq_ignore_ascii_case("true"))
}

fn hdfs_path(request: &Request) -> Option<String> {
    let rest = request.path.strip_prefix("/webhdfs/v1")?;
    let path = if rest.is_empty() { "/".to_owned() } else { rest.to_owned() };
    Some(if path.len() > 1 { path.trim_end_matches('/').to_owned() } else { path })
}

fn bad_op(request: &Request, kind: &str) -> Response {
    remote_exception(
        400,
        "IllegalArgumentException",
        "java.lang.IllegalArgumentException",
        &format!(
            "Invalid value for webhdfs parameter \"op\": No enum constant org.apache.hadoop.hdfs.web.resources.{kind}.Op.{}",
            request.param("op").unwrap_or_default()
        ),
    )
}

fn datanode_location(shared: &Shared, request: &Request, path: &str) -> String {
    let port = shared.datanode_port.get().copied().unwrap_or_default();
    let mut query = vec![
        format!("op={}", request.param("op").unwrap_or_default()),
        format!("user.name={}", request.param("user.name").unwrap_or("dr.who")),
        format!("namenoderpcaddress={}", shared.name_node.trim_start_matches("hdfs://")),
    ];
    if request.param("op") == Some("CREATE") {
        query.push("createflag=".into());
        query.push("createparent=true".into());
        query.push(format!("overwrite={}", request.param("overwrite").unwrap_or("false")));
    }
    let encoded: String = path
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!("http://127.0.0.1:{port}/webhdfs/v1{encoded}?{}", query.join("&"))
}

/// The NameNode: metadata operations, and redirects for data.
pub(crate) fn namenode(shared: &Shared, request: &Request) -> Response {
    let Some(path) = hdfs_path(request) else {
        return Response::new(404, "text/plain", "not a webhdfs path");
    };
    let op = request.param("op").unwrap_or_default().to_ascii_uppercase();
    let mut state = shared.state();
    let hdfs = &mut state.hdfs;
    match (request.method.as_str(), op.as_str()) {
        ("PUT", "MKDIRS") => match mkdirs(hdfs, &path) {
            Ok(()) => Response::json(200, &json!({"boolean": true})),
            Err(response) => response,
        },
        ("PUT", "CREATE") => {
            if let Some(None) = hdfs.nodes.get(&path) {
                return remote_exception(
                    403,
                    "FileAlreadyExistsException",
                    "org.apache.hadoop.fs.FileAlreadyExistsException",
                    &format!("{path} already exists as a directory"),
                );
            }
            if hdfs.nodes.contains_key(&path) && !flag(request, "overwrite") {
                return remote_exception(
                    403,
                    "FileAlreadyExistsException",
                    "org.apache.hadoop.fs.FileAlreadyExistsException",
                    &format!("{path} for client 127.0.0.1 already exists"),
                );
            }
            let location = datanode_location(shared, request, &path);
            if flag(request, "noredirect") {
                Response::json(200, &json!({"Location": location}))
            } else {
                Response::new(307, JSON, Vec::new()).with_header("Location", &location)
            }
        }
        ("GET", "OPEN") => match hdfs.nodes.get(&path) {
            Some(Some(_)) => {
                Response::new(307, JSON, Vec::new()).with_header("Location", &datanode_location(shared, request, &path))
            }
            _ => not_found(&path),
        },
        ("GET", "GETFILESTATUS") => match file_status(hdfs, &path, "") {
            Some(status) => Response::json(200, &json!({"FileStatus": status})),
            None => not_found(&path),
        },
        ("GET", "LISTSTATUS") => match hdfs.nodes.get(&path) {
            Some(None) => {
                let statuses: Vec<Value> = children(hdfs, &path)
                    .iter()
                    .filter_map(|child| file_status(hdfs, child, child.rsplit('/').next().unwrap_or_default()))
                    .collect();
                Response::json(200, &json!({"FileStatuses": {"FileStatus": statuses}}))
            }
            Some(Some(_)) => Response::json(
                200,
                &json!({"FileStatuses": {"FileStatus": [file_status(hdfs, &path, "").unwrap_or(Value::Null)]}}),
            ),
            None => not_found(&path),
        },
        ("DELETE", "DELETE") => {
            if !hdfs.nodes.contains_key(&path) {
                return Response::json(200, &json!({"boolean": false}));
            }
            let nested = format!("{path}/");
            let has_children = hdfs.nodes.keys().any(|other| other.starts_with(&nested));
            if has_children && !flag(request, "recursive") {
                return remote_exception(
                    403,
                    "PathIsNotEmptyDirectoryException",
                    "org.apache.hadoop.fs.PathIsNotEmptyDirectoryException",
                    &format!("`{path} is non empty': Directory is not empty"),
                );
            }
            hdfs.nodes.retain(|other, _| other != &path && !other.starts_with(&nested));
            Response::json(200, &json!({"boolean": true}))
        }
        ("PUT", _) => bad_op(request, "PutOpParam"),
        ("GET", _) => bad_op(request, "GetOpParam"),
        ("DELETE", _) => bad_op(request, "DeleteOpParam"),
        _ => remote_exception(
            405,
            "UnsupportedOperationException",
            "java.lang.UnsupportedOperationException",
            &format!("method {} is not supported", request.method),
        ),
    }
}

/// The DataNode: the data half of CREATE and OPEN.
pub(crate) fn datanode(shared: &Shared, request: &Request) -> Response {
    let Some(path) = hdfs_path(request) else {
        return Response::new(404, "text/plain", "not a webhdfs path");
    };
    let op = request.param("op").unwrap_or_default().to_ascii_uppercase();
    let mut state = shared.state();
    match (request.method.as_str(), op.as_str()) {
        ("PUT", "CREATE") => {
            if request.param("namenoderpcaddress").is_none() {
                return remote_exception(
                    400,
                    "IllegalArgumentException",
                    "java.lang.IllegalArgumentException",
                    "Required param namenoderpcaddress for op: CREATE is null or empty",
                );
            }
            write_file(&mut state.hdfs, &path, request.body.clone());
            Response::new(201, JSON, Vec::new()).with_header("Location", &format!("{}{path}", shared.name_node))
        }
        ("GET", "OPEN") => match state.hdfs.nodes.get(&path) {
            Some(Some(bytes)) => Response::new(200, "application/octet-stream", bytes.clone()),
            _ => not_found(&path),
        },
        _ => bad_op(request, "PutOpParam"),
    }
}
