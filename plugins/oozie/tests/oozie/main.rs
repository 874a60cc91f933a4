//! Integration tests of the oozie engine: a protocol-accurate fake Oozie and WebHDFS, checked
//! against an independent Python client; the engine driven directly against the fake; and the
//! real plugin library driven end to end by the host's job manager.

mod conformance;
mod engine;
mod fake;
mod host;
mod protocol;
mod support;
