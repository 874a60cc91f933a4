//! Requests off the measured path (setup, checks, the watcher): one connection, reopened when
//! it fails, JSON answers parsed whole.

use anyhow::{Context as _, bail};
use serde_json::Value;

use crate::http::{Connection, Reply, RequestTemplate, Target};

/// A client for the occasional request.
pub(crate) struct ApiClient {
    target: Target,
    connection: Option<Connection>,
}

impl ApiClient {
    /// A client of `target` (connects on first use).
    pub(crate) fn new(target: Target) -> ApiClient {
        ApiClient { target, connection: None }
    }

    /// The server this client talks to.
    pub(crate) fn target(&self) -> &Target {
        &self.target
    }

    /// Sends `request` and returns the answer, whatever its status.
    pub(crate) async fn send(&mut self, request: &RequestTemplate) -> anyhow::Result<Reply> {
        let connection = match &mut self.connection {
            Some(connection) => connection,
            None => self.connection.insert(Connection::open(self.target.address).await?),
        };
        let reply = connection.send(request.build()).await;
        if reply.is_err() {
            self.connection = None;
        }
        reply.with_context(|| format!("{} got no answer", request.path()))
    }

    /// Sends `request`, requires a 2xx answer and returns its JSON body.
    pub(crate) async fn json(&mut self, request: &RequestTemplate) -> anyhow::Result<Value> {
        let reply = self.send(request).await?;
        if !reply.status.is_success() {
            bail!("{} answered {}: {}", request.path(), reply.status, String::from_utf8_lossy(&reply.body));
        }
        serde_json::from_slice(&reply.body).with_context(|| format!("{} answered with invalid JSON", request.path()))
    }
}
