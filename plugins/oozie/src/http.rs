//! The HTTP plumbing the Oozie and WebHDFS clients share: one blocking agent with connect and
//! read timeouts, no automatic redirects (WebHDFS's two-step CREATE follows its redirect by
//! hand), no proxy from the environment, and retries for idempotent reads only.
//!
//! A GET is retried after a refused or dropped connection or a 5xx answer, with a linearly
//! growing pause. A timeout is not retried (a slow server stays slow, and the host's call
//! timeout is finite), and nothing that changes state (POST, PUT, DELETE) is ever retried.

use std::time::Duration;

use edp_plugin_api::EngineError;
use ureq::Agent;
use ureq::http::Response;

/// An HTTP answer, read whole.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    /// The status code.
    pub(crate) status: u16,
    /// The `Location` header, if any.
    pub(crate) location: Option<String>,
    /// Oozie's `oozie-error-code` header, if any.
    pub(crate) error_code: Option<String>,
    /// Oozie's `oozie-error-message` header, if any.
    pub(crate) error_message: Option<String>,
    /// The body as text (lossy UTF-8).
    pub(crate) body: String,
}

impl Reply {
    /// The body as JSON, or an error naming what was asked.
    pub(crate) fn json(&self, what: &str) -> Result<serde_json::Value, EngineError> {
        serde_json::from_str(&self.body).map_err(|err| {
            let start: String = self.body.chars().take(120).collect();
            EngineError::internal(format!("{what}: the answer (HTTP {}) is not JSON ({err}): {start:?}", self.status))
        })
    }
}

/// A request body and its content type.
pub(crate) struct Body<'a> {
    /// The `Content-Type` header.
    pub(crate) content_type: &'a str,
    /// The bytes.
    pub(crate) bytes: &'a [u8],
}

/// A request method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Method {
    /// GET (idempotent read: retried).
    Get,
    /// POST.
    Post,
    /// PUT.
    Put,
    /// DELETE.
    Delete,
}

impl Method {
    fn name(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Post => "POST",
            Self::Put => "PUT",
            Self::Delete => "DELETE",
        }
    }
}

/// The shared HTTP client.
#[derive(Clone)]
pub(crate) struct Http {
    agent: Agent,
    read_timeout: Duration,
    retries: u32,
    backoff: Duration,
}

/// What went wrong below HTTP.
enum Failure {
    /// Worth another try for an idempotent read (refused, reset, closed).
    Transient(EngineError),
    /// Not worth it (a timeout, a bad URL).
    Final(EngineError),
}

/// `url` with its query string, for messages (query values are ours, never secrets).
fn full_url(url: &str, query: &[(&str, &str)]) -> String {
    if query.is_empty() {
        return url.to_owned();
    }
    let pairs: Vec<String> = query.iter().map(|(key, value)| format!("{key}={value}")).collect();
    format!("{url}?{}", pairs.join("&"))
}

impl Http {
    /// A client with these timeouts and retries.
    pub(crate) fn new(connect_timeout: Duration, read_timeout: Duration, retries: u32, backoff: Duration) -> Self {
        let agent = Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .proxy(None)
            .timeout_connect(Some(connect_timeout))
            .timeout_per_read(Some(read_timeout))
            .timeout_per_write(Some(read_timeout))
            .user_agent(concat!("edp-engine-oozie/", env!("CARGO_PKG_VERSION")))
            .build()
            .new_agent();
        Self { agent, read_timeout, retries, backoff }
    }

    /// Sends one request; a GET is retried as the module docs say. `service` names the server
    /// in messages (`oozie`, `webhdfs`).
    pub(crate) fn call(
        &self,
        service: &str,
        method: Method,
        url: &str,
        query: &[(&str, &str)],
        body: Option<Body<'_>>,
    ) -> Result<Reply, EngineError> {
        let attempts = if method == Method::Get { self.retries + 1 } else { 1 };
        let mut attempt = 1;
        loop {
            let outcome = self.once(service, method, url, query, body.as_ref());
            let retry = match &outcome {
                Ok(reply) if reply.status >= 500 => attempt < attempts,
                Ok(_) => false,
                Err(Failure::Transient(_)) => attempt < attempts,
                Err(Failure::Final(_)) => false,
            };
            if !retry {
                return outcome.map_err(|failure| match failure {
                    Failure::Transient(error) | Failure::Final(error) => error,
                });
            }
            tracing::debug!(service, url = %full_url(url, query), attempt, "retrying a read");
            std::thread::sleep(self.backoff * attempt);
            attempt += 1;
        }
    }

