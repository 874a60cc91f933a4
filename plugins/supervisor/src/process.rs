//! Processes as `/proc` shows them, and signals to process groups.
//!
//! A job is identified by its supervisor's pid *and* start time (field 22 of
//! `/proc/<pid>/stat`), so a pid the kernel reused for another process is never mistaken for
//! the job. Signals go to the job's process group (the supervisor is its leader), which also
//! reaches the children a job starts.

use std::io;

use rustix::io::Errno;
use rustix::process::{Pid, Signal};

use crate::engine_id::EngineJobId;

/// The fields of `/proc/<pid>/stat` this engine uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProcStat {
    /// Field 3: `R`, `S`, `D`, `Z` (zombie), `X` (dead), ...
    pub state: char,
    /// Field 5: the process group id.
    pub pgrp: i32,
    /// Field 22: the start time, in clock ticks since boot.
    pub start_time: u64,
}

impl ProcStat {
    /// Whether the process still runs: it exists and is neither a zombie nor dead.
    pub fn is_live(self) -> bool {
        !matches!(self.state, 'Z' | 'X' | 'x')
    }
}

/// Parses the text of `/proc/<pid>/stat`. The command name (field 2) is in parentheses and
/// may itself contain spaces and parentheses, so fields are counted after the *last* `)`.
pub fn parse_stat(text: &str) -> Option<ProcStat> {
    let after_comm = &text[text.rfind(')')? + 1..];
    let fields: Vec<&str> = after_comm.split_whitespace().collect();
    // `fields[0]` is field 3, so field N is `fields[N - 3]`.
    let field = |n: usize| fields.get(n - 3).copied();
    let mut state_chars = field(3)?.chars();
    let state = state_chars.next()?;
    if state_chars.next().is_some() {
        return None;
    }
    Some(ProcStat { state, pgrp: field(5)?.parse().ok()?, start_time: field(22)?.parse().ok()? })
}

/// `/proc/<pid>/stat` of `pid`, or `None` when there is no such process.
pub fn read_stat(pid: i32) -> io::Result<Option<ProcStat>> {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(text) => parse_stat(&text)
            .map(Some)
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, format!("cannot parse /proc/{pid}/stat"))),
        Err(err) if is_gone(&err) => Ok(None),
        Err(err) => Err(err),
    }
}

/// A process that vanishes while its stat file is read makes the read fail with `ESRCH`.
fn is_gone(err: &io::Error) -> bool {
    err.kind() == io::ErrorKind::NotFound || err.raw_os_error() == Some(Errno::SRCH.raw_os_error())
}

/// The start time of `pid` (field 22 of its stat file).
pub fn start_time(pid: i32) -> io::Result<u64> {
    read_stat(pid)?
        .map(|stat| stat.start_time)
        .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, format!("no process {pid}")))
}

/// Whether the job's supervisor still runs: the pid exists with the same start time and is
/// not a zombie.
pub fn is_alive(id: EngineJobId) -> bool {
    matches!(read_stat(id.pid), Ok(Some(stat)) if stat.start_time == id.start_time && stat.is_live())
}

/// A process group id that is safe to signal: `kill(-1)` would signal every process.
fn group_pid(pgid: i32) -> Option<Pid> {
    if pgid > 1 { Pid::from_raw(pgid) } else { None }
}

/// Sends `signal` to every process of group `pgid`; a group that is already gone is fine.
pub fn signal_group(pgid: i32, signal: Signal) -> io::Result<()> {
    let Some(pid) = group_pid(pgid) else {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, format!("refusing to signal process group {pgid}")));
    };
    match rustix::process::kill_process_group(pid, signal) {
        Ok(()) => Ok(()),
        Err(err) if err == Errno::SRCH => Ok(()),
        Err(err) => Err(err.into()),
    }
}

/// Whether group `pgid` still has a live (non-zombie) member. Zombies do not count: they run
/// nothing, and an orphaned one waits for init, not for this engine.
pub fn group_alive(pgid: i32) -> bool {
    let Some(pid) = group_pid(pgid) else {
        return false;
    };
    match rustix::process::test_kill_process_group(pid) {
        Err(err) if err == Errno::SRCH => false,
        // The group exists (or cannot be signalled): look at its members.
        _ => group_has_live_member(pgid),
    }
}

/// Scans `/proc` for a live member of group `pgid`. When `/proc` cannot be listed, assumes
/// there is one (the safe answer for "is the job gone?").
fn group_has_live_member(pgid: i32) -> bool {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return true;
    };
    entries
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse::<i32>().ok())
        .any(|pid| matches!(read_stat(pid), Ok(Some(stat)) if stat.pgrp == pgid && stat.is_live()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stat_line(comm: &str, state: char, pgrp: i32, start: u64) -> String {
        // Fields 3..=22, then a few more, as the kernel prints them.
        format!(
            "4242 ({comm}) {state} 1 {pgrp} {pgrp} 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 {start} \
             1000 200 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0"
        )
    }

    #[test]
    fn parses_state_group_and_start_time() {
        let stat = parse_stat(&stat_line("sleep", 'S', 77, 123456)).expect("parses");
        assert_eq!(stat, ProcStat { state: 'S', pgrp: 77, start_time: 123456 });
        assert!(stat.is_live());
    }

    #[test]
    fn command_names_with_spaces_and_parentheses_do_not_shift_fields() {
        let stat = parse_stat(&stat_line("a) b (c) Z 9 9", 'R', 12, 99)).expect("parses");
        assert_eq!(stat, ProcStat { state: 'R', pgrp: 12, start_time: 99 });
    }

    #[test]
    fn zombies_and_dead_processes_are_not_live() {
        for state in ['Z', 'X'] {
            let stat = parse_stat(&stat_line("sh", state, 5, 1)).expect("parses");
            assert!(!stat.is_live(), "{state} is not live");
        }
    }

    #[test]
    fn truncated_or_garbled_stat_is_rejected() {
        assert_eq!(parse_stat("4242 (sleep) S 1 2"), None);
        assert_eq!(parse_stat("no parentheses at all"), None);
        assert_eq!(parse_stat(&stat_line("x", 'S', 1, 5).replace(" 5 1000", " five 1000")), None);
    }

    #[test]
    fn reads_this_process_and_tells_reused_pids_apart() {
        let me = i32::try_from(std::process::id()).expect("pid fits in i32");
        let stat = read_stat(me).expect("readable").expect("this process exists");
        assert!(stat.is_live());
        assert_eq!(start_time(me).expect("start time"), stat.start_time);
        assert!(is_alive(EngineJobId { pid: me, start_time: stat.start_time }));
        assert!(!is_alive(EngineJobId { pid: me, start_time: stat.start_time + 1 }));
    }

    #[test]
    fn refuses_to_signal_group_one_and_below() {
        for pgid in [-1, 0, 1] {
            assert!(signal_group(pgid, Signal::TERM).is_err());
            assert!(!group_alive(pgid));
        }
    }
}
