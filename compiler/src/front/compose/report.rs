//! The import report: every part of a compose file the stack spec does not represent exactly.

use std::fmt;

use crate::diag::{SourceFile, Span};

/// What became of one compose field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Represented, but not exactly: the note says how it differs.
    Approximated(String),
    /// Not represented at all: the reason says why.
    Dropped(String),
}

/// One entry of the import report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportEntry {
    /// Where in the compose model, e.g. `services.api.logging`.
    pub path: String,
    /// Where it is written in the compose file.
    pub span: Span,
    pub outcome: Outcome,
}

impl ReportEntry {
    /// `line:col: kind `path`: note` for the file the span points into.
    pub fn render(&self, file: &SourceFile) -> String {
        let (line, col) = file.line_col(self.span.start);
        format!("{}:{line}:{col}: {self}", file.name)
    }
}

impl fmt::Display for ReportEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.outcome {
            Outcome::Approximated(n) => write!(f, "approximated `{}`: {n}", self.path),
            Outcome::Dropped(r) => write!(f, "dropped `{}`: {r}", self.path),
        }
    }
}

/// All entries, in the order of the compose file.
#[derive(Clone, Debug, Default)]
pub struct ImportReport {
    pub entries: Vec<ReportEntry>,
}

impl ImportReport {
    pub fn push(&mut self, path: impl Into<String>, span: Span, outcome: Outcome) {
        self.entries.push(ReportEntry {
            path: path.into(),
            span,
            outcome,
        });
    }
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
    pub fn dropped(&self) -> usize {
        self.entries
            .iter()
            .filter(|e| matches!(e.outcome, Outcome::Dropped(_)))
            .count()
    }
    /// Sorts by position, then path, removing exact repeats.
    pub fn finish(&mut self) {
        self.entries
            .sort_by(|a, b| (a.span.start, &a.path).cmp(&(b.span.start, &b.path)));
        self.entries.dedup();
    }
    /// One line per entry, `file:line:col: ...`.
    pub fn render(&self, file: &SourceFile) -> String {
        let mut s = String::new();
        for e in &self.entries {
            s.push_str(&e.render(file));
            s.push('\n');
        }
        s
    }
}
