//! The mock engine's launch log: one `job id<TAB>engine job id` line per launch it made
//! (`plugins/mock/src/engine.rs`, `record_launch`).

use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context as _;

/// How many times each job id was launched.
pub(crate) fn launches(path: &Path) -> anyhow::Result<HashMap<String, usize>> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(error) => return Err(error).with_context(|| format!("cannot read {}", path.display())),
    };
    Ok(count(&text))
}

fn count(text: &str) -> HashMap<String, usize> {
    let mut launches: HashMap<String, usize> = HashMap::new();
    for job in text.lines().filter_map(|line| line.split('\t').next()).filter(|job| !job.is_empty()) {
        *launches.entry(job.to_owned()).or_default() += 1;
    }
    launches
}

/// Waits until the log names every one of `ids` (launches run after the 202); returns how
/// long that took, or the number still missing at the deadline as an error.
pub(crate) async fn wait_for_all(path: &Path, ids: &[String], timeout: Duration) -> anyhow::Result<Duration> {
    let started = Instant::now();
    loop {
        let launched = launches(path)?;
        let missing = ids.iter().filter(|id| !launched.contains_key(id.as_str())).count();
        if missing == 0 {
            return Ok(started.elapsed());
        }
        if started.elapsed() >= timeout {
            anyhow::bail!(
                "{missing} acknowledged job(s) were still not launched after {}s (launch log {})",
                timeout.as_secs(),
                path.display()
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn counts_launches_per_job() {
        let counts = super::count("a\tmock-a\nb\tmock-b\na\tmock-a\n\n");
        assert_eq!(counts.get("a"), Some(&2));
        assert_eq!(counts.get("b"), Some(&1));
        assert_eq!(counts.len(), 2);
    }
}
