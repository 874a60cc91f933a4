//! The server's peak resident memory: `VmHWM` from `/proc/<pid>/status`.

/// The peak resident set of process `pid` in KiB, if it is still running.
pub(crate) fn peak_resident_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    parse_vm_hwm(&status)
}

fn parse_vm_hwm(status: &str) -> Option<u64> {
    let line = status.lines().find_map(|line| line.strip_prefix("VmHWM:"))?;
    line.split_whitespace().next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_vm_hwm_in_kib() {
        let status = "Name:\tedp-host\nVmPeak:\t  912 kB\nVmHWM:\t   51012 kB\nVmRSS:\t  40000 kB\n";
        assert_eq!(super::parse_vm_hwm(status), Some(51_012));
        assert_eq!(super::parse_vm_hwm("Name:\tx\n"), None);
    }
}
