//! Reading plugins.toml section by section, so that one bad engine or route does not hide the
//! others' errors, and every error keeps its position.

use std::collections::BTreeMap;
use std::ops::Range;

use serde::Deserialize;
use serde::de::IntoDeserializer;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::config::error::ErrorSink;

/// `[host]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawHost {
    pub(crate) data_dir: Option<Spanned<String>>,
    #[serde(default)]
    pub(crate) plugin_dirs: Vec<Spanned<String>>,
    pub(crate) poll_interval_secs: Option<Spanned<f64>>,
    pub(crate) poll_concurrency: Option<Spanned<i64>>,
    pub(crate) cancel_timeout_secs: Option<Spanned<f64>>,
    pub(crate) cancel_retry_secs: Option<Spanned<f64>>,
    pub(crate) missing_cluster_grace_secs: Option<Spanned<f64>>,
    pub(crate) listen: Option<Spanned<String>>,
    pub(crate) max_body_bytes: Option<Spanned<i64>>,
    pub(crate) durable_commits: Option<bool>,
}

/// `[auth]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawAuth {
    #[serde(default)]
    pub(crate) tokens: Vec<Spanned<RawToken>>,
}

/// `[[auth.tokens]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawToken {
    pub(crate) project: Spanned<String>,
    pub(crate) role: Spanned<String>,
    pub(crate) token: Option<Spanned<String>>,
    pub(crate) token_env: Option<Spanned<String>>,
}

/// `[engines.NAME]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawEngine {
    pub(crate) library: Option<Spanned<String>>,
    #[serde(default)]
    pub(crate) config: serde_json::Map<String, serde_json::Value>,
    #[serde(default)]
    pub(crate) timeout_secs: BTreeMap<Spanned<String>, Spanned<f64>>,
}

/// `[[routes]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRoute {
    pub(crate) cluster_type: Spanned<String>,
    pub(crate) versions: Option<Spanned<String>>,
    pub(crate) job_types: Option<Vec<Spanned<String>>>,
    pub(crate) engine: Spanned<String>,
}

/// The sections of a plugins.toml, each parsed on its own.
#[derive(Debug, Default)]
pub(crate) struct RawDocument {
    pub(crate) host: RawHost,
    pub(crate) engines: Vec<(Spanned<String>, RawEngine)>,
    pub(crate) routes: Vec<(Range<usize>, RawRoute)>,
    pub(crate) auth: RawAuth,
}

const SECTIONS: [&str; 4] = ["host", "engines", "routes", "auth"];

/// Parses `text`, recording every error in `sink`; sections with errors are left out.
pub(crate) fn parse(text: &str, sink: &mut ErrorSink<'_>) -> RawDocument {
    let mut document = RawDocument::default();
    let root = match DeTable::parse(text) {
        Ok(root) => root,
        Err(err) => {
            sink.push_toml(&err, &(0..0), "");
            return document;
        }
    };
    for (key, value) in root.into_inner() {
        match key.get_ref().as_ref() {
            "host" => {
                if let Some(host) = section::<RawHost>(value, sink, "[host]") {
                    document.host = host;
                }
            }
            "engines" => document.engines = engines(value, sink),
            "routes" => document.routes = routes(value, sink),
            "auth" => {
                if let Some(auth) = section::<RawAuth>(value, sink, "[auth]") {
                    document.auth = auth;
                }
            }
            other => sink.push(
                &key.span(),
                "",
                format!("unknown section `{other}`, expected one of: {}", SECTIONS.join(", ")),
            ),
        }
    }
    document
}

fn section<T: for<'de> Deserialize<'de>>(
    value: Spanned<DeValue<'_>>,
    sink: &mut ErrorSink<'_>,
    subject: &str,
) -> Option<T> {
    let span = value.span();
    T::deserialize(value.into_deserializer()).map_err(|err| sink.push_toml(&err, &span, subject)).ok()
}

fn engines(value: Spanned<DeValue<'_>>, sink: &mut ErrorSink<'_>) -> Vec<(Spanned<String>, RawEngine)> {
    let span = value.span();
    let DeValue::Table(table) = value.into_inner() else {
        sink.push(&span, "", "`engines` must be a table of engine tables, like [engines.local]");
        return Vec::new();
    };
    let mut engines = Vec::new();
    for (name, entry) in table {
        let name = Spanned::new(name.span(), name.get_ref().to_string());
        let subject = format!("engine `{}`", name.get_ref());
        if let Some(engine) = section::<RawEngine>(entry, sink, &subject) {
            engines.push((name, engine));
        }
    }
    engines
}

fn routes(value: Spanned<DeValue<'_>>, sink: &mut ErrorSink<'_>) -> Vec<(Range<usize>, RawRoute)> {
    let span = value.span();
    let DeValue::Array(array) = value.into_inner() else {
        sink.push(&span, "", "`routes` must be an array of tables, written [[routes]]");
        return Vec::new();
    };
    let mut routes = Vec::new();
    for (index, entry) in array.into_iter().enumerate() {
        let span = entry.span();
        let subject = format!("route #{}", index + 1);
        if let Some(route) = section::<RawRoute>(entry, sink, &subject) {
            routes.push((span, route));
        }
    }
    routes
}
