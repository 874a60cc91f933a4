//! The engine job id, in either launch mode, carrying what status and cancel need after a host
//! restart:
//!
//! - spark-submit and Shell jobs: `<pid>@<start time>` of the job's supervisor;
//! - REST submissions: `<submission id>@<REST server URL>`, e.g.
//!   `driver-20261128181014-0000@http://master:6066`.

use std::fmt;
use std::str::FromStr;

use edp_process_supervisor::engine_id::EngineJobId;

/// A launched job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SparkJobId {
    /// A process under the local supervisor.
    Process(EngineJobId),
    /// A driver submitted to a standalone master's REST server.
    Driver {
        /// The master's submission id (`driver-...`).
        submission_id: String,
        /// The REST server's base URL.
        rest_url: String,
    },
}

/// Whether `id` is safe to put in a URL path: ASCII letters, digits, `-`, `_` and `.`.
pub(crate) fn is_submission_id(id: &str) -> bool {
    !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

impl fmt::Display for SparkJobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Process(id) => write!(f, "{id}"),
            Self::Driver { submission_id, rest_url } => write!(f, "{submission_id}@{rest_url}"),
        }
    }
}

impl FromStr for SparkJobId {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        let invalid =
            || format!("`{text}` is not a spark engine job id (<pid>@<start time> or <submission id>@<REST URL>)");
        let (left, right) = text.split_once('@').ok_or_else(invalid)?;
        if right.starts_with("http://") || right.starts_with("https://") {
            if !is_submission_id(left) {
                return Err(invalid());
            }
            return Ok(Self::Driver { submission_id: left.to_owned(), rest_url: right.to_owned() });
        }
        text.parse().map(Self::Process).map_err(|_| invalid())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_kinds_round_trip_through_text() {
        let process = SparkJobId::Process(EngineJobId { pid: 4242, start_time: 99 });
        assert_eq!(process.to_string(), "4242@99");
        assert_eq!("4242@99".parse(), Ok(process));
        let driver = SparkJobId::Driver {
            submission_id: "driver-20261128181014-0000".into(),
            rest_url: "http://127.0.0.1:6066".into(),
        };
        assert_eq!(driver.to_string(), "driver-20261128181014-0000@http://127.0.0.1:6066");
        assert_eq!("driver-20261128181014-0000@http://127.0.0.1:6066".parse(), Ok(driver));
    }

    #[test]
    fn rejects_what_is_not_ours() {
        for text in ["", "4242", "1@5", "x@5", "driver/../x@http://m:6066", "@http://m:6066", "d@ftp://m"] {
            assert!(text.parse::<SparkJobId>().is_err(), "{text:?} must be rejected");
        }
    }
}
