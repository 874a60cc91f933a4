//! Sahara's list semantics on rendered objects: filters (any top-level field; `status` means
//! the job status), `sort_by` (a field, `-field` for descending), `limit` and `marker`
//! (an id), and `markers: {prev, next}` in the reply when paging.

use serde_json::{Map, Value, json};

use crate::api::error::ApiError;

/// Filters, order and page of a listing, from the query string.
#[derive(Debug, Default)]
pub(crate) struct Listing {
    filters: Vec<(String, String)>,
    sort_by: Option<(String, bool)>,
    limit: Option<usize>,
    marker: Option<String>,
}

impl Listing {
    /// Reads the query parameters; `sortable` maps the names `sort_by` accepts to fields.
    pub(crate) fn parse(query: Vec<(String, String)>, sortable: &[(&str, &str)]) -> Result<Listing, ApiError> {
        let mut listing = Listing::default();
        for (key, value) in query {
            match key.as_str() {
                "limit" => {
                    let limit: usize = value.parse().map_err(|_| {
                        ApiError::validation(format!("limit must be a positive integer, not `{value}`"))
                    })?;
                    if limit == 0 {
                        return Err(ApiError::validation("limit must be a positive integer, not `0`"));
                    }
                    listing.limit = Some(limit);
                }
                "marker" => listing.marker = Some(value),
                "sort_by" => {
                    let (field, descending) = match value.strip_prefix('-') {
                        Some(field) => (field.to_owned(), true),
                        None => (value.clone(), false),
                    };
                    let Some((_, column)) = sortable.iter().find(|(name, _)| *name == field) else {
                        let names: Vec<&str> = sortable.iter().map(|(name, _)| *name).collect();
                        return Err(ApiError::validation(format!(
                            "unknown sort field `{field}`; sort by one of: {}",
                            names.join(", ")
                        )));
                    };
                    listing.sort_by = Some(((*column).to_owned(), descending));
                }
                // Sahara's clients send these; they change nothing here.
                "show_progress" | "hints" => {}
                _ => listing.filters.push((key, value)),
            }
        }
        Ok(listing)
    }

    /// The store-level form of this listing, when it needs no sorting and filters only by
    /// status or cluster: then the store pages it (one page read, not the whole table).
    pub(crate) fn store_page(&self) -> Option<StorePage> {
        if self.sort_by.is_some() {
            return None;
        }
        let mut page = StorePage { statuses: None, cluster_id: None, limit: self.limit, marker: self.marker.clone() };
        for (key, value) in &self.filters {
            match key.as_str() {
                "status" => page.statuses = Some(vec![value.parse().ok()?]),
                "cluster_id" => page.cluster_id = Some(value.clone()),
                _ => return None,
            }
        }
        Some(page)
    }

    /// Filters, sorts and pages `items` into `{collection: [...], "markers": {...}}`.
    pub(crate) fn render(&self, collection: &str, mut items: Vec<Value>) -> Result<Value, ApiError> {
        for (key, wanted) in &self.filters {
            if let Some(first) = items.first()
                && field(first, key).is_none()
                && key != "status"
            {
                return Err(ApiError::validation(format!("unknown filter `{key}`")));
            }
            items.retain(|item| field(item, key).is_some_and(|value| matches(value, wanted)));
        }
        if let Some((key, descending)) = &self.sort_by {
            items.sort_by(|a, b| {
                let order = text(field(a, key)).cmp(&text(field(b, key)));
                if *descending { order.reverse() } else { order }
            });
        }
        let start = match &self.marker {
            None => 0,
            Some(marker) => items
                .iter()
                .position(|item| item.get("id").and_then(Value::as_str) == Some(marker.as_str()))
                .map(|at| at + 1)
                .ok_or_else(|| {
                    ApiError::new(
                        axum::http::StatusCode::NOT_FOUND,
                        "NOT_FOUND",
                        format!("marker `{marker}` not found"),
                    )
                })?,
        };
        let mut reply = Map::new();
        match self.limit {
            None => {
                reply.insert(collection.into(), Value::Array(items.split_off(start.min(items.len()))));
            }
            Some(limit) => {
                let end = (start + limit).min(items.len());
                let id_at =
                    |index: usize| items.get(index).and_then(|item| item.get("id")).cloned().unwrap_or(Value::Null);
                let next = if end < items.len() && end > start { id_at(end - 1) } else { Value::Null };
                let prev = if start == 0 {
                    Value::Null
                } else if start > limit {
                    id_at(start - limit - 1)
                } else {
                    Value::Null
                };
                let page: Vec<Value> = items[start.min(items.len())..end].to_vec();
                reply.insert(collection.into(), Value::Array(page));
                reply.insert("markers".into(), json!({"prev": prev, "next": next}));
            }
        }
        Ok(Value::Object(reply))
    }
}

