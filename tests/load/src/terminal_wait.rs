//! Waiting until every acknowledged job has ended: rounds of `GET /v2/jobs/{id}` over the jobs
//! not yet terminal, until none is left or the deadline passes.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::closed_loop::{self, Stop};
use crate::http::Target;
use crate::job_json;
use crate::workload::{JobState, StatusReads};

/// The last state read of each job.
#[derive(Debug)]
pub(crate) struct Ended {
    /// Each job's last state (jobs never read are absent).
    pub(crate) states: HashMap<String, JobState>,
    /// How long the wait took.
    pub(crate) waited: Duration,
    /// Rounds of reads.
    pub(crate) rounds: u32,
}

/// Whether `state` will not change any more: terminal, or unknown to the server.
fn settled(state: Option<&JobState>) -> bool {
    match state {
        Some(JobState::Missing) => true,
        Some(JobState::Status(status)) => job_json::is_terminal(status),
        _ => false,
    }
}

/// Reads `ids` over `connections` connections until each is terminal or missing, or until
/// `timeout`.
pub(crate) async fn wait(
    target: &Target,
    connections: usize,
    ids: &[String],
    timeout: Duration,
) -> anyhow::Result<Ended> {
    let started = Instant::now();
    let deadline = started + timeout;
    let mut states: HashMap<String, JobState> = HashMap::with_capacity(ids.len());
    let mut pending: Vec<String> = ids.to_vec();
    pending.sort_unstable();
    pending.dedup();
    let mut rounds = 0;
    while !pending.is_empty() {
        rounds += 1;
        let reads = pending.iter().map(|id| target.get(&format!("/v2/jobs/{id}"))).collect::<Result<Vec<_>, _>>()?;
        let outcome =
            closed_loop::run(target, connections, Arc::new(StatusReads::new(reads)), Stop::at(deadline)).await?;
        for (sequence, state) in outcome.seen.into_iter().flatten() {
            if let Some(id) = usize::try_from(sequence).ok().and_then(|index| pending.get(index)) {
                states.insert(id.clone(), state);
            }
        }
        pending.retain(|id| !settled(states.get(id)));
        if pending.is_empty() || Instant::now() >= deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(Ended { states, waited: started.elapsed(), rounds })
}
