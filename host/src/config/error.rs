//! Config errors that point at the file, line and column they concern.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// A place in a config file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    /// The file.
    pub file: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
}

impl Position {
    /// The position of byte `offset` of `text`, the contents of `file`.
    pub fn at(file: &Path, text: &str, offset: usize) -> Self {
        let offset = offset.min(text.len());
        let before = &text[..text.floor_char_boundary(offset)];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |newline| newline + 1);
        let column = before[line_start..].chars().count() + 1;
        Self { file: file.to_owned(), line, column }
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file.display(), self.line, self.column)
    }
}

/// One problem in a config file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// Where.
    pub position: Position,
    /// What it concerns, e.g. "engine `oozie`" or "route #2"; empty for the file as a whole.
    pub subject: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.subject.is_empty() {
            write!(f, "{}: {}", self.position, self.message)
        } else {
            write!(f, "{}: {}: {}", self.position, self.subject, self.message)
        }
    }
}

/// Every problem found in a config file; reported together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigErrors(pub Vec<ConfigError>);

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let noun = if self.0.len() == 1 { "error" } else { "errors" };
        write!(f, "{} {noun} in the configuration:", self.0.len())?;
        for error in &self.0 {
            write!(f, "\n  {error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

/// Collects errors against one file's text.
pub(crate) struct ErrorSink<'a> {
    file: &'a Path,
    text: &'a str,
    errors: Vec<ConfigError>,
}

impl<'a> ErrorSink<'a> {
    pub(crate) fn new(file: &'a Path, text: &'a str) -> Self {
        Self { file, text, errors: Vec::new() }
    }

    pub(crate) fn position(&self, span: &Range<usize>) -> Position {
        Position::at(self.file, self.text, span.start)
    }

    pub(crate) fn push(&mut self, span: &Range<usize>, subject: &str, message: impl Into<String>) {
        let position = self.position(span);
        self.errors.push(ConfigError { position, subject: subject.to_owned(), message: message.into() });
    }

    pub(crate) fn push_at(&mut self, position: Position, subject: &str, message: impl Into<String>) {
        self.errors.push(ConfigError { position, subject: subject.to_owned(), message: message.into() });
    }

    /// Records a TOML or serde error; `fallback` is the span to use when it has none.
    pub(crate) fn push_toml(&mut self, err: &toml::de::Error, fallback: &Range<usize>, subject: &str) {
        let span = err.span().unwrap_or_else(|| fallback.clone());
        self.push(&span, subject, err.message().trim_end().to_owned());
    }

    /// The errors in file order, if any.
    pub(crate) fn finish(mut self) -> Result<(), ConfigErrors> {
        self.errors.sort_by_key(|error| (error.position.line, error.position.column));
        if self.errors.is_empty() { Ok(()) } else { Err(ConfigErrors(self.errors)) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based_lines_and_character_columns() {
        let text = "a = 1\nbé = 2\n";
        let offset = text.find('2').expect("present");
        let position = Position::at(Path::new("p.toml"), text, offset);
        assert_eq!((position.line, position.column), (2, 6));
        assert_eq!(position.to_string(), "p.toml:2:6");
    }
}
