//! The figures of one phase: throughput, latency percentiles in milliseconds, failures, the
//! fixed-rate schedule where there is one, and the server's peak memory after it.

use std::time::Duration;

use crate::cpu::CpuShare;
use crate::tally::Tally;
use crate::{closed_loop, open_loop};

/// Latency percentiles in milliseconds.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Latencies {
    /// Median.
    pub(crate) p50: f64,
    /// 90th percentile.
    pub(crate) p90: f64,
    /// 99th percentile.
    pub(crate) p99: f64,
    /// 99.9th percentile.
    pub(crate) p999: f64,
    /// Slowest answer.
    pub(crate) max: f64,
}

/// How a fixed-rate phase kept its schedule.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Pacing {
    /// Requests per second asked for.
    pub(crate) target_rate: f64,
    /// Requests per second sent over the schedule's length.
    pub(crate) achieved_rate: f64,
    /// Sends in the schedule.
    pub(crate) scheduled: u64,
    /// Sends made.
    pub(crate) sent: u64,
    /// Sends made late because every connection was busy.
    pub(crate) late: u64,
}

/// One row of the report.
#[derive(Debug, Clone)]
pub(crate) struct PhaseFigures {
    /// What the phase sent, e.g. `launch (POST /v2/jobs)`.
    pub(crate) name: String,
    /// Answered requests.
    pub(crate) requests: u64,
    /// How long the phase took.
    pub(crate) elapsed: Duration,
    /// Latency percentiles.
    pub(crate) latency: Latencies,
    /// Answers by status code.
    pub(crate) statuses: Vec<(u16, u64)>,
    /// Answers outside 2xx.
    pub(crate) non_2xx: u64,
    /// Requests without an answer.
    pub(crate) transport_errors: u64,
    /// Failed connection attempts.
    pub(crate) connect_errors: u64,
    /// The schedule of a fixed-rate phase.
    pub(crate) pacing: Option<Pacing>,
    /// The server's peak resident memory after the phase, in KiB.
    pub(crate) peak_resident_kib: Option<u64>,
    /// CPU used by the client and the server during the phase.
    pub(crate) cpu: CpuShare,
}

impl PhaseFigures {
    /// The figures of a closed-loop phase.
    pub(crate) fn closed<S>(name: &str, outcome: &closed_loop::Outcome<S>) -> PhaseFigures {
        PhaseFigures::from_tally(name, &outcome.tally, outcome.elapsed)
    }

    /// The figures of a fixed-rate phase.
    pub(crate) fn paced<S>(name: &str, rate: u64, outcome: &open_loop::Outcome<S>) -> PhaseFigures {
        let mut figures = PhaseFigures::from_tally(name, &outcome.tally, outcome.elapsed);
        figures.pacing = Some(Pacing {
            target_rate: rate as f64,
            achieved_rate: outcome.sent as f64 / outcome.duration.as_secs_f64().max(f64::EPSILON),
            scheduled: outcome.scheduled,
            sent: outcome.sent,
            late: outcome.late,
        });
        figures
    }

    fn from_tally(name: &str, tally: &Tally, elapsed: Duration) -> PhaseFigures {
        let histogram = &tally.latency;
        let ms = |micros: u64| micros as f64 / 1000.0;
        let latency = if histogram.is_empty() {
            Latencies::default()
        } else {
            Latencies {
                p50: ms(histogram.value_at_quantile(0.5)),
                p90: ms(histogram.value_at_quantile(0.9)),
                p99: ms(histogram.value_at_quantile(0.99)),
                p999: ms(histogram.value_at_quantile(0.999)),
                max: ms(histogram.max()),
            }
        };
        let mut statuses = tally.statuses.clone();
        statuses.sort_unstable();
        PhaseFigures {
            name: name.to_owned(),
            requests: tally.answers(),
            elapsed,
            latency,
            statuses,
            non_2xx: tally.non_2xx(),
            transport_errors: tally.transport_errors,
            connect_errors: tally.connect_errors,
            pacing: None,
            peak_resident_kib: None,
            cpu: CpuShare::default(),
        }
    }

    /// Answered requests per second.
    pub(crate) fn rate(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64().max(f64::EPSILON)
    }

    /// Non-2xx answers and requests without an answer.
    pub(crate) fn errors(&self) -> u64 {
        self.non_2xx + self.transport_errors
    }
}
