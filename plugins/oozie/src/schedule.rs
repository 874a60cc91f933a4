//! Scheduled runs: Sahara's `job_execution_info` (`start`, `end`, `frequency`), checked.
//!
//! Oozie coordinators count in whole minutes of UTC, so times are read as UTC and written in
//! Oozie's form `2015-06-10T06:05Z`. Accepted input: `YYYY-MM-DDTHH:MM[:SS]` with an optional
//! `Z` (or `+00:00`), and Sahara's `YYYY-MM-DD HH:MM:SS`; seconds must be zero. Other time
//! zones are refused rather than guessed. `frequency` is a number of minutes (at least 5, as
//! Oozie requires by default), an Oozie EL frequency (`${coord:hours(2)}`) or a cron
//! expression of five fields. Sahara validated only `start`, as local time.

use std::fmt;

use edp_plugin_api::{EngineError, JobConfigs};
use serde_json::Value;

/// Oozie's smallest frequency, in minutes (`oozie.service.coord.check.maximum.frequency`).
const MIN_FREQUENCY_MINUTES: u64 = 5;

/// A UTC time to the minute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct UtcMinute {
    /// Minutes since 1970-01-01T00:00Z.
    minutes: i64,
}

impl UtcMinute {
    /// The minute `millis` (since the epoch) falls in.
    pub(crate) fn from_millis(millis: i64) -> Self {
        Self { minutes: millis.div_euclid(60_000) }
    }

    /// Parses the accepted forms (see the module docs).
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        let trimmed = text.trim();
        let body = trimmed.strip_suffix('Z').or_else(|| trimmed.strip_suffix("+00:00")).unwrap_or(trimmed);
        let (date, time) =
            body.split_once(['T', ' ']).ok_or_else(|| format!("`{text}` is not a time like 2015-06-10T06:05Z"))?;
        let number = |part: &str, what: &str| -> Result<i64, String> {
            if part.is_empty() || part.len() > 4 || !part.chars().all(|c| c.is_ascii_digit()) {
                return Err(format!("`{text}`: bad {what} `{part}` (times are UTC, like 2015-06-10T06:05Z)"));
            }
            part.parse::<i64>().map_err(|err| format!("`{text}`: bad {what}: {err}"))
        };
        let date: Vec<&str> = date.split('-').collect();
        let time: Vec<&str> = time.split(':').collect();
        let ([year, month, day], [hour, minute, rest @ ..]) = (date.as_slice(), time.as_slice()) else {
            return Err(format!("`{text}` is not a time like 2015-06-10T06:05Z"));
        };
        if year.len() != 4 || rest.len() > 1 {
            return Err(format!("`{text}` is not a time like 2015-06-10T06:05Z"));
        }
        let (year, month, day) = (number(year, "year")?, number(month, "month")?, number(day, "day")?);
        let (hour, minute) = (number(hour, "hour")?, number(minute, "minute")?);
        if let [seconds] = rest
            && number(seconds, "seconds")? != 0
        {
            return Err(format!("`{text}`: Oozie schedules to the minute; the seconds must be 00"));
        }
        if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) || hour > 23 || minute > 59 {
            return Err(format!("`{text}` is not a valid date and time"));
        }
        let minutes = (days_from_civil(year, month, day) * 24 + hour) * 60 + minute;
        Ok(Self { minutes })
    }
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let day_of_year = (153 * (month + if month > 2 { -3 } else { 9 }) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The date of a day number (the inverse of [`days_from_civil`]).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let days = days + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days - era * 146_097;
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

impl fmt::Display for UtcMinute {
    /// Oozie's form: `2015-06-10T06:05Z`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (days, minute_of_day) = (self.minutes.div_euclid(1440), self.minutes.rem_euclid(1440));
        let (year, month, day) = civil_from_days(days);
        write!(f, "{year:04}-{month:02}-{day:02}T{:02}:{:02}Z", minute_of_day / 60, minute_of_day % 60)
    }
}

/// A checked schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Schedule {
    /// The first run.
    pub(crate) start: UtcMinute,
    /// No run at or after this.
    pub(crate) end: UtcMinute,
    /// Oozie's frequency: minutes, an EL function or a cron expression.
    pub(crate) frequency: String,
}

