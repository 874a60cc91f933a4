//! End-to-end tests: real engine libraries built with cargo, loaded by the host at run time,
//! and the real `edp-host` binary.

mod api;
mod cli;
mod faults;
mod host_process;
mod local_engine;
mod logging;
mod manager;
mod records;
mod reliability;
mod routing;
mod support;
mod third_party;
