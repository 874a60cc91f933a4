//! # edp-process-supervisor: jobs as supervised local processes
//!
//! The process machinery the engines that start jobs on the host machine share (the `local`
//! engine, and the `spark` engine's spark-submit and Shell jobs). Each job execution has a work
//! directory (`<engine work dir>/<job execution id>/`, [`workdir`]) holding its binaries, its
//! `stdout` and `stderr`, and small state files; status and cancel work from those files and
//! `/proc` alone, so they keep working after a host restart.
//!
//! - [`launch`]: a job runs under a fixed `/bin/sh` supervisor script that records its pid and
//!   the job's exit code; the job's program and arguments are positional parameters, never
//!   shell text. The supervisor leads a new process group (the job's).
//! - [`engine_id`]: a launched job is `<pid>@<start time>`, so a reused pid is never taken for
//!   the job ([`process`] reads `/proc` and signals process groups).
//! - [`status`]: liveness and the exit code give the job's status.
//! - [`cancel`]: a first signal (SIGTERM, or SIGINT for Spark) to the group, SIGKILL after a
//!   grace period, until no process of the job is left.
//! - [`background`]: the threads this machinery starts (a waiter per job, a grace-period
//!   watcher per cancel), with the engine's log scope entered.

pub mod background;
pub mod cancel;
pub mod engine_id;
pub mod launch;
pub mod process;
pub mod program;
pub mod status;
pub mod workdir;
