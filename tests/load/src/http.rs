//! One HTTP/1.1 keep-alive connection on hyper's low-level client, driven by the task that
//! sends on it (no second task per connection), and the precomputed requests sent on it.

use std::net::SocketAddr;
use std::pin::Pin;
use std::time::Duration;

use anyhow::{Context as _, anyhow, bail};
use http_body_util::{BodyExt as _, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1;
use hyper::header::{CONTENT_TYPE, HOST, HeaderMap, HeaderName, HeaderValue};
use hyper::{Method, Request, StatusCode, Uri};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

/// The body of every request the harness sends.
pub(crate) type Body = Full<Bytes>;

/// How long one request may take before the connection is given up.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// A response: its status and whole body.
#[derive(Debug)]
pub(crate) struct Reply {
    /// The response status.
    pub(crate) status: StatusCode,
    /// The response body, read to its end.
    pub(crate) body: Bytes,
}

/// An open connection to the server.
pub(crate) struct Connection {
    sender: http1::SendRequest<Body>,
    driver: Pin<Box<http1::Connection<TokioIo<TcpStream>, Body>>>,
}

impl Connection {
    /// Connects to `address` with `TCP_NODELAY` and does the HTTP/1 handshake.
    pub(crate) async fn open(address: SocketAddr) -> anyhow::Result<Connection> {
        let stream = TcpStream::connect(address).await.with_context(|| format!("cannot connect to {address}"))?;
        stream.set_nodelay(true)?;
        // With no listener, a loopback connect can pick the server's port as its own and
        // connect to itself; that socket would answer nothing and block the port.
        if stream.local_addr()? == stream.peer_addr()? {
            bail!("connection to {address} connected to itself");
        }
        let (sender, driver) = http1::handshake(TokioIo::new(stream)).await?;
        Ok(Connection { sender, driver: Box::pin(driver) })
    }

    /// Sends `request` and reads the whole response. After an error the connection is
    /// unusable: drop it and open another.
    pub(crate) async fn send(&mut self, request: Request<Body>) -> anyhow::Result<Reply> {
        let Connection { sender, driver } = self;
        let exchange = async {
            sender.ready().await?;
            let response = sender.send_request(request).await?;
            let status = response.status();
            let body = response.into_body().collect().await?.to_bytes();
            Ok::<_, hyper::Error>(Reply { status, body })
        };
        let driven = async {
            tokio::select! {
                biased;
                reply = exchange => reply.map_err(anyhow::Error::from),
                ended = driver.as_mut() => match ended {
                    Ok(()) => Err(anyhow!("the server closed the connection")),
                    Err(error) => Err(error.into()),
                },
            }
        };
        tokio::time::timeout(REQUEST_TIMEOUT, driven)
            .await
            .map_err(|_| anyhow!("no answer within {}s", REQUEST_TIMEOUT.as_secs()))?
    }
}

/// The server's address and the headers every request carries (`Host`, `X-Auth-Token`).
#[derive(Debug, Clone)]
pub(crate) struct Target {
    /// Where the server listens.
    pub(crate) address: SocketAddr,
    headers: HeaderMap,
}

impl Target {
    /// A target at `address` authenticating with `token`.
    pub(crate) fn new(address: SocketAddr, token: &str) -> anyhow::Result<Target> {
        let mut headers = HeaderMap::new();
        headers.insert(HOST, HeaderValue::from_str(&address.to_string())?);
        headers.insert(HeaderName::from_static("x-auth-token"), HeaderValue::from_str(token)?);
        Ok(Target { address, headers })
    }

    /// `GET path`.
    pub(crate) fn get(&self, path: &str) -> anyhow::Result<RequestTemplate> {
        self.request(Method::GET, path, None, Bytes::new())
    }

    /// `method path` with a JSON body.
    pub(crate) fn json(&self, method: Method, path: &str, body: String) -> anyhow::Result<RequestTemplate> {
        self.request(method, path, Some("application/json"), Bytes::from(body))
    }

    /// `method path` with any body of `content_type`.
    pub(crate) fn request(
        &self,
        method: Method,
        path: &str,
        content_type: Option<&'static str>,
        body: Bytes,
    ) -> anyhow::Result<RequestTemplate> {
        let uri: Uri = path.parse().with_context(|| format!("`{path}` is not a request path"))?;
        let mut headers = self.headers.clone();
        if let Some(content_type) = content_type {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
        }
        Ok(RequestTemplate { method, uri, headers, body })
    }
}

/// A request built once and sent many times: each send clones reference-counted parts.
#[derive(Debug, Clone)]
pub(crate) struct RequestTemplate {
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
}

impl RequestTemplate {
    /// A request to send.
    pub(crate) fn build(&self) -> Request<Body> {
        let mut request = Request::new(Full::new(self.body.clone()));
        *request.method_mut() = self.method.clone();
        *request.uri_mut() = self.uri.clone();
        *request.headers_mut() = self.headers.clone();
        request
    }

    /// The request's path and query, for messages.
    pub(crate) fn path(&self) -> &str {
        self.uri.path_and_query().map_or("/", |path| path.as_str())
    }
}
