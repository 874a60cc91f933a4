//! The WebHDFS client: make directories, upload files, delete trees, over REST (no Hadoop
//! client on the host).
//!
//! Uploads follow WebHDFS's two-step CREATE: a `PUT ?op=CREATE` without a body to the NameNode,
//! which answers `307` with a DataNode `Location`, then the `PUT` of the bytes there, answered
//! `201`. A server that answers `200` with `{"Location": ...}` (`noredirect`) or that is an
//! HttpFS gateway redirecting to itself works the same way. Errors are WebHDFS's
//! `RemoteException` JSON, turned into messages.

use edp_plugin_api::{EngineError, ErrorKind};
use serde_json::Value;

use crate::http::{Body, Http, Method, Reply, encode_path};

/// A WebHDFS client of one NameNode, acting as one user.
pub(crate) struct WebHdfs<'a> {
    http: &'a Http,
    base: &'a str,
    user: &'a str,
}

/// The error of a WebHDFS answer to `what`.
fn hdfs_error(what: &str, reply: &Reply) -> EngineError {
    let remote = serde_json::from_str::<Value>(&reply.body).ok().and_then(|json| json.get("RemoteException").cloned());
    let detail = match remote {
        Some(remote) => {
            let text = |key: &str| remote.get(key).and_then(Value::as_str).unwrap_or_default().to_owned();
            format!("{}: {}", text("exception"), text("message"))
        }
        None => format!("{:?}", reply.body.chars().take(200).collect::<String>()),
    };
    let kind = match reply.status {
        404 => ErrorKind::NOT_FOUND,
        status if status >= 500 => ErrorKind::UNAVAILABLE,
        _ => ErrorKind::INTERNAL,
    };
    EngineError::new(kind, format!("webhdfs {what}: HTTP {} {detail}", reply.status))
}

impl<'a> WebHdfs<'a> {
    /// A client of the WebHDFS server at `base` (e.g. `http://namenode:9870`).
    pub(crate) fn new(http: &'a Http, base: &'a str, user: &'a str) -> Self {
        Self { http, base, user }
    }

    fn url(&self, path: &str) -> String {
        format!("{}/webhdfs/v1{}", self.base, encode_path(path))
    }

    /// Creates `path` and its missing parents.
    pub(crate) fn mkdirs(&self, path: &str) -> Result<(), EngineError> {
        let query = [("op", "MKDIRS"), ("permission", "755"), ("user.name", self.user)];
        let reply = self.http.call("webhdfs", Method::Put, &self.url(path), &query, None)?;
        let created = reply.status == 200 && reply.json("webhdfs MKDIRS")?.get("boolean") == Some(&Value::Bool(true));
        if !created {
            return Err(if reply.status == 200 {
                EngineError::internal(format!("webhdfs could not create directory {path}: {}", reply.body.trim()))
            } else {
                hdfs_error(&format!("MKDIRS {path}"), &reply)
            });
        }
        Ok(())
    }

    /// Writes `data` to `path`, replacing it if it exists.
    pub(crate) fn create(&self, path: &str, data: &[u8]) -> Result<(), EngineError> {
        let what = format!("CREATE {path}");
        let query = [("op", "CREATE"), ("overwrite", "true"), ("user.name", self.user)];
        let first = self.http.call("webhdfs", Method::Put, &self.url(path), &query, None)?;
        let location = match first.status {
            307 | 302 | 303 => first.location.clone(),
            200 => first.json(&format!("webhdfs {what}"))?.get("Location").and_then(Value::as_str).map(str::to_owned),
            _ => return Err(hdfs_error(&what, &first)),
        }
        .ok_or_else(|| {
            EngineError::internal(format!("webhdfs {what}: the NameNode answered {} without a Location", first.status))
        })?;
        let location = if location.starts_with('/') {
            // A relative redirect: the same server.
            let origin_end = self.base.find("://").map_or(0, |at| at + 3);
            let host_end = self.base[origin_end..].find('/').map_or(self.base.len(), |at| origin_end + at);
            format!("{}{location}", &self.base[..host_end])
        } else {
            location
        };
        let body = Body { content_type: "application/octet-stream", bytes: data };
        let second = self.http.call("webhdfs", Method::Put, &location, &[], Some(body))?;
        if !matches!(second.status, 200 | 201) {
            return Err(hdfs_error(&format!("{what} (data)"), &second));
        }
        Ok(())
    }

    /// Deletes `path` and everything under it; false if it did not exist.
    pub(crate) fn delete_tree(&self, path: &str) -> Result<bool, EngineError> {
        let query = [("op", "DELETE"), ("recursive", "true"), ("user.name", self.user)];
        let reply = self.http.call("webhdfs", Method::Delete, &self.url(path), &query, None)?;
        if reply.status != 200 {
            return Err(hdfs_error(&format!("DELETE {path}"), &reply));
        }
        Ok(reply.json("webhdfs DELETE")?.get("boolean") == Some(&Value::Bool(true)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remote_exceptions_become_messages() {
        let reply = Reply {
            status: 403,
            location: None,
            error_code: None,
            error_message: None,
            body: r#"{"RemoteException":{"exception":"AccessControlException","javaClassName":
                "org.apache.hadoop.security.AccessControlException","message":"Permission denied: user=x"}}"#
                .into(),
        };
        let err = hdfs_error("MKDIRS /user/x", &reply);
        assert_eq!(err.kind, ErrorKind::INTERNAL);
        assert_eq!(
            err.message.as_str(),
            "webhdfs MKDIRS /user/x: HTTP 403 AccessControlException: Permission denied: user=x"
        );
        let err = hdfs_error("CREATE /a", &Reply { status: 503, body: "busy".into(), ..reply });
        assert_eq!(err.kind, ErrorKind::UNAVAILABLE);
        assert!(err.message.contains("\"busy\""), "{err}");
    }
}
