//! Open loop at a fixed rate: send `i` is due at `start + i / rate`, whatever the answers to
//! earlier sends are doing. Each connection takes the next due send when it is free, so a slow
//! answer delays the next send only when every connection is busy; then the send is late and
//! its latency counts from the moment it was due (no coordinated omission). A connection that
//! is free early sleeps until the send is due, and counts from when it wakes: the client's
//! timer tick (up to 1 ms) is not charged to the server.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context as _;

use crate::closed_loop::reconnect;
use crate::http::{Connection, Target};
use crate::tally::Tally;
use crate::workload::Workload;

/// When each send is due.
#[derive(Debug)]
struct Schedule {
    start: Instant,
    end: Instant,
    rate: u64,
    scheduled: u64,
    next: AtomicU64,
}

impl Schedule {
    fn due(&self, index: u64) -> Instant {
        self.start + Duration::from_nanos(index.saturating_mul(1_000_000_000) / self.rate)
    }
}

/// What a fixed-rate run did.
#[derive(Debug)]
pub(crate) struct Outcome<S> {
    /// Every connection's counts, merged.
    pub(crate) tally: Tally,
    /// What each connection kept from its answers.
    pub(crate) seen: Vec<S>,
    /// From the first due send to the last answer.
    pub(crate) elapsed: Duration,
    /// The length of the schedule.
    pub(crate) duration: Duration,
    /// Sends the schedule held.
    pub(crate) scheduled: u64,
    /// Sends made (the rest were still due when the schedule ended).
    pub(crate) sent: u64,
    /// Sends made after they were due because every connection was busy.
    pub(crate) late: u64,
}

/// Sends `workload` at `rate` per second for `duration` over `connections` connections.
pub(crate) async fn run<W: Workload>(
    target: &Target,
    connections: usize,
    workload: Arc<W>,
    rate: u64,
    duration: Duration,
) -> anyhow::Result<Outcome<W::Seen>> {
    // Connections are opened before the schedule starts, so connecting is not measured.
    let mut opening = Vec::new();
    for _ in 0..connections.max(1) {
        opening.push(tokio::spawn(Connection::open(target.address)));
    }
    let mut opened = Vec::new();
    for task in opening {
        opened.push(task.await.context("a connection task failed")?.ok());
    }
    let rate = rate.max(1);
    let scheduled = u64::try_from(duration.as_millis()).unwrap_or(u64::MAX).saturating_mul(rate) / 1000;
    let start = Instant::now() + Duration::from_millis(5);
    let schedule = Arc::new(Schedule { start, end: start + duration, rate, scheduled, next: AtomicU64::new(0) });
    let tasks: Vec<_> = opened
        .into_iter()
        .map(|connection| {
            let (workload, schedule) = (Arc::clone(&workload), Arc::clone(&schedule));
            tokio::spawn(paced_loop(target.address, connection, workload, schedule))
        })
        .collect();
    let mut outcome = Outcome {
        tally: Tally::new(),
        seen: Vec::new(),
        elapsed: Duration::ZERO,
        duration,
        scheduled,
        sent: 0,
        late: 0,
    };
    for task in tasks {
        let (tally, seen, sent, late) = task.await.context("a connection task failed")?;
        outcome.tally.merge(&tally);
        outcome.seen.push(seen);
        outcome.sent += sent;
        outcome.late += late;
    }
    outcome.elapsed = start.elapsed();
    Ok(outcome)
}

async fn paced_loop<W: Workload>(
    address: std::net::SocketAddr,
    mut connection: Option<Connection>,
    workload: Arc<W>,
    schedule: Arc<Schedule>,
) -> (Tally, W::Seen, u64, u64) {
    let (mut tally, mut seen, mut sent, mut late) = (Tally::new(), W::Seen::default(), 0, 0);
    loop {
        let Some(open) = connection.as_mut() else {
            if Instant::now() >= schedule.end {
                break;
            }
            connection = reconnect(address, &mut tally).await;
            continue;
        };
        let index = schedule.next.fetch_add(1, Ordering::Relaxed);
        if index >= schedule.scheduled {
            break;
        }
        let due = schedule.due(index);
        let now = Instant::now();
        if now >= schedule.end {
            break;
        }
        let began = if due > now {
            tokio::time::sleep_until(due.into()).await;
            Instant::now()
        } else {
            late += u64::from(now > due);
            due
        };
        let Some(request) = workload.request(index) else { break };
        sent += 1;
        match open.send(request).await {
            Ok(reply) => {
                tally.answered(reply.status, began.elapsed());
                workload.observe(&mut seen, index, &reply);
            }
            Err(_) => {
                tally.transport_errors += 1;
                connection = None;
            }
        }
    }
    (tally, seen, sent, late)
}
