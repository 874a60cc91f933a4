//! What one connection counted during a phase: a latency histogram, answers by status, and
//! failures. Each connection keeps its own; they are merged when the phase ends.

use std::time::Duration;

use hdrhistogram::Histogram;
use hyper::StatusCode;

/// The largest latency the histogram holds exactly, in microseconds (larger ones saturate).
const MAX_LATENCY_MICROS: u64 = 120_000_000;

/// Counters and latencies of requests.
#[derive(Debug, Clone)]
pub(crate) struct Tally {
    /// Latency of every answered request, in microseconds.
    pub(crate) latency: Histogram<u64>,
    /// Answers by status code (a handful of distinct codes at most).
    pub(crate) statuses: Vec<(u16, u64)>,
    /// Requests that got no answer: reset, closed or timed-out connections.
    pub(crate) transport_errors: u64,
    /// Connection attempts that failed (while the server is down, for instance).
    pub(crate) connect_errors: u64,
}

impl Tally {
    /// An empty tally.
    pub(crate) fn new() -> Tally {
        let latency =
            Histogram::new_with_bounds(1, MAX_LATENCY_MICROS, 3).expect("constant histogram bounds are valid");
        Tally { latency, statuses: Vec::new(), transport_errors: 0, connect_errors: 0 }
    }

    /// Counts an answer with `status` that took `latency`.
    pub(crate) fn answered(&mut self, status: StatusCode, latency: Duration) {
        let micros = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX).max(1);
        self.latency.saturating_record(micros);
        let code = status.as_u16();
        match self.statuses.iter_mut().find(|(seen, _)| *seen == code) {
            Some((_, count)) => *count += 1,
            None => self.statuses.push((code, 1)),
        }
    }

    /// Adds `other` into this tally.
    pub(crate) fn merge(&mut self, other: &Tally) {
        // Same bounds on both sides: adding cannot fail.
        let _ = self.latency.add(&other.latency);
        for &(code, count) in &other.statuses {
            match self.statuses.iter_mut().find(|(seen, _)| *seen == code) {
                Some((_, total)) => *total += count,
                None => self.statuses.push((code, count)),
            }
        }
        self.transport_errors += other.transport_errors;
        self.connect_errors += other.connect_errors;
    }

    /// Answered requests.
    pub(crate) fn answers(&self) -> u64 {
        self.statuses.iter().map(|(_, count)| count).sum()
    }

    /// Answers outside 2xx.
    pub(crate) fn non_2xx(&self) -> u64 {
        self.statuses.iter().filter(|(code, _)| !(200..300).contains(code)).map(|(_, count)| count).sum()
    }
}

impl Default for Tally {
    fn default() -> Tally {
        Tally::new()
    }
}
