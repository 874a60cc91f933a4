//! # edp-host
//!
//! The edp host: it reads plugins.toml, loads engine plugins (shared libraries) through the
//! stable ABI of `edp-plugin-api`, maps cluster types to engines, and calls the engines' verbs
//! with timeouts, off the async runtime. See ARCHITECTURE.md for the map.

pub mod api;
pub mod config;
pub mod context;
pub mod engine;
pub mod lock;
pub mod manager;
pub mod metrics;
pub mod plugins;
pub mod routing;
pub mod store;
pub mod version;
