//! The Oozie engine (being written).
