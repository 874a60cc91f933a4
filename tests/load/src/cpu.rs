//! CPU time used during a phase by the client (this process) and by the server, from
//! `/proc/<pid>/stat`, as a share of one core: on a shared machine this tells whether the
//! client or the server was the bottleneck.

use std::time::{Duration, Instant};

/// User plus system time of process `pid` (`"self"` for this one).
fn cpu_time(pid: &str) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which may hold spaces) start at field 3; utime and stime
    // are fields 14 and 15, in clock ticks.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    let per_second = rustix::param::clock_ticks_per_second().max(1);
    Some(Duration::from_nanos(ticks.saturating_mul(1_000_000_000) / per_second))
}

/// CPU use over a phase, in cores (1.0: one core busy the whole time).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct CpuShare {
    /// This process.
    pub(crate) client: Option<f64>,
    /// The server (`None` when it was restarted during the phase).
    pub(crate) server: Option<f64>,
}

/// CPU times at the start of a phase.
#[derive(Debug)]
pub(crate) struct CpuMeter {
    started: Instant,
    client: Option<Duration>,
    server: Option<(u32, Duration)>,
}

impl CpuMeter {
    /// Starts measuring this process and the server `server_pid`.
    pub(crate) fn start(server_pid: Option<u32>) -> CpuMeter {
        let server = server_pid.and_then(|pid| Some((pid, cpu_time(&pid.to_string())?)));
        CpuMeter { started: Instant::now(), client: cpu_time("self"), server }
    }

    /// The shares since the start; the server's only if it is still process `server_pid`.
    pub(crate) fn share(&self, server_pid: Option<u32>) -> CpuShare {
        let wall = self.started.elapsed().as_secs_f64().max(f64::EPSILON);
        let client =
            self.client.zip(cpu_time("self")).map(|(before, after)| after.saturating_sub(before).as_secs_f64() / wall);
        let server = self.server.and_then(|(pid, before)| {
            let after = cpu_time(&pid.to_string()).filter(|_| server_pid == Some(pid))?;
            Some(after.saturating_sub(before).as_secs_f64() / wall)
        });
        CpuShare { client, server }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_this_process_cpu_time() {
        let meter = super::CpuMeter::start(Some(std::process::id()));
        let mut x = 0_u64;
        for i in 0..5_000_000_u64 {
            x = x.wrapping_mul(31).wrapping_add(i);
        }
        assert!(x != 1);
        let share = meter.share(Some(std::process::id()));
        assert!(share.client.is_some_and(|cores| cores >= 0.0));
        assert!(share.server.is_some());
    }
}
