//! What a failed job's log says: the lines that name its error, for the engine info.

/// How many error lines are kept.
const MAX_LINES: usize = 8;
/// How long one kept line may be, in characters.
const MAX_LINE_CHARS: usize = 400;
/// How many trailing lines the tail keeps.
const TAIL_LINES: usize = 15;

/// Whether a log line names an error: an uncaught exception, its causes, a Python traceback's
/// last line, or spark-submit's own `Error:`.
fn is_error_line(line: &str) -> bool {
    let line = line.trim_start();
    line.starts_with("Exception in thread")
        || line.starts_with("Caused by:")
        || line.starts_with("Error:")
        || line.starts_with("Traceback (most recent call last)")
        || (!line.starts_with("at ") && (line.contains("Exception: ") || line.contains("Error: ")))
}

fn clip(line: &str) -> String {
    match line.char_indices().nth(MAX_LINE_CHARS) {
        Some((at, _)) => format!("{}…", &line[..at]),
        None => line.to_owned(),
    }
}

/// The error lines of `log` (at most a few, each clipped), joined with newlines; `None` when
/// the log names no error.
pub(crate) fn error_summary(log: &str) -> Option<String> {
    let lines: Vec<String> =
        log.lines().filter(|line| is_error_line(line)).take(MAX_LINES).map(|line| clip(line.trim())).collect();
    (!lines.is_empty()).then(|| lines.join("\n"))
}

/// The last lines of `log`, each clipped.
pub(crate) fn tail(log: &str) -> String {
    let lines: Vec<&str> = log.lines().collect();
    let start = lines.len().saturating_sub(TAIL_LINES);
    lines[start..].iter().map(|line| clip(line)).collect::<Vec<_>>().join("\n")
}

/// The end of a file (its last `max_bytes`), lossily decoded; empty when it cannot be read.
pub(crate) fn read_end(path: &std::path::Path, max_bytes: u64) -> String {
    use std::io::{Read as _, Seek as _, SeekFrom};
    let Ok(mut file) = std::fs::File::open(path) else {
        return String::new();
    };
    let length = file.metadata().map(|meta| meta.len()).unwrap_or(0);
    if file.seek(SeekFrom::Start(length.saturating_sub(max_bytes))).is_err() {
        return String::new();
    }
    let mut bytes = Vec::new();
    let _ = file.take(max_bytes).read_to_end(&mut bytes);
    String::from_utf8_lossy(&bytes).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    const JAVA: &str = "26/11/28 INFO SparkContext: Running Spark version 4.3.0\n\
        Exception in thread \"main\" java.lang.reflect.InvocationTargetException\n\
        \tat java.base/jdk.internal.reflect.NativeMethodAccessorImpl.invoke0(Native Method)\n\
        Caused by: java.lang.IllegalStateException: demo failure on purpose\n\
        \tat demo.Demo.main(Demo.java:6)\n\
        \t... 6 more\n";

    #[test]
    fn java_exceptions_and_their_causes_are_the_summary() {
        assert_eq!(
            error_summary(JAVA).expect("an error"),
            "Exception in thread \"main\" java.lang.reflect.InvocationTargetException\n\
             Caused by: java.lang.IllegalStateException: demo failure on purpose"
        );
    }

    #[test]
    fn python_errors_and_spark_submit_errors_are_found() {
        let python = "Traceback (most recent call last):\n  File \"x.py\", line 3\nValueError: bad input\n";
        assert_eq!(error_summary(python).expect("error"), "Traceback (most recent call last):\nValueError: bad input");
        let submit = "Error: Missing application resource.\nUsage: spark-submit [options]\n";
        assert_eq!(error_summary(submit).expect("error"), "Error: Missing application resource.");
        assert_eq!(error_summary("INFO all good\n"), None);
    }

    #[test]
    fn tail_keeps_the_last_lines_and_long_lines_are_clipped() {
        let log: String = (0..40).map(|n| format!("line {n}\n")).collect();
        let tail = tail(&log);
        assert!(tail.starts_with("line 25\n") && tail.ends_with("line 39"), "{tail}");
        let long = "x".repeat(1000);
        assert_eq!(clip(&long).chars().count(), MAX_LINE_CHARS + 1);
    }

    #[test]
    fn reads_the_end_of_a_file() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let path = tmp.path().join("stderr");
        std::fs::write(&path, "abcdef").expect("write");
        assert_eq!(read_end(&path, 3), "def");
        assert_eq!(read_end(&path, 100), "abcdef");
        assert_eq!(read_end(&tmp.path().join("absent"), 3), "");
    }
}
