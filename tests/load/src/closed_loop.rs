//! Closed loop: each connection sends its next request as soon as the answer to the previous
//! one is in. Connections that fail are reopened; latency runs from send to the body's end.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context as _;

use crate::http::{Connection, Target};
use crate::tally::Tally;
use crate::workload::Workload;

/// Pause before reconnecting after a failed connection attempt.
pub(crate) const RECONNECT_PAUSE: Duration = Duration::from_millis(10);

/// When a closed loop stops (besides running out of requests).
#[derive(Debug, Clone)]
pub(crate) struct Stop {
    deadline: Option<Instant>,
    flag: Arc<AtomicBool>,
}

impl Stop {
    /// Stops `duration` from now.
    pub(crate) fn after(duration: Duration) -> Stop {
        Stop { deadline: Some(Instant::now() + duration), flag: Arc::default() }
    }

    /// Stops at `deadline`.
    pub(crate) fn at(deadline: Instant) -> Stop {
        Stop { deadline: Some(deadline), flag: Arc::default() }
    }

    /// Stops once `flag` is set.
    pub(crate) fn when_set(flag: Arc<AtomicBool>) -> Stop {
        Stop { deadline: None, flag }
    }

    fn reached(&self) -> bool {
        self.flag.load(Ordering::Relaxed) || self.deadline.is_some_and(|deadline| Instant::now() >= deadline)
    }
}

/// What a closed loop did.
#[derive(Debug)]
pub(crate) struct Outcome<S> {
    /// Every connection's counts, merged.
    pub(crate) tally: Tally,
    /// What each connection kept from its answers.
    pub(crate) seen: Vec<S>,
    /// From the start to the last answer.
    pub(crate) elapsed: Duration,
}

/// Runs `workload` over `connections` connections until `stop` or the end of the workload.
pub(crate) async fn run<W: Workload>(
    target: &Target,
    connections: usize,
    workload: Arc<W>,
    stop: Stop,
) -> anyhow::Result<Outcome<W::Seen>> {
    let started = Instant::now();
    let next = Arc::new(AtomicU64::new(0));
    let tasks: Vec<_> = (0..connections.max(1))
        .map(|_| {
            let (workload, next, stop) = (Arc::clone(&workload), Arc::clone(&next), stop.clone());
            tokio::spawn(connection_loop(target.address, workload, next, stop))
        })
        .collect();
    let mut outcome = Outcome { tally: Tally::new(), seen: Vec::new(), elapsed: Duration::ZERO };
    for task in tasks {
        let (tally, seen) = task.await.context("a connection task failed")?;
        outcome.tally.merge(&tally);
        outcome.seen.push(seen);
    }
    outcome.elapsed = started.elapsed();
    Ok(outcome)
}

/// A new connection to `address`, or `None` after counting the failure and pausing.
pub(crate) async fn reconnect(address: std::net::SocketAddr, tally: &mut Tally) -> Option<Connection> {
    match Connection::open(address).await {
        Ok(opened) => Some(opened),
        Err(_) => {
            tally.connect_errors += 1;
            tokio::time::sleep(RECONNECT_PAUSE).await;
            None
        }
    }
}

async fn connection_loop<W: Workload>(
    address: std::net::SocketAddr,
    workload: Arc<W>,
    next: Arc<AtomicU64>,
    stop: Stop,
) -> (Tally, W::Seen) {
    let mut tally = Tally::new();
    let mut seen = W::Seen::default();
    let mut connection: Option<Connection> = None;
    // A request that got no answer, to send again: (sequence, retries left after it).
    let mut again: Option<(u64, u32)> = None;
    while !stop.reached() {
        let Some(open) = connection.as_mut() else {
            connection = reconnect(address, &mut tally).await;
            continue;
        };
        let (sequence, retries) =
            again.take().unwrap_or_else(|| (next.fetch_add(1, Ordering::Relaxed), workload.retries()));
        let Some(request) = workload.request(sequence) else { break };
        let sent = Instant::now();
        match open.send(request).await {
            Ok(reply) => {
                tally.answered(reply.status, sent.elapsed());
                workload.observe(&mut seen, sequence, &reply);
            }
            Err(_) => {
                tally.transport_errors += 1;
                connection = None;
                if retries > 0 {
                    again = Some((sequence, retries - 1));
                }
            }
        }
    }
    (tally, seen)
}