/// Whether the job configs ask for a scheduled run.
pub(crate) fn is_scheduled(configs: &JobConfigs) -> bool {
    configs.job_execution_info.get("job_execution_type").and_then(Value::as_str) == Some("scheduled")
}

fn invalid(message: impl Into<String>) -> EngineError {
    EngineError::invalid_job(format!("scheduled job: {}", message.into()))
}

fn frequency(value: &Value) -> Result<String, EngineError> {
    let text = match value {
        Value::Number(number) => number.to_string(),
        Value::String(text) => text.trim().to_owned(),
        other => return Err(invalid(format!("frequency must be minutes or an Oozie frequency, not {other}"))),
    };
    let at_least_five = |minutes: &str| -> Result<(), EngineError> {
        match minutes.parse::<u64>() {
            Ok(n) if n >= MIN_FREQUENCY_MINUTES => Ok(()),
            _ => Err(invalid(format!(
                "frequency `{text}` must be a whole number of minutes, at least {MIN_FREQUENCY_MINUTES}"
            ))),
        }
    };
    if text.chars().all(|c| c.is_ascii_digit()) {
        at_least_five(&text)?;
        return Ok(text.trim_start_matches('0').to_owned());
    }
    if let Some(inner) = text.strip_prefix("${coord:").and_then(|rest| rest.strip_suffix(")}")) {
        let (unit, count) = inner.split_once('(').unwrap_or(("", ""));
        let count_ok =
            !count.is_empty() && count.chars().all(|c| c.is_ascii_digit()) && count.parse::<u64>().is_ok_and(|n| n > 0);
        match unit {
            "minutes" if count_ok => at_least_five(count)?,
            "hours" | "days" | "months" | "endOfDays" | "endOfMonths" if count_ok => {}
            _ => return Err(invalid(format!("frequency `{text}` is not an Oozie frequency like ${{coord:hours(1)}}"))),
        }
        return Ok(text);
    }
    let fields: Vec<&str> = text.split_whitespace().collect();
    let cron_field = |field: &&str| field.chars().all(|c| c.is_ascii_alphanumeric() || "*,-/?#".contains(c));
    if fields.len() == 5 && fields.iter().all(cron_field) {
        return Ok(fields.join(" "));
    }
    Err(invalid(format!(
        "frequency `{text}` must be minutes (at least {MIN_FREQUENCY_MINUTES}), an Oozie frequency like \
         ${{coord:days(1)}} or a cron expression of five fields"
    )))
}

impl Schedule {
    /// The schedule in `job_execution_info`.
    pub(crate) fn parse(configs: &JobConfigs) -> Result<Self, EngineError> {
        let info = &configs.job_execution_info;
        let time = |key: &str| -> Result<UtcMinute, EngineError> {
            match info.get(key) {
                Some(Value::String(text)) => UtcMinute::parse(text).map_err(|why| invalid(format!("{key}: {why}"))),
                Some(other) => Err(invalid(format!("{key} must be a UTC time like 2015-06-10T06:05Z, not {other}"))),
                None => Err(invalid(format!("job_execution_info needs `{key}`"))),
            }
        };
        let (start, end) = (time("start")?, time("end")?);
        if end <= start {
            return Err(invalid(format!("end ({end}) must be after start ({start})")));
        }
        let frequency =
            frequency(info.get("frequency").ok_or_else(|| invalid("job_execution_info needs `frequency`"))?)?;
        Ok(Self { start, end, frequency })
    }

