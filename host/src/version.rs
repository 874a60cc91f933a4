//! Numeric versions and version requirements for routes.
//!
//! Versions compare component by component as numbers, so `1.10 > 1.6` (Sahara compared
//! strings and got it wrong), and missing components are zeros (`2.7 == 2.7.0`). A requirement
//! is a comma-separated list of comparators that must all hold; it denotes one interval of
//! versions, which is what lets the config check find overlapping routes before any job runs.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

/// A version such as `2.7.1`.
#[derive(Clone, Debug)]
pub struct Version(Vec<u64>);

impl Version {
    fn component(&self, index: usize) -> u64 {
        self.0.get(index).copied().unwrap_or(0)
    }

    /// The smallest version above every version with this prefix: `2.7` → `2.8`.
    fn next_prefix(&self) -> Version {
        let mut parts = self.0.clone();
        if let Some(last) = parts.last_mut() {
            *last = last.saturating_add(1);
        }
        Version(parts)
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Version {}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        let len = self.0.len().max(other.0.len());
        (0..len).map(|i| self.component(i).cmp(&other.component(i))).find(|o| o.is_ne()).unwrap_or(Ordering::Equal)
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.0.iter().map(u64::to_string).collect();
        f.write_str(&parts.join("."))
    }
}

/// Why a version or requirement did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct VersionError(String);

impl FromStr for Version {
    type Err = VersionError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        if text.is_empty() {
            return Err(VersionError("a version cannot be empty".into()));
        }
        text.split('.')
            .map(|part| {
                part.parse::<u64>().map_err(|_| {
                    VersionError(format!(
                        "`{text}` is not a numeric version (expected numbers separated by dots, like 2.7.1)"
                    ))
                })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Version)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Bound {
    Unbounded,
    Included(Version),
    Excluded(Version),
}

/// A version requirement, e.g. `>=2.7, <3` or `2.7.*`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VersionReq {
    text: String,
    lower: Bound,
    upper: Bound,
}

impl VersionReq {
    /// Whether `version` meets the requirement.
    pub fn matches(&self, version: &Version) -> bool {
        let above = match &self.lower {
            Bound::Unbounded => true,
            Bound::Included(low) => version >= low,
            Bound::Excluded(low) => version > low,
        };
        let below = match &self.upper {
            Bound::Unbounded => true,
            Bound::Included(high) => version <= high,
            Bound::Excluded(high) => version < high,
        };
        above && below
    }

    /// Whether some version meets both requirements.
    pub fn overlaps(&self, other: &VersionReq) -> bool {
        let lower = tighter_lower(&self.lower, &other.lower);
        let upper = tighter_upper(&self.upper, &other.upper);
        !is_empty(lower, upper)
    }

    fn any() -> Self {
        Self { text: "*".into(), lower: Bound::Unbounded, upper: Bound::Unbounded }
    }

    fn constrain(&mut self, lower: Bound, upper: Bound) {
        self.lower = tighter_lower(&self.lower, &lower).clone();
        self.upper = tighter_upper(&self.upper, &upper).clone();
    }
}

impl fmt::Display for VersionReq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

fn tighter_lower<'a>(a: &'a Bound, b: &'a Bound) -> &'a Bound {
    match (a, b) {
        (Bound::Unbounded, other) | (other, Bound::Unbounded) => other,
        (Bound::Included(x) | Bound::Excluded(x), Bound::Included(y) | Bound::Excluded(y)) => match x.cmp(y) {
            Ordering::Greater => a,
            Ordering::Less => b,
            Ordering::Equal if matches!(a, Bound::Excluded(_)) => a,
            Ordering::Equal => b,
        },
    }
}

fn tighter_upper<'a>(a: &'a Bound, b: &'a Bound) -> &'a Bound {
    match (a, b) {
        (Bound::Unbounded, other) | (other, Bound::Unbounded) => other,
        (Bound::Included(x) | Bound::Excluded(x), Bound::Included(y) | Bound::Excluded(y)) => match x.cmp(y) {
            Ordering::Less => a,
            Ordering::Greater => b,
            Ordering::Equal if matches!(a, Bound::Excluded(_)) => a,
            Ordering::Equal => b,
        },
    }
}

fn is_empty(lower: &Bound, upper: &Bound) -> bool {
    match (lower, upper) {
        (Bound::Unbounded, _) | (_, Bound::Unbounded) => false,
        (Bound::Included(low), Bound::Included(high)) => low > high,
        (Bound::Included(low) | Bound::Excluded(low), Bound::Included(high) | Bound::Excluded(high)) => low >= high,
    }
}

impl FromStr for VersionReq {
    type Err = VersionError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let mut req = VersionReq::any();
        req.text = text.trim().to_owned();
        if req.text.is_empty() {
            return Err(VersionError(
                "a version requirement cannot be empty (leave `versions` out to match every version)".into(),
            ));
        }
        for comparator in text.split(',').map(str::trim) {
            let (lower, upper) = parse_comparator(comparator)?;
            req.constrain(lower, upper);
        }
        if is_empty(&req.lower, &req.upper) {
            return Err(VersionError(format!("`{}` matches no version", req.text)));
        }
        Ok(req)
    }
}