/// A listing the store can page itself.
#[derive(Debug, Clone)]
pub(crate) struct StorePage {
    pub(crate) statuses: Option<Vec<edp_plugin_api::JobStatus>>,
    pub(crate) cluster_id: Option<String>,
    pub(crate) limit: Option<usize>,
    pub(crate) marker: Option<String>,
}

/// `{collection: items, "markers": {"prev": null, "next": <last id when more follow>}}` for a
/// page the store read with one extra row to learn whether more follow.
pub(crate) fn render_store_page(collection: &str, mut items: Vec<Value>, limit: Option<usize>) -> Value {
    let mut reply = Map::new();
    match limit {
        None => {
            reply.insert(collection.into(), Value::Array(items));
        }
        Some(limit) => {
            let more = items.len() > limit;
            items.truncate(limit);
            let next = if more {
                items.last().and_then(|item| item.get("id")).cloned().unwrap_or(Value::Null)
            } else {
                Value::Null
            };
            reply.insert(collection.into(), Value::Array(items));
            reply.insert("markers".into(), json!({"prev": null, "next": next}));
        }
    }
    Value::Object(reply)
}

fn field<'a>(item: &'a Value, key: &str) -> Option<&'a Value> {
    if key == "status" {
        return item.get("info").and_then(|info| info.get("status")).or_else(|| item.get("status"));
    }
    item.get(key)
}

fn matches(value: &Value, wanted: &str) -> bool {
    match value {
        Value::String(text) => text == wanted,
        Value::Bool(flag) => wanted.eq_ignore_ascii_case(if *flag { "true" } else { "false" }),
        Value::Null => wanted.is_empty() || wanted == "null",
        other => {
            let text = other.to_string();
            text == wanted
        }
    }
}

fn text(value: Option<&Value>) -> String {
    match value {
        Some(Value::String(text)) => text.clone(),
        Some(other) => other.to_string(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items() -> Vec<Value> {
        (1..=5).map(|i| json!({"id": format!("id{i}"), "name": format!("n{}", 6 - i), "info": {"status": if i % 2 == 0 { "RUNNING" } else { "KILLED" }}})).collect()
    }

    #[test]
    fn pages_with_markers_filters_and_sorts() {
        let listing = Listing::parse(vec![("limit".into(), "2".into())], &[("name", "name")]).expect("valid");
        let page = listing.render("things", items()).expect("page");
        assert_eq!(page["things"].as_array().map(Vec::len), Some(2));
        assert_eq!(page["markers"], json!({"prev": null, "next": "id2"}));
        let listing =
            Listing::parse(vec![("limit".into(), "2".into()), ("marker".into(), "id2".into())], &[]).expect("valid");
        let page = listing.render("things", items()).expect("page");
        assert_eq!(page["things"][0]["id"], "id3");
        assert_eq!(page["markers"]["next"], "id4");
        let listing = Listing::parse(
            vec![("status".into(), "RUNNING".into()), ("sort_by".into(), "-name".into())],
            &[("name", "name")],
        )
        .expect("valid");
        let page = listing.render("things", items()).expect("page");
        let ids: Vec<&str> =
            page["things"].as_array().expect("array").iter().filter_map(|t| t["id"].as_str()).collect();
        assert_eq!(ids, ["id2", "id4"]);
    }

    #[test]
    fn bad_parameters_are_400s() {
        assert_eq!(Listing::parse(vec![("limit".into(), "x".into())], &[]).expect_err("bad").status, 400);
        assert_eq!(
            Listing::parse(vec![("sort_by".into(), "secret".into())], &[("name", "name")]).expect_err("bad").status,
            400
        );
        let listing = Listing::parse(vec![("colour".into(), "red".into())], &[]).expect("parsed");
        assert_eq!(listing.render("things", items()).expect_err("unknown filter").status, 400);
        let listing = Listing::parse(vec![("marker".into(), "nope".into())], &[]).expect("parsed");
        assert_eq!(listing.render("things", items()).expect_err("unknown marker").status, 404);
    }
}
