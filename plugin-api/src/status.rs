//! Job execution statuses: Sahara's full set, typed, with the terminal and suspendible sets.
//!
//! A status crosses the plugin boundary as a one-byte code, not as a Rust enum: an enum could
//! never gain a value without breaking the ABI layout check, a code can. Codes a host or plugin
//! does not know are carried as they are and reported by [`JobStatus::name`] as `None`.

use std::fmt;
use std::str::FromStr;

use abi_stable::StableAbi;

/// The status of a job execution, as Sahara spells it.
#[repr(transparent)]
#[derive(StableAbi, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct JobStatus(u8);

impl JobStatus {
    /// Accepted by the host, not launched yet.
    pub const PENDING: Self = Self(1);
    /// Submitted to the execution system, not started yet (Oozie between submit and start).
    pub const READYTORUN: Self = Self(2);
    /// Prepared but not running (an Oozie workflow or coordinator not started).
    pub const PREP: Self = Self(3);
    /// Running.
    pub const RUNNING: Self = Self(4);
    /// Finished successfully. Terminal.
    pub const SUCCEEDED: Self = Self(5);
    /// Failed. Terminal.
    pub const FAILED: Self = Self(6);
    /// Killed on request. Terminal.
    pub const KILLED: Self = Self(7);
    /// Finished, but with an error (Sahara's Spark engine for a non-zero exit). Terminal.
    pub const DONEWITHERROR: Self = Self(8);
    /// A cancel was requested; the engine has not confirmed it yet.
    pub const TOBEKILLED: Self = Self(9);
    /// A suspend was requested; the engine has not confirmed it yet.
    pub const TOBESUSPENDED: Self = Self(10);
    /// Suspended.
    pub const SUSPENDED: Self = Self(11);
    /// Suspended before it started running.
    pub const PREPSUSPENDED: Self = Self(12);
    /// A suspend failed. Terminal (as in Sahara).
    pub const SUSPENDFAILED: Self = Self(13);

    /// Every status this version of the API knows, in code order.
    pub const ALL: [Self; 13] = [
        Self::PENDING,
        Self::READYTORUN,
        Self::PREP,
        Self::RUNNING,
        Self::SUCCEEDED,
        Self::FAILED,
        Self::KILLED,
        Self::DONEWITHERROR,
        Self::TOBEKILLED,
        Self::TOBESUSPENDED,
        Self::SUSPENDED,
        Self::PREPSUSPENDED,
        Self::SUSPENDFAILED,
    ];

    /// The statuses that never change again.
    pub const TERMINAL: [Self; 5] =
        [Self::DONEWITHERROR, Self::FAILED, Self::KILLED, Self::SUCCEEDED, Self::SUSPENDFAILED];

    /// The statuses from which a job can be suspended.
    pub const SUSPENDIBLE: [Self; 2] = [Self::PREP, Self::RUNNING];

    /// The one-byte code that crosses the plugin boundary.
    pub const fn code(self) -> u8 {
        self.0
    }

    /// The status with this code, known to this API version or not. A plugin built against a
    /// later API may send codes this host does not know; the host rejects them as invalid.
    pub const fn from_raw(code: u8) -> Self {
        Self(code)
    }

    /// The status with this code, if this version of the API knows it.
    pub fn from_code(code: u8) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.0 == code)
    }

    /// Sahara's name for the status, or `None` for a code this API version does not know.
    pub fn name(self) -> Option<&'static str> {
        let name = match self {
            Self::PENDING => "PENDING",
            Self::READYTORUN => "READYTORUN",
            Self::PREP => "PREP",
            Self::RUNNING => "RUNNING",
            Self::SUCCEEDED => "SUCCEEDED",
            Self::FAILED => "FAILED",
            Self::KILLED => "KILLED",
            Self::DONEWITHERROR => "DONEWITHERROR",
            Self::TOBEKILLED => "TOBEKILLED",
            Self::TOBESUSPENDED => "TOBESUSPENDED",
            Self::SUSPENDED => "SUSPENDED",
            Self::PREPSUSPENDED => "PREPSUSPENDED",
            Self::SUSPENDFAILED => "SUSPENDFAILED",
            _ => return None,
        };
        Some(name)
    }

    /// Whether this API version knows the code.
    pub fn is_known(self) -> bool {
        self.name().is_some()
    }

    /// Whether the status is final: a job in it never changes status again.
    pub fn is_terminal(self) -> bool {
        Self::TERMINAL.contains(&self)
    }

    /// Whether a job in this status may be suspended.
    pub fn is_suspendible(self) -> bool {
        Self::SUSPENDIBLE.contains(&self)
    }
}

impl fmt::Display for JobStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => f.write_str(name),
            None => write!(f, "UNKNOWN({})", self.0),
        }
    }
}

impl fmt::Debug for JobStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// The error of parsing a status name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownStatus(pub String);

impl fmt::Display for UnknownStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown job status `{}`", self.0)
    }
}

impl std::error::Error for UnknownStatus {}

impl FromStr for JobStatus {
    type Err = UnknownStatus;

    /// Parses Sahara's status names. Case matters, as in Sahara since bug 1329526.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::ALL.into_iter().find(|status| status.name() == Some(text)).ok_or_else(|| UnknownStatus(text.to_owned()))
    }
}

impl serde::Serialize for JobStatus {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for JobStatus {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_for_every_status() {
        for status in JobStatus::ALL {
            let name = status.name().expect("known status has a name");
            assert_eq!(name.parse::<JobStatus>(), Ok(status));
            assert_eq!(JobStatus::from_code(status.code()), Some(status));
        }
    }

    #[test]
    fn terminal_and_suspendible_sets_match_sahara() {
        let terminal: Vec<_> = JobStatus::ALL.into_iter().filter(|s| s.is_terminal()).collect();
        assert_eq!(
            terminal,
            [
                JobStatus::SUCCEEDED,
                JobStatus::FAILED,
                JobStatus::KILLED,
                JobStatus::DONEWITHERROR,
                JobStatus::SUSPENDFAILED
            ]
        );
        assert!(JobStatus::RUNNING.is_suspendible());
        assert!(JobStatus::PREP.is_suspendible());
        assert!(!JobStatus::PENDING.is_suspendible());
        assert!(!JobStatus::TOBEKILLED.is_terminal());
    }

    #[test]
    fn unknown_codes_are_carried_not_lost() {
        let future = JobStatus(200);
        assert!(!future.is_known());
        assert!(!future.is_terminal());
        assert_eq!(future.to_string(), "UNKNOWN(200)");
        assert_eq!(JobStatus::from_code(200), None);
        assert!("Pending".parse::<JobStatus>().is_err());
    }
}