    fn once(
        &self,
        service: &str,
        method: Method,
        url: &str,
        query: &[(&str, &str)],
        body: Option<&Body<'_>>,
    ) -> Result<Reply, Failure> {
        let shown = || format!("{} {}", method.name(), full_url(url, query));
        let result = match (method, body) {
            (Method::Get, _) => self.agent.get(url).query_pairs(query.iter().copied()).call(),
            (Method::Delete, _) => self.agent.delete(url).query_pairs(query.iter().copied()).call(),
            (Method::Post, Some(body)) => self
                .agent
                .post(url)
                .query_pairs(query.iter().copied())
                .header("Content-Type", body.content_type)
                .send(body.bytes),
            (Method::Post, None) => self.agent.post(url).query_pairs(query.iter().copied()).send_empty(),
            (Method::Put, Some(body)) => self
                .agent
                .put(url)
                .query_pairs(query.iter().copied())
                .header("Content-Type", body.content_type)
                .send(body.bytes),
            (Method::Put, None) => self.agent.put(url).query_pairs(query.iter().copied()).send_empty(),
        };
        let response = result.map_err(|err| self.failure(service, &shown(), err))?;
        self.read(response).map_err(|err| self.failure(service, &shown(), err))
    }

    fn read(&self, mut response: Response<ureq::Body>) -> Result<Reply, ureq::Error> {
        let header = |name: &str| {
            response.headers().get(name).and_then(|value| value.to_str().ok()).map(|text| text.trim().to_owned())
        };
        let (location, error_code, error_message) =
            (header("location"), header("oozie-error-code"), header("oozie-error-message"));
        let status = response.status().as_u16();
        let bytes = response.body_mut().with_config().limit(64 * 1024 * 1024).read_to_vec()?;
        Ok(Reply { status, location, error_code, error_message, body: String::from_utf8_lossy(&bytes).into_owned() })
    }

    fn failure(&self, service: &str, request: &str, err: ureq::Error) -> Failure {
        match err {
            ureq::Error::Timeout(_) => Failure::Final(EngineError::unavailable(format!(
                "{service} did not answer {request} within {:.1}s",
                self.read_timeout.as_secs_f64()
            ))),
            ureq::Error::Io(io)
                if io.kind() == std::io::ErrorKind::TimedOut || io.kind() == std::io::ErrorKind::WouldBlock =>
            {
                Failure::Final(EngineError::unavailable(format!(
                    "{service} did not answer {request} within {:.1}s",
                    self.read_timeout.as_secs_f64()
                )))
            }
            ureq::Error::BadUri(_) | ureq::Error::Http(_) => {
                Failure::Final(EngineError::invalid_config(format!("cannot send {request} to {service}: {err}")))
            }
            other => {
                Failure::Transient(EngineError::unavailable(format!("cannot reach {service} for {request}: {other}")))
            }
        }
    }
}

/// Percent-encodes an HDFS path (or a URL path segment list) for a URL: everything but
/// unreserved characters and `/` is escaped.
pub(crate) fn encode_path(path: &str) -> String {
    let mut encoded = String::with_capacity(path.len());
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_percent_encoded_except_slashes() {
        assert_eq!(encode_path("/user/hadoop/my job/ü?#%"), "/user/hadoop/my%20job/%C3%BC%3F%23%25");
        assert_eq!(encode_path("/a-b_c.d~e"), "/a-b_c.d~e");
    }

    #[test]
    fn a_refused_connection_is_unavailable_and_names_the_request() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        drop(listener);
        let http = Http::new(Duration::from_secs(1), Duration::from_secs(1), 2, Duration::ZERO);
        let err = http
            .call("oozie", Method::Get, &format!("http://127.0.0.1:{port}/oozie/versions"), &[("a", "b")], None)
            .expect_err("nothing listens");
        assert_eq!(err.kind, edp_plugin_api::ErrorKind::UNAVAILABLE);
        assert!(err.message.contains("cannot reach oozie") && err.message.contains("/oozie/versions?a=b"), "{err}");
    }
}
