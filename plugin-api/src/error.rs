//! The error every engine verb and host service can return.

use std::fmt;

use abi_stable::StableAbi;
use abi_stable::std_types::RString;

/// What kind of failure an [`EngineError`] reports. An integer code, so later API versions can
/// add kinds without breaking the layout; unknown kinds print as `unknown(N)`.
#[repr(transparent)]
#[derive(StableAbi, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ErrorKind(u8);

impl ErrorKind {
    /// The engine configuration from plugins.toml is not acceptable.
    pub const INVALID_CONFIG: Self = Self(1);
    /// The job execution cannot run as asked (missing main class, bad args, ...).
    pub const INVALID_JOB: Self = Self(2);
    /// The engine does not implement this verb or job type.
    pub const NOT_SUPPORTED: Self = Self(3);
    /// A record or an engine job does not exist.
    pub const NOT_FOUND: Self = Self(4);
    /// The execution system could not be reached or refused for now; the call may be retried.
    pub const UNAVAILABLE: Self = Self(5);
    /// The engine panicked; the SDK caught the panic at the boundary.
    pub const PANICKED: Self = Self(6);
    /// Any other failure inside the engine.
    pub const INTERNAL: Self = Self(7);

    /// The integer code that crosses the boundary.
    pub const fn code(self) -> u8 {
        self.0
    }

    /// A short lowercase name, e.g. `invalid_config`.
    pub fn name(self) -> Option<&'static str> {
        Some(match self {
            Self::INVALID_CONFIG => "invalid_config",
            Self::INVALID_JOB => "invalid_job",
            Self::NOT_SUPPORTED => "not_supported",
            Self::NOT_FOUND => "not_found",
            Self::UNAVAILABLE => "unavailable",
            Self::PANICKED => "panicked",
            Self::INTERNAL => "internal",
            _ => return None,
        })
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => f.write_str(name),
            None => write!(f, "unknown({})", self.0),
        }
    }
}

impl fmt::Debug for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// An error from an engine (or from a host service an engine called).
#[repr(C)]
#[derive(StableAbi, Clone, Debug, PartialEq, Eq)]
pub struct EngineError {
    /// What went wrong, broadly.
    pub kind: ErrorKind,
    /// What went wrong, for a person: lowercase, no trailing period.
    pub message: RString,
}

impl EngineError {
    /// An error of `kind` with `message`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self { kind, message: RString::from(message.into()) }
    }

    /// [`ErrorKind::INVALID_CONFIG`].
    pub fn invalid_config(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::INVALID_CONFIG, message)
    }

    /// [`ErrorKind::INVALID_JOB`].
    pub fn invalid_job(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::INVALID_JOB, message)
    }

    /// [`ErrorKind::NOT_SUPPORTED`], naming the verb or feature.
    pub fn not_supported(what: impl fmt::Display) -> Self {
        Self::new(ErrorKind::NOT_SUPPORTED, format!("{what} is not supported by this engine"))
    }

    /// [`ErrorKind::NOT_FOUND`].
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::NOT_FOUND, message)
    }

    /// [`ErrorKind::UNAVAILABLE`].
    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::UNAVAILABLE, message)
    }

    /// [`ErrorKind::INTERNAL`].
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::INTERNAL, message)
    }
}

impl fmt::Display for EngineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind, self.message)
    }
}

impl std::error::Error for EngineError {}
