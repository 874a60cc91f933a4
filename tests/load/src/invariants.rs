//! The checks at the end of a run: every acknowledged job exists and ended as expected, was
//! launched exactly once, the server stopped cleanly, the store is intact and holds what it
//! should, and (when watched) no terminal status ever changed.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::job_json;
use crate::store_check::StoreFacts;
use crate::watcher::Watched;
use crate::workload::JobState;

/// How many rows the store must hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RowRule {
    /// Exactly the acknowledged jobs (every request was answered).
    Exactly,
    /// At least the acknowledged jobs: a launch committed just before a SIGKILL had no answer.
    AtLeast,
}

/// Everything the checks look at.
pub(crate) struct Evidence<'a> {
    /// Ids acknowledged with 202, in order.
    pub(crate) acknowledged: &'a [String],
    /// Each acknowledged job's last state read through the API.
    pub(crate) states: &'a HashMap<String, JobState>,
    /// The terminal statuses the scenario expects.
    pub(crate) expected: &'a [&'a str],
    /// Launches per job id from the mock's launch log.
    pub(crate) launches: &'a HashMap<String, usize>,
    /// The store after the server stopped.
    pub(crate) store: &'a StoreFacts,
    /// The server's exit code after SIGTERM.
    pub(crate) exit_code: Option<i32>,
    /// How many rows the store must hold.
    pub(crate) rows: RowRule,
    /// What the watcher saw, when there was one.
    pub(crate) watched: Option<&'a Watched>,
}

/// One check and its result.
#[derive(Debug, Clone)]
pub(crate) struct Check {
    /// What is checked.
    pub(crate) name: String,
    /// Whether it held.
    pub(crate) passed: bool,
    /// Figures or examples.
    pub(crate) detail: String,
}

/// The results.
#[derive(Debug, Clone)]
pub(crate) struct Invariants {
    /// Jobs acknowledged with 202.
    pub(crate) acknowledged: usize,
    /// Acknowledged jobs the launch log names exactly once.
    pub(crate) launched_once: usize,
    /// Acknowledged jobs missing from the API, the store or the launch log.
    pub(crate) lost: usize,
    /// Jobs (acknowledged or not) the launch log names more than once.
    pub(crate) duplicated: usize,
    /// Rows in the store's job executions table.
    pub(crate) store_rows: usize,
    /// Rows for launches that were never acknowledged (committed, answer lost).
    pub(crate) unacknowledged_rows: usize,
    /// `PRAGMA integrity_check`.
    pub(crate) integrity: String,
    /// The acknowledged jobs' last statuses, counted.
    pub(crate) final_statuses: BTreeMap<String, usize>,
    /// Terminal status changes the watcher saw (`None`: not watched).
    pub(crate) terminal_changes: Option<usize>,
    /// Every check.
    pub(crate) checks: Vec<Check>,
}

impl Invariants {
    /// Whether every check held.
    pub(crate) fn passed(&self) -> bool {
        self.checks.iter().all(|check| check.passed)
    }
}

/// Up to three of `ids`, for messages.
fn examples<'a>(ids: impl IntoIterator<Item = &'a String>) -> String {
    let mut ids: Vec<&String> = ids.into_iter().collect();
    ids.sort_unstable();
    let shown: Vec<&str> = ids.iter().take(3).map(|id| id.as_str()).collect();
    if shown.is_empty() { String::new() } else { format!(" (e.g. {})", shown.join(", ")) }
}

fn check(name: impl Into<String>, passed: bool, detail: impl Into<String>) -> Check {
    Check { name: name.into(), passed, detail: detail.into() }
}

