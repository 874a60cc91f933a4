//! The report: a Markdown summary for people (phases table, fixed-rate schedule, answers by
//! status, peak memory, invariants) and the same figures as JSON for tools.

use std::fmt::Write as _;

use serde_json::{Map, Value, json};

use crate::invariants::Invariants;
use crate::phase::PhaseFigures;

/// A run's results.
#[derive(Debug)]
pub(crate) struct Report {
    /// `load` or `sigkill`.
    pub(crate) scenario: &'static str,
    /// The options that shaped the run, as (name, value).
    pub(crate) settings: Vec<(&'static str, Value)>,
    /// One row per phase.
    pub(crate) phases: Vec<PhaseFigures>,
    /// Lines worth knowing (waits, kills, the server's log).
    pub(crate) notes: Vec<String>,
    /// Scenario-specific figures for the JSON (e.g. each kill's outage).
    pub(crate) extra: Map<String, Value>,
    /// The checks at the end.
    pub(crate) invariants: Invariants,
}

/// `12345` as `12,345`.
fn grouped(number: u64) -> String {
    let digits = number.to_string();
    let mut text = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            text.push(',');
        }
        text.push(digit);
    }
    text
}

/// Two decimals, for JSON.
fn round2(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

/// A share of one core as a percentage (`-` when unknown).
fn percent(cores: Option<f64>) -> String {
    cores.map_or_else(|| "-".to_owned(), |cores| format!("{:.0}%", cores * 100.0))
}

fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

impl Report {
    /// Whether every invariant held.
    pub(crate) fn passed(&self) -> bool {
        self.invariants.passed()
    }

    /// The Markdown summary.
    pub(crate) fn markdown(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "# edp-load: scenario `{}`\n", self.scenario);
        let settings: Vec<String> = self.settings.iter().map(|(name, value)| format!("{name} {value}")).collect();
        let _ = writeln!(out, "Settings: {}.\n", settings.join(", "));
        let _ = writeln!(out, "| phase | requests | req/s | p50 | p90 | p99 | p99.9 | max | errors |");
        let _ = writeln!(out, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        for phase in &self.phases {
            let latency = &phase.latency;
            let _ = writeln!(
                out,
                "| {} | {} | {} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {} |",
                phase.name,
                grouped(phase.requests),
                grouped(phase.rate().round() as u64),
                latency.p50,
                latency.p90,
                latency.p99,
                latency.p999,
                latency.max,
                grouped(phase.errors()),
            );
        }
        let _ = writeln!(
            out,
            "\nLatencies in ms (HDR histogram). Errors: non-2xx answers plus requests that got no answer. \
             CPU: share of one core during the phase."
        );
        let paced: Vec<&PhaseFigures> = self.phases.iter().filter(|phase| phase.pacing.is_some()).collect();
        if !paced.is_empty() {
            let _ =
                writeln!(out, "\n| fixed-rate phase | target req/s | achieved req/s | sent / scheduled | late sends |");
            let _ = writeln!(out, "| --- | ---: | ---: | ---: | ---: |");
            for phase in paced {
                if let Some(pacing) = &phase.pacing {
                    let _ = writeln!(
                        out,
                        "| {} | {} | {:.1} | {} / {} | {} |",
                        phase.name,
                        grouped(pacing.target_rate.round() as u64),
                        pacing.achieved_rate,
                        grouped(pacing.sent),
                        grouped(pacing.scheduled),
                        grouped(pacing.late),
                    );
                }
            }
            let _ = writeln!(
                out,
                "\nFixed-rate latency counts from each send's due time; a late send (every connection busy) \
                 carries its wait."
            );
        }
        let _ = writeln!(
            out,
            "\n| phase | answers by status | no answer | failed connects | client CPU | server CPU | server VmHWM after |"
        );
        let _ = writeln!(out, "| --- | --- | ---: | ---: | ---: | ---: | ---: |");
        for phase in &self.phases {
            let statuses: Vec<String> =
                phase.statuses.iter().map(|(code, count)| format!("{code}: {}", grouped(*count))).collect();
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} |",
                phase.name,
                statuses.join(", "),
                grouped(phase.transport_errors),
                grouped(phase.connect_errors),
                percent(phase.cpu.client),
                percent(phase.cpu.server),
                phase.peak_resident_kib.map(mib).unwrap_or_else(|| "-".to_owned()),
            );
        }
        if !self.notes.is_empty() {
            let _ = writeln!(out);
            for note in &self.notes {
                let _ = writeln!(out, "- {note}");
            }
        }
        let invariants = &self.invariants;
        let _ = writeln!(out, "\n## Invariants\n");
        let _ = writeln!(out, "- acknowledged: {}", grouped(invariants.acknowledged as u64));
        let _ = writeln!(out, "- launched once: {}", grouped(invariants.launched_once as u64));
        let _ = writeln!(out, "- lost: {} (goal 0)", grouped(invariants.lost as u64));
        let _ = writeln!(out, "- duplicated: {} (goal 0)", grouped(invariants.duplicated as u64));
        if let Some(changes) = invariants.terminal_changes {
            let _ = writeln!(out, "- terminal status changes: {changes} (goal 0)");
        }
        let _ = writeln!(
            out,
            "- store: {} rows ({} without an answer), integrity {}\n",
            grouped(invariants.store_rows as u64),
            grouped(invariants.unacknowledged_rows as u64),
            invariants.integrity
        );
        let _ = writeln!(out, "| check | result | detail |");
        let _ = writeln!(out, "| --- | --- | --- |");
        for check in &invariants.checks {
            let _ =
                writeln!(out, "| {} | {} | {} |", check.name, if check.passed { "ok" } else { "FAILED" }, check.detail);
        }
        let failed = invariants.checks.iter().filter(|check| !check.passed).count();
        if failed == 0 {
            let _ = writeln!(out, "\nResult: every invariant holds.");
        } else {
            let _ = writeln!(out, "\nResult: {failed} invariant(s) FAILED.");
        }
        out
    }

    /// The same figures as JSON.
    pub(crate) fn json(&self) -> Value {
        let phases: Vec<Value> = self
            .phases
            .iter()
            .map(|phase| {
                let latency = &phase.latency;
                let statuses: Map<String, Value> =
                    phase.statuses.iter().map(|(code, count)| (code.to_string(), json!(count))).collect();
                json!({
                    "name": phase.name,
                    "requests": phase.requests,
                    "elapsed_s": round2(phase.elapsed.as_secs_f64()),
                    "rate": round2(phase.rate()),
                    "latency_ms": {
                        "p50": round2(latency.p50), "p90": round2(latency.p90), "p99": round2(latency.p99),
                        "p99.9": round2(latency.p999), "max": round2(latency.max),
                    },
                    "errors": phase.errors(),
                    "non_2xx": phase.non_2xx,
                    "transport_errors": phase.transport_errors,
                    "connect_errors": phase.connect_errors,
                    "statuses": statuses,
                    "pacing": phase.pacing.map(|pacing| json!({
                        "target_rate": pacing.target_rate,
                        "achieved_rate": round2(pacing.achieved_rate),
                        "scheduled": pacing.scheduled,
                        "sent": pacing.sent,
                        "late": pacing.late,
                    })),
                    "peak_resident_kib": phase.peak_resident_kib,
                    "cpu_cores": {
                        "client": phase.cpu.client.map(round2),
                        "server": phase.cpu.server.map(round2),
                    },
                })
            })
            .collect();
        let invariants = &self.invariants;
        let checks: Vec<Value> = invariants
            .checks
            .iter()
            .map(|check| json!({"name": check.name, "passed": check.passed, "detail": check.detail}))
            .collect();
        let settings: Map<String, Value> =
            self.settings.iter().map(|(name, value)| ((*name).to_owned(), value.clone())).collect();
        let mut report = json!({
            "scenario": self.scenario,
            "settings": settings,
            "phases": phases,
            "notes": self.notes,
            "invariants": {
                "passed": invariants.passed(),
                "acknowledged": invariants.acknowledged,
                "launched_once": invariants.launched_once,
                "lost": invariants.lost,
                "duplicated": invariants.duplicated,
                "store_rows": invariants.store_rows,
                "unacknowledged_rows": invariants.unacknowledged_rows,
                "integrity": invariants.integrity,
                "final_statuses": invariants.final_statuses,
                "terminal_changes": invariants.terminal_changes,
                "checks": checks,
            },
        });
        if let Some(object) = report.as_object_mut() {
            object.extend(self.extra.clone());
        }
        report
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn groups_thousands() {
        assert_eq!(super::grouped(0), "0");
        assert_eq!(super::grouped(999), "999");
        assert_eq!(super::grouped(1000), "1,000");
        assert_eq!(super::grouped(17_968_123), "17,968,123");
    }
}