    /// Refuses a start in the past (Sahara's check, in UTC). Only at validation: a run the
    /// host launches later, after a restart, keeps its schedule.
    pub(crate) fn check_not_past(&self, now_millis: i64) -> Result<(), EngineError> {
        let now = UtcMinute::from_millis(now_millis);
        if self.start < now {
            return Err(invalid(format!("start ({}) is in the past (now is {now})", self.start)));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn configs(info: Value) -> JobConfigs {
        JobConfigs::parse(&json!({"job_execution_info": info}).to_string()).expect("configs")
    }

    #[test]
    fn parses_oozie_iso_and_sahara_forms_as_utc() {
        for text in [
            "2015-06-10T06:05Z",
            "2015-06-10T06:05",
            "2015-06-10 06:05:00",
            "2015-06-10T06:05:00+00:00",
            "2015-6-10T6:05Z",
        ] {
            assert_eq!(UtcMinute::parse(text).expect(text).to_string(), "2015-06-10T06:05Z", "{text}");
        }
        assert_eq!(UtcMinute::parse("1970-01-01T00:00Z"), Ok(UtcMinute { minutes: 0 }));
        assert_eq!(UtcMinute::parse("2000-02-29T23:59Z").expect("leap day").to_string(), "2000-02-29T23:59Z");
        assert_eq!(UtcMinute::from_millis(1_433_916_300_000).to_string(), "2015-06-10T06:05Z");
        for bad in [
            "2015-06-10",
            "2015-06-10T06:05+02:00",
            "2015-06-10T06:05:30Z",
            "2015-02-29T00:00Z",
            "2015-13-01T00:00Z",
            "2015-06-10T24:00Z",
            "15-06-10T06:05Z",
            "tomorrow",
        ] {
            assert!(UtcMinute::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_schedule_needs_start_before_end_and_a_real_frequency() {
        let schedule = Schedule::parse(&configs(
            json!({"job_execution_type": "scheduled", "start": "2030-01-01T00:00Z", "end": "2030-01-02 00:00:00", "frequency": 60}),
        ))
        .expect("valid");
        assert_eq!(schedule.start.to_string(), "2030-01-01T00:00Z");
        assert_eq!(schedule.end.to_string(), "2030-01-02T00:00Z");
        assert_eq!(schedule.frequency, "60");
        for frequency in [json!("${coord:hours(2)}"), json!("${coord:minutes(15)}"), json!("0/15 * * * *"), json!("10")]
        {
            let info = json!({"start": "2030-01-01T00:00Z", "end": "2030-01-02T00:00Z", "frequency": frequency});
            assert!(Schedule::parse(&configs(info)).is_ok(), "{frequency}");
        }
        for info in [
            json!({"start": "2030-01-02T00:00Z", "end": "2030-01-01T00:00Z", "frequency": 60}),
            json!({"start": "2030-01-01T00:00Z", "end": "2030-01-01T00:00Z", "frequency": 60}),
            json!({"start": "2030-01-01T00:00Z", "end": "2030-01-02T00:00Z", "frequency": 4}),
            json!({"start": "2030-01-01T00:00Z", "end": "2030-01-02T00:00Z", "frequency": "${coord:minutes(1)}"}),
            json!({"start": "2030-01-01T00:00Z", "end": "2030-01-02T00:00Z", "frequency": "${coord:weeks(1)}"}),
            json!({"start": "2030-01-01T00:00Z", "end": "2030-01-02T00:00Z", "frequency": "often"}),
            json!({"start": "2030-01-01T00:00Z", "end": "2030-01-02T00:00Z", "frequency": -5}),
            json!({"start": "2030-01-01T00:00Z", "end": "2030-01-02T00:00Z"}),
            json!({"end": "2030-01-02T00:00Z", "frequency": 60}),
            json!({"start": 1, "end": "2030-01-02T00:00Z", "frequency": 60}),
        ] {
            let err = Schedule::parse(&configs(info.clone())).expect_err(&info.to_string());
            assert_eq!(err.kind, edp_plugin_api::ErrorKind::INVALID_JOB);
        }
    }

    #[test]
    fn a_start_in_the_past_is_refused_at_validation() {
        let schedule = Schedule::parse(&configs(
            json!({"start": "2015-06-10T06:05Z", "end": "2015-06-11T06:05Z", "frequency": 5}),
        ))
        .expect("valid");
        let at_start = 1_433_916_300_000;
        assert!(schedule.check_not_past(at_start).is_ok());
        assert!(schedule.check_not_past(at_start + 59_999).is_ok(), "the same minute");
        assert!(schedule.check_not_past(at_start + 60_000).is_err());
        assert!(is_scheduled(&configs(json!({"job_execution_type": "scheduled"}))));
        assert!(!is_scheduled(&configs(json!({"job_execution_type": "workflow"}))));
    }
}
