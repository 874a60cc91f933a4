//! One blocking HTTP client for the standalone master's REST server, its web UI and the
//! workers' log pages: connect and read timeouts, no redirects, no proxy from the environment.
//! Nothing is retried here: the host calls again (a poll, a cancel retry), and a submission is
//! never sent twice.

use std::time::Duration;

use edp_plugin_api::EngineError;
use serde_json::Value;
use ureq::Agent;

/// An HTTP answer, read whole.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    /// The status code.
    pub(crate) status: u16,
    /// The body as text.
    pub(crate) body: String,
}

impl Reply {
    /// The body as JSON, or an error naming `what` was asked.
    pub(crate) fn json(&self, what: &str) -> Result<Value, EngineError> {
        serde_json::from_str(&self.body).map_err(|err| {
            let start: String = self.body.chars().take(160).collect();
            EngineError::unavailable(format!(
                "{what}: the answer (HTTP {}) is not JSON ({err}): {start:?}",
                self.status
            ))
        })
    }
}

/// Why a request failed below HTTP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Failure {
    /// The request certainly did not reach the server (no connection was made).
    pub(crate) not_sent: bool,
    /// What happened.
    pub(crate) error: EngineError,
}

/// The client.
#[derive(Clone)]
pub(crate) struct Http {
    agent: Agent,
}

impl Http {
    /// A client whose connects and reads give up after `timeout`.
    pub(crate) fn new(timeout: Duration) -> Self {
        let agent = Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .proxy(None)
            .timeout_connect(Some(timeout))
            .timeout_per_read(Some(timeout))
            .timeout_per_write(Some(timeout))
            .user_agent(concat!("edp-engine-spark/", env!("CARGO_PKG_VERSION")))
            .build()
            .new_agent();
        Self { agent }
    }

    /// `GET url`.
    pub(crate) fn get(&self, url: &str) -> Result<Reply, Failure> {
        finish("GET", url, self.agent.get(url).call())
    }

    /// `POST url` with a JSON body, as Spark's client sends it.
    pub(crate) fn post_json(&self, url: &str, body: &Value) -> Result<Reply, Failure> {
        let request = self.agent.post(url).header("Content-Type", "application/json;charset=UTF-8");
        finish("POST", url, request.send(body.to_string()))
    }

    /// `POST url` without a body.
    pub(crate) fn post_empty(&self, url: &str) -> Result<Reply, Failure> {
        finish("POST", url, self.agent.post(url).send_empty())
    }
}

fn finish(
    method: &str,
    url: &str,
    result: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
) -> Result<Reply, Failure> {
    let response = result.map_err(|err| failure(method, url, &err))?;
    let status = response.status().as_u16();
    let body = response.into_body().read_to_string().map_err(|err| failure(method, url, &err))?;
    Ok(Reply { status, body })
}

fn failure(method: &str, url: &str, err: &ureq::Error) -> Failure {
    use std::io::ErrorKind;
    use ureq::{Error, Timeout};
    let not_sent = match err {
        Error::ConnectionFailed | Error::HostNotFound | Error::BadUri(_) => true,
        Error::Timeout(Timeout::Resolve | Timeout::Connect) => true,
        Error::Io(io) => matches!(io.kind(), ErrorKind::ConnectionRefused | ErrorKind::AddrNotAvailable),
        _ => false,
    };
    Failure { not_sent, error: EngineError::unavailable(format!("{method} {url}: {err}")) }
}

#[cfg(test)]
mod tests {
    use std::io::{Read as _, Write as _};
    use std::net::TcpListener;

    use super::*;

    /// Serves one request with `answer` and returns what it received.
    fn serve_once(answer: &'static str) -> (String, std::thread::JoinHandle<String>) {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let handle = std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().expect("accept");
            let mut buffer = vec![0; 8192];
            let mut received = Vec::new();
            // Read headers and a small body (the tests' bodies fit in one or two reads).
            stream.set_read_timeout(Some(Duration::from_millis(300))).expect("timeout");
            while let Ok(n) = stream.read(&mut buffer) {
                if n == 0 {
                    break;
                }
                received.extend_from_slice(&buffer[..n]);
                let text = String::from_utf8_lossy(&received);
                if let Some((head, body)) = text.split_once("\r\n\r\n") {
                    let length = head
                        .lines()
                        .find_map(|line| line.to_ascii_lowercase().strip_prefix("content-length:").map(str::to_owned))
                        .and_then(|value| value.trim().parse::<usize>().ok())
                        .unwrap_or(0);
                    if body.len() >= length {
                        break;
                    }
                }
            }
            stream.write_all(answer.as_bytes()).expect("answer");
            String::from_utf8_lossy(&received).into_owned()
        });
        (url, handle)
    }

    #[test]
    fn posts_json_and_reads_any_status() {
        let (url, server) = serve_once("HTTP/1.1 400 Bad Request\r\nContent-Length: 13\r\n\r\n{\"a\": \"bad\"}\n");
        let reply = Http::new(Duration::from_secs(5))
            .post_json(&format!("{url}/v1/submissions/create"), &serde_json::json!({"x": 1}))
            .expect("an answer");
        assert_eq!(reply.status, 400);
        assert_eq!(reply.json("create").expect("json")["a"], "bad");
        let request = server.join().expect("server");
        assert!(request.starts_with("POST /v1/submissions/create HTTP/1.1"), "{request}");
        assert!(request.to_ascii_lowercase().contains("content-type: application/json"), "{request}");
        assert!(request.ends_with("{\"x\":1}"), "{request}");
    }

    #[test]
    fn a_refused_connection_was_not_sent() {
        let port = TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
        let failure = Http::new(Duration::from_secs(2)).get(&format!("http://127.0.0.1:{port}/")).expect_err("refused");
        assert!(failure.not_sent);
        assert_eq!(failure.error.kind, edp_plugin_api::ErrorKind::UNAVAILABLE);
    }
}