/// Runs every check on `evidence`.
pub(crate) fn evaluate(evidence: &Evidence<'_>) -> Invariants {
    let acknowledged: HashSet<&String> = evidence.acknowledged.iter().collect();
    let twice = evidence.acknowledged.len() - acknowledged.len();
    let state = |id: &String| evidence.states.get(id);
    let launches = |id: &String| evidence.launches.get(id.as_str()).copied().unwrap_or(0);

    let missing: Vec<&String> = acknowledged
        .iter()
        .copied()
        .filter(|id| state(id) == Some(&JobState::Missing) || !evidence.store.execution_ids.contains(id.as_str()))
        .collect();
    let mut final_statuses: BTreeMap<String, usize> = BTreeMap::new();
    let (mut unfinished, mut unexpected) = (Vec::new(), Vec::new());
    for id in &acknowledged {
        let label = match state(id) {
            Some(JobState::Status(status)) => {
                if !job_json::is_terminal(status) {
                    unfinished.push(*id);
                } else if !evidence.expected.contains(&status.as_str()) {
                    unexpected.push(*id);
                }
                status.clone()
            }
            Some(JobState::Missing) => "missing (404)".to_owned(),
            Some(JobState::Unreadable(code)) => {
                unfinished.push(*id);
                format!("unreadable ({code})")
            }
            None => {
                unfinished.push(*id);
                "never read".to_owned()
            }
        };
        *final_statuses.entry(label).or_default() += 1;
    }
    let never_launched: Vec<&String> = acknowledged.iter().copied().filter(|id| launches(id) == 0).collect();
    let launched_once = acknowledged.iter().filter(|id| launches(id) == 1).count();
    let duplicated: Vec<&String> =
        evidence.launches.iter().filter(|(_, count)| **count > 1).map(|(id, _)| id).collect();
    let lost: HashSet<&String> = missing.iter().chain(&never_launched).copied().collect();
    let rows = evidence.store.execution_ids.len();
    let acknowledged_ids: HashSet<&str> = acknowledged.iter().map(|id| id.as_str()).collect();
    let unacknowledged_rows =
        evidence.store.execution_ids.iter().filter(|id| !acknowledged_ids.contains(id.as_str())).count();

    let statuses_text =
        final_statuses.iter().map(|(status, count)| format!("{status} {count}")).collect::<Vec<_>>().join(", ");
    let mut checks = vec![
        check(
            "every acknowledged job exists (API and store)",
            missing.is_empty() && twice == 0,
            format!(
                "{} acknowledged, {} missing{}, {twice} id(s) acknowledged twice",
                acknowledged.len(),
                missing.len(),
                examples(missing.iter().copied())
            ),
        ),
        check(
            format!("every acknowledged job ended {}", evidence.expected.join("/")),
            unfinished.is_empty() && unexpected.is_empty(),
            format!(
                "{statuses_text}; {} not terminal{}, {} other terminal status{}",
                unfinished.len(),
                examples(unfinished.iter().copied()),
                unexpected.len(),
                examples(unexpected.iter().copied())
            ),
        ),
        check(
            "the launch log names every acknowledged job exactly once",
            launched_once == acknowledged.len(),
            format!("{launched_once} once, {} never{}", never_launched.len(), examples(never_launched.iter().copied())),
        ),
        check(
            "no job was launched twice",
            duplicated.is_empty(),
            format!("{} launched more than once{}", duplicated.len(), examples(duplicated.iter().copied())),
        ),
        check(
            "the server exited 0 on SIGTERM",
            evidence.exit_code == Some(0),
            match evidence.exit_code {
                Some(code) => format!("exit code {code}"),
                None => "killed by a signal".to_owned(),
            },
        ),
        check("PRAGMA integrity_check is ok", evidence.store.integrity == "ok", evidence.store.integrity.clone()),
    ];
    checks.push(match evidence.rows {
        RowRule::Exactly => check(
            "the store holds exactly the acknowledged jobs",
            rows == acknowledged.len() && unacknowledged_rows == 0,
            format!("{rows} rows, {} acknowledged", acknowledged.len()),
        ),
        RowRule::AtLeast => check(
            "the store holds every acknowledged job",
            rows >= acknowledged.len(),
            format!(
                "{rows} rows, {} acknowledged, {unacknowledged_rows} launched without an answer",
                acknowledged.len()
            ),
        ),
    });
    if let Some(watched) = evidence.watched {
        checks.push(check(
            "no terminal status ever changed",
            watched.changes.is_empty() && watched.complete_sweeps > 0,
            format!(
                "{} change(s) over {} sweeps ({} complete) of {} terminal jobs{}",
                watched.changes.len(),
                watched.sweeps,
                watched.complete_sweeps,
                watched.terminal_jobs,
                watched.changes.first().map(|change| format!(", e.g. {change}")).unwrap_or_default()
            ),
        ));
    }
    Invariants {
        acknowledged: acknowledged.len(),
        launched_once,
        lost: lost.len(),
        duplicated: duplicated.len(),
        store_rows: rows,
        unacknowledged_rows,
        integrity: evidence.store.integrity.clone(),
        final_statuses,
        terminal_changes: evidence.watched.map(|watched| watched.changes.len()),
        checks,
    }
}
