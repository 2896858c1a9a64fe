//! Diagnostics as data: every error and lint finding is a [`Diagnostic`]; reporters render them.
//!
//! Invariant: a diagnostic about user input carries a primary label with a byte span into a
//! [`SourceFile`], so it can always be shown as `file:line:col`.

use std::fmt;
use std::sync::Arc;

/// A byte range in one source file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub const fn new(start: u32, end: u32) -> Self {
        Self { start, end }
    }
    /// The empty span at the start of the file, for errors about the file as a whole.
    pub const DUMMY: Span = Span { start: 0, end: 0 };
    pub fn len(&self) -> u32 {
        self.end.saturating_sub(self.start)
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A source text with its display name, and a line index for line/column lookups.
#[derive(Debug)]
pub struct SourceFile {
    pub name: String,
    pub text: String,
    line_starts: Vec<u32>,
}

impl SourceFile {
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Arc<Self> {
        let text = text.into();
        let mut line_starts = vec![0u32];
        for (i, b) in text.bytes().enumerate() {
            if b == b'\n' {
                line_starts.push((i + 1) as u32);
            }
        }
        Arc::new(Self {
            name: name.into(),
            text,
            line_starts,
        })
    }

    /// 1-based line and column (column counted in characters) of a byte offset.
    pub fn line_col(&self, offset: u32) -> (u32, u32) {
        let offset = offset.min(self.text.len() as u32);
        let line = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = self.line_starts[line] as usize;
        let mut end = offset as usize;
        while !self.text.is_char_boundary(end) {
            end -= 1;
        }
        let col = self.text[start..end].chars().count() as u32 + 1;
        (line as u32 + 1, col)
    }

    /// Byte offset of a 1-based line and column (column in characters); clamps to the text.
    pub fn offset_of(&self, line: u32, col: u32) -> u32 {
        let Some(&start) = self.line_starts.get(line.saturating_sub(1) as usize) else {
            return self.text.len() as u32;
        };
        let rest = &self.text[start as usize..];
        let skip: usize = rest
            .chars()
            .take(col.saturating_sub(1) as usize)
            .take_while(|c| *c != '\n')
            .map(char::len_utf8)
            .sum();
        start + skip as u32
    }

    /// 0-based index of the line holding a byte offset.
    pub fn line_index(&self, offset: u32) -> usize {
        match self
            .line_starts
            .binary_search(&offset.min(self.text.len() as u32))
        {
            Ok(i) => i,
            Err(i) => i - 1,
        }
    }

    /// Byte offset where 0-based line `index` starts (the text's end past the last line).
    pub fn line_start(&self, index: usize) -> u32 {
        self.line_starts
            .get(index)
            .copied()
            .unwrap_or(self.text.len() as u32)
    }

    /// Number of lines.
    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    pub fn slice(&self, span: Span) -> &str {
        self.text
            .get(span.start as usize..span.end as usize)
            .unwrap_or("")
    }
}

/// How serious a diagnostic is. Ordered: `Info < Warning < Error`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "info" => Some(Severity::Info),
            "warning" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A labelled place in a source file.
#[derive(Clone, Debug)]
pub struct Label {
    pub file: Arc<SourceFile>,
    pub span: Span,
    pub message: String,
}

/// One problem to report: a stable code, a message, where, and what to do.
#[derive(Clone, Debug)]
pub struct Diagnostic {
    /// Stable code, e.g. `STK010` or `STK101`.
    pub code: &'static str,
    pub severity: Severity,
    /// Lowercase, names the item in backticks, no trailing period.
    pub message: String,
    /// The main place; `None` only for diagnostics about no file at all (I/O, usage).
    pub primary: Option<Label>,
    /// Places that explain ("first defined here").
    pub secondary: Vec<Label>,
    pub help: Option<String>,
    pub notes: Vec<String>,
    /// Set when a suppression in the spec or the config silenced this finding.
    pub suppressed: Option<String>,
}

impl Diagnostic {
    pub fn error(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            severity: Severity::Error,
            message: message.into(),
            primary: None,
            secondary: Vec::new(),
            help: None,
            notes: Vec::new(),
            suppressed: None,
        }
    }
    pub fn with_severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }
    pub fn at(mut self, file: &Arc<SourceFile>, span: Span, label: impl Into<String>) -> Self {
        self.primary = Some(Label {
            file: file.clone(),
            span,
            message: label.into(),
        });
        self
    }
    pub fn also(mut self, file: &Arc<SourceFile>, span: Span, label: impl Into<String>) -> Self {
        self.secondary.push(Label {
            file: file.clone(),
            span,
            message: label.into(),
        });
        self
    }
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    /// `file:line:col` of the primary label.
    pub fn location(&self) -> Option<(String, u32, u32)> {
        let p = self.primary.as_ref()?;
        let (l, c) = p.file.line_col(p.span.start);
        Some((p.file.name.clone(), l, c))
    }

    /// Sort key: file, position, code, message — so reports are deterministic. Borrowed, so
    /// sorting many diagnostics allocates nothing.
    pub fn sort_key(&self) -> (&str, u32, &'static str, &str) {
        match &self.primary {
            Some(p) => (
                p.file.name.as_str(),
                p.span.start,
                self.code,
                self.message.as_str(),
            ),
            None => ("", 0, self.code, self.message.as_str()),
        }
    }
}

/// A collector that keeps going: frontends push every error and return them all at once.
#[derive(Default, Debug)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    pub fn push(&mut self, d: Diagnostic) {
        self.0.push(d);
    }
    pub fn has_errors(&self) -> bool {
        self.0.iter().any(|d| d.severity == Severity::Error)
    }
    pub fn into_sorted(mut self) -> Vec<Diagnostic> {
        self.0.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        self.0
    }
}

/// Edit distance for "did you mean" hints.
pub fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// The closest candidate within a small edit distance, for "did you mean `x`?".
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).max(1) + 1;
    candidates
        .into_iter()
        .map(|c| (levenshtein(&word.to_lowercase(), &c.to_lowercase()), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, c)| (*d, *c))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_chars_not_bytes() {
        let f = SourceFile::new("a.yaml", "# é ü\nimage: \"x\"\n");
        assert_eq!(f.line_col(0), (1, 1));
        let off = f.text.find("\"x\"").unwrap() as u32;
        assert_eq!(f.line_col(off), (2, 8));
        assert_eq!(f.offset_of(2, 8), off);
    }

    #[test]
    fn did_you_mean_finds_close_words() {
        assert_eq!(did_you_mean("portz", ["ports", "image"]), Some("ports"));
        assert_eq!(
            did_you_mean("postgress", ["postgres", "redis"]),
            Some("postgres")
        );
        assert_eq!(did_you_mean("zzzzzz", ["ports", "image"]), None);
    }
}
