//! The engine job id: `<pid>@<start time>` of the job's supervisor process.

use std::fmt;
use std::str::FromStr;

/// Identifies a launched job: its supervisor's pid (also its process group id) and that
/// process's start time, so that a reused pid is never taken for the job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EngineJobId {
    /// The supervisor's pid, which is also the job's process group id. Always above 1.
    pub pid: i32,
    /// Field 22 of `/proc/<pid>/stat` when the job was launched; 0 when unknown.
    pub start_time: u64,
}

impl fmt::Display for EngineJobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.pid, self.start_time)
    }
}

impl FromStr for EngineJobId {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let invalid = || format!("`{text}` is not a supervised job id (<pid>@<start time>)");
        let (pid, start_time) = text.trim().split_once('@').ok_or_else(invalid)?;
        let pid: i32 = pid.parse().map_err(|_| invalid())?;
        let start_time = start_time.parse().map_err(|_| invalid())?;
        // Never 0 or 1: the pid is used as a process group to signal, and kill(-1) is "all".
        if pid <= 1 {
            return Err(invalid());
        }
        Ok(Self { pid, start_time })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_text() {
        let id = EngineJobId { pid: 4242, start_time: 987654 };
        assert_eq!(id.to_string(), "4242@987654");
        assert_eq!("4242@987654".parse(), Ok(id));
        assert_eq!(" 4242@987654\n".parse(), Ok(id));
    }

    #[test]
    fn rejects_ids_that_are_not_ours_or_unsafe_to_signal() {
        for text in ["", "4242", "@5", "abc@5", "12@", "12@-3", "1@5", "0@5", "-7@5", "12@5@6"] {
            assert!(text.parse::<EngineJobId>().is_err(), "{text:?} must be rejected");
        }
    }
}
