//! Data-source substitution, as Sahara did it: the job's input and output URLs with their
//! placeholders expanded (`%JOB_EXEC_ID%`, `%RANDSTR(n)%`), and, when the job's configs ask for
//! it, `datasource://<name>` and data-source-id values in `args`, `configs` and `params`
//! replaced by URLs. The native URLs end up in `data_source_urls`.

use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::store::{DataSourceRow, JobExecutionRow, Store};

/// The job configs as launched, and the URLs of the data sources they use.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Prepared {
    /// `job_configs` after substitution.
    pub(crate) job_configs: Value,
    /// `{data source id: URL}`.
    pub(crate) data_source_urls: Map<String, Value>,
}

/// Resolves `row`'s data sources; the error says which reference could not be resolved.
pub(crate) fn prepare(store: &dyn Store, row: &JobExecutionRow) -> Result<Prepared, String> {
    let mut resolver = Resolver { store, row, urls: HashMap::new() };
    for id in [&row.input_id, &row.output_id].into_iter().flatten() {
        let source = store
            .data_source(id)
            .map_err(|err| err.to_string())?
            .ok_or_else(|| format!("data source `{id}` no longer exists"))?;
        resolver.url_of(&source);
    }
    let mut job_configs = row.job_configs.clone();
    let by_name = flag(&job_configs, "edp.substitute_data_source_for_name");
    let by_id = flag(&job_configs, "edp.substitute_data_source_for_uuid");
    if by_name || by_id {
        for section in ["args", "configs", "params"] {
            if let Some(values) = job_configs.get_mut(section) {
                resolver.substitute(values, by_name, by_id)?;
            }
        }
    }
    let data_source_urls = resolver.urls.into_iter().map(|(id, url)| (id, Value::String(url))).collect();
    Ok(Prepared { job_configs, data_source_urls })
}

/// Sahara accepted `True` and `'True'` for these flags; we also take `"true"`.
fn flag(job_configs: &Value, key: &str) -> bool {
    match job_configs.get("configs").and_then(|configs| configs.get(key)) {
        Some(Value::Bool(value)) => *value,
        Some(Value::String(text)) => text == "True" || text == "true",
        _ => false,
    }
}

struct Resolver<'a> {
    store: &'a dyn Store,
    row: &'a JobExecutionRow,
    /// Each source expands once per execution, so `%RANDSTR%` is the same everywhere it is used.
    urls: HashMap<String, String>,
}

impl Resolver<'_> {
    fn url_of(&mut self, source: &DataSourceRow) -> String {
        self.urls.entry(source.id.clone()).or_insert_with(|| expand(&source.url, &self.row.id)).clone()
    }

    fn substitute(&mut self, values: &mut Value, by_name: bool, by_id: bool) -> Result<(), String> {
        match values {
            Value::Array(items) => items.iter_mut().try_for_each(|item| self.substitute_one(item, by_name, by_id)),
            Value::Object(map) => map.values_mut().try_for_each(|item| self.substitute_one(item, by_name, by_id)),
            _ => Ok(()),
        }
    }

    fn substitute_one(&mut self, value: &mut Value, by_name: bool, by_id: bool) -> Result<(), String> {
        let Value::String(text) = value else { return Ok(()) };
        let source = if let Some(name) = text.strip_prefix("datasource://").filter(|_| by_name) {
            let found = self.store.data_source_by_name(&self.row.project, name).map_err(|err| err.to_string())?;
            Some(found.ok_or_else(|| format!("no data source named `{name}` for `{text}`"))?)
        } else if by_id && looks_like_uuid(text) {
            self.store
                .data_source(text)
                .map_err(|err| err.to_string())?
                .filter(|source| source.project == self.row.project)
        } else {
            None
        };
        if let Some(source) = source {
            *value = Value::String(self.url_of(&source));
        }
        Ok(())
    }
}

fn looks_like_uuid(text: &str) -> bool {
    uuid::Uuid::try_parse(text).is_ok()
}

/// Expands `%JOB_EXEC_ID%` and `%RANDSTR(n)%` (n random lowercase letters, n ≤ 1024).
pub(crate) fn expand(url: &str, job_execution_id: &str) -> String {
    let mut out = String::with_capacity(url.len());
    let mut rest = url.replace("%JOB_EXEC_ID%", job_execution_id);
    while let Some(start) = rest.find("%RANDSTR(") {
        let after = &rest[start + "%RANDSTR(".len()..];
        let Some(close) = after.find(")%") else { break };
        let Ok(length) = after[..close].parse::<usize>() else {
            out.push_str(&rest[..start + 1]);
            rest = rest[start + 1..].to_owned();
            continue;
        };
        out.push_str(&rest[..start]);
        out.extend((0..length.min(1024)).map(|_| fastrand::lowercase()));
        rest = after[close + 2..].to_owned();
    }
    out.push_str(&rest);
    out
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn expansion_never_panics_and_leaves_no_job_id_placeholder(url in "\\PC{0,80}", id in "[a-z0-9-]{1,36}") {
            let expanded = expand(&url, &id);
            prop_assert!(!expanded.contains("%JOB_EXEC_ID%"));
        }

        #[test]
        fn randstr_placeholders_expand_to_their_length(n in 0usize..64, prefix in "[a-z/]{0,10}") {
            let expanded = expand(&format!("{prefix}%RANDSTR({n})%"), "j");
            prop_assert_eq!(expanded.len(), prefix.len() + n);
        }
    }

    #[test]
    fn placeholders_expand() {
        assert_eq!(expand("hdfs://nn/out/%JOB_EXEC_ID%", "je-1"), "hdfs://nn/out/je-1");
        let url = expand("swift://c/%RANDSTR(6)%/x", "je-1");
        let random = url.strip_prefix("swift://c/").and_then(|rest| rest.strip_suffix("/x")).expect("shape");
        assert_eq!(random.len(), 6);
        assert!(random.chars().all(|c| c.is_ascii_lowercase()), "{url}");
        assert_eq!(expand("a%RANDSTR(x)%b", "j"), "a%RANDSTR(x)%b");
        assert_eq!(expand("no placeholders", "j"), "no placeholders");
    }
}