fn parse_comparator(comparator: &str) -> Result<(Bound, Bound), VersionError> {
    if comparator == "*" {
        return Ok((Bound::Unbounded, Bound::Unbounded));
    }
    let operators = [">=", "<=", "==", ">", "<", "="];
    let (operator, rest) = operators
        .iter()
        .find_map(|op| comparator.strip_prefix(op).map(|rest| (*op, rest.trim())))
        .unwrap_or(("=", comparator));
    if let Some(prefix) = rest.strip_suffix(".*").or_else(|| rest.strip_suffix(".x")) {
        if operator != "=" && operator != "==" {
            return Err(VersionError(format!("`{comparator}`: a wildcard goes only with `=` (write `{prefix}.*`)")));
        }
        let prefix: Version = prefix.parse()?;
        let upper = prefix.next_prefix();
        return Ok((Bound::Included(prefix), Bound::Excluded(upper)));
    }
    if comparator.is_empty() {
        return Err(VersionError("empty comparator (two commas in a row?)".into()));
    }
    let version: Version = rest.parse()?;
    Ok(match operator {
        ">=" => (Bound::Included(version), Bound::Unbounded),
        ">" => (Bound::Excluded(version), Bound::Unbounded),
        "<=" => (Bound::Unbounded, Bound::Included(version)),
        "<" => (Bound::Unbounded, Bound::Excluded(version)),
        _ => (Bound::Included(version.clone()), Bound::Included(version)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> Version {
        text.parse().expect("valid version")
    }

    fn req(text: &str) -> VersionReq {
        text.parse().expect("valid requirement")
    }

    #[test]
    fn versions_compare_as_numbers_not_strings() {
        assert!(v("1.10") > v("1.6"));
        assert!(v("2.7") == v("2.7.0"));
        assert!(v("10.0") > v("9.9.9"));
        assert!("1.x".parse::<Version>().is_err());
        assert!("".parse::<Version>().is_err());
    }

    #[test]
    fn requirements_match_intervals() {
        assert!(req(">=1.6").matches(&v("1.10")));
        assert!(!req("<1.6").matches(&v("1.10")));
        assert!(req(">=2.7, <3").matches(&v("2.8.1")));
        assert!(!req(">=2.7, <3").matches(&v("3.0")));
        assert!(req("2.7.*").matches(&v("2.7.9")));
        assert!(!req("2.7.*").matches(&v("2.8")));
        assert!(req("2.7").matches(&v("2.7.0")));
        assert!(req("*").matches(&v("0.1")));
    }

    #[test]
    fn overlap_is_exact_at_the_edges() {
        assert!(!req("<2").overlaps(&req(">=2")));
        assert!(req("<=2").overlaps(&req(">=2")));
        assert!(!req("2.7.*").overlaps(&req("2.8.*")));
        assert!(req(">=2.7").overlaps(&req("3.1")));
        assert!(!req(">3").overlaps(&req("<=3")));
    }

    #[test]
    fn bad_requirements_say_why() {
        let err = "=>2".parse::<VersionReq>().expect_err("bad operator");
        assert!(err.to_string().contains("not a numeric version"), "{err}");
        let err = ">3, <2".parse::<VersionReq>().expect_err("empty");
        assert!(err.to_string().contains("matches no version"), "{err}");
        assert!(">=2.*".parse::<VersionReq>().is_err());
        assert!(">=2,,<3".parse::<VersionReq>().is_err());
    }
}
