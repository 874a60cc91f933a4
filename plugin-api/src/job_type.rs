//! Sahara's nine job types, with `Type.Subtype` matching.
//!
//! Job types cross the plugin boundary as text (`"MapReduce.Streaming"`), so an engine built
//! against a later API may declare a type this host does not know; the host then ignores it.

use std::fmt;
use std::str::FromStr;

/// A Sahara job type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum JobType {
    /// `Hive`
    Hive,
    /// `Java`
    Java,
    /// `MapReduce`
    MapReduce,
    /// `MapReduce.Streaming`
    MapReduceStreaming,
    /// `Pig`
    Pig,
    /// `Shell`
    Shell,
    /// `Spark`
    Spark,
    /// `Storm`
    Storm,
    /// `Storm.Pyleus`
    StormPyleus,
}

impl JobType {
    /// All nine types, in Sahara's order.
    pub const ALL: [Self; 9] = [
        Self::Hive,
        Self::Java,
        Self::MapReduce,
        Self::MapReduceStreaming,
        Self::Pig,
        Self::Shell,
        Self::Spark,
        Self::Storm,
        Self::StormPyleus,
    ];

    /// Sahara's spelling, e.g. `MapReduce.Streaming`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Hive => "Hive",
            Self::Java => "Java",
            Self::MapReduce => "MapReduce",
            Self::MapReduceStreaming => "MapReduce.Streaming",
            Self::Pig => "Pig",
            Self::Shell => "Shell",
            Self::Spark => "Spark",
            Self::Storm => "Storm",
            Self::StormPyleus => "Storm.Pyleus",
        }
    }

    /// The part before the `.`: `MapReduce` for `MapReduce.Streaming`.
    pub fn base(self) -> &'static str {
        let text = self.as_str();
        text.split_once('.').map_or(text, |(base, _)| base)
    }

    /// The part after the `.`, if any.
    pub fn subtype(self) -> Option<&'static str> {
        self.as_str().split_once('.').map(|(_, sub)| sub)
    }

    /// Whether `self`, used as a pattern, covers the job type `job`: a type without a subtype
    /// covers all of its subtypes (`MapReduce` covers `MapReduce.Streaming`), a type with one
    /// covers only itself. This is Sahara's non-strict `compare_job_type`.
    pub fn covers(self, job: JobType) -> bool {
        self == job || (self.subtype().is_none() && self.base() == job.base())
    }
}

impl fmt::Display for JobType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error of parsing a job type name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownJobType(pub String);

impl fmt::Display for UnknownJobType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let known: Vec<_> = JobType::ALL.iter().map(|t| t.as_str()).collect();
        write!(f, "unknown job type `{}` (known: {})", self.0, known.join(", "))
    }
}

impl std::error::Error for UnknownJobType {}

impl FromStr for JobType {
    type Err = UnknownJobType;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::ALL.into_iter().find(|t| t.as_str() == text).ok_or_else(|| UnknownJobType(text.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_all_nine_and_rejects_others() {
        for t in JobType::ALL {
            assert_eq!(t.as_str().parse::<JobType>(), Ok(t));
        }
        assert!("mapreduce".parse::<JobType>().is_err());
        assert!("MapReduce.".parse::<JobType>().is_err());
    }

    #[test]
    fn base_type_covers_its_subtypes_only() {
        assert!(JobType::MapReduce.covers(JobType::MapReduceStreaming));
        assert!(JobType::MapReduce.covers(JobType::MapReduce));
        assert!(!JobType::MapReduceStreaming.covers(JobType::MapReduce));
        assert!(JobType::Storm.covers(JobType::StormPyleus));
        assert!(!JobType::Spark.covers(JobType::Shell));
        assert_eq!(JobType::MapReduceStreaming.base(), "MapReduce");
        assert_eq!(JobType::MapReduceStreaming.subtype(), Some("Streaming"));
    }
}
