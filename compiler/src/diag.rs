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
    /// Characters before a byte offset, every [`CHAR_STEP`] bytes (empty for ASCII text,
    /// where a column is a byte difference): a column costs at most a step, not a line.
    char_marks: Vec<(u32, u32)>,
}

/// Distance between the character-count marks of a non-ASCII source.
const CHAR_STEP: usize = 256;

impl SourceFile {
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Arc<Self> {
        let text = text.into();
        let mut line_starts = vec![0u32];
        for (i, b) in text.bytes().enumerate() {
            if b == b'\n' {
                line_starts.push((i + 1) as u32);
            }
        }
        let char_marks = char_marks(&text);
        Arc::new(Self {
            name: name.into(),
            text,
            line_starts,
            char_marks,
        })
    }

    /// Number of characters before byte `offset` (a char boundary).
    fn chars_before(&self, offset: usize) -> usize {
        if self.char_marks.is_empty() {
            return offset;
        }
        let i = self
            .char_marks
            .partition_point(|m| m.0 as usize <= offset)
            .saturating_sub(1);
        let (at, count) = self.char_marks[i];
        count as usize + self.text[at as usize..offset].chars().count()
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
        let col = (self.chars_before(end) - self.chars_before(start)) as u32 + 1;
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

/// The character-count marks of a text: none for ASCII, else one per [`CHAR_STEP`] bytes.
fn char_marks(text: &str) -> Vec<(u32, u32)> {
    if text.is_ascii() {
        return Vec::new();
    }
    let mut marks = vec![(0u32, 0u32)];
    let mut next = CHAR_STEP;
    for (count, (i, _)) in text.char_indices().enumerate() {
        if i >= next {
            marks.push((i as u32, count as u32));
            next = i + CHAR_STEP;
        }
    }
    marks
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

pub use crate::lint::codes::ErrorCode;

/// The code of a diagnostic: an `STK0xx` error from the code table, or a lint rule's code
/// (`STK1xx` and up) from the rule registry. Reports show either as its text.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub enum Code {
    Error(ErrorCode),
    /// A lint rule's registered code.
    Rule(&'static str),
}

impl Code {
    /// The code as written in reports, e.g. `STK010` or `STK101`.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::Error(e) => e.code(),
            Code::Rule(r) => r,
        }
    }
    /// The error code, unless this is a lint rule's finding.
    pub fn error(self) -> Option<ErrorCode> {
        match self {
            Code::Error(e) => Some(e),
            Code::Rule(_) => None,
        }
    }
}

impl From<ErrorCode> for Code {
    fn from(e: ErrorCode) -> Self {
        Code::Error(e)
    }
}

/// Ordered by text, as the codes sort in reports.
impl Ord for Code {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl PartialOrd for Code {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Shown as the quoted code, so test failures compare with `"STK051"` at a glance.
impl fmt::Debug for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl PartialEq<ErrorCode> for Code {
    fn eq(&self, other: &ErrorCode) -> bool {
        *self == Code::Error(*other)
    }
}

impl PartialEq<str> for Code {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Code {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// One problem to report: a stable code, a message, where, and what to do.
#[derive(Clone, Debug)]
pub struct Diagnostic {
    /// Stable code, e.g. `STK010` or `STK101`.
    pub code: Code,
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
    /// An error with a code of the code table (`STK0xx`).
    pub fn error(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::with_code(Code::Error(code), message)
    }
    /// A lint rule's finding, with the rule's registered code; its severity is the rule's level.
    pub fn lint(rule_code: &'static str, message: impl Into<String>) -> Self {
        Self::with_code(Code::Rule(rule_code), message)
    }
    fn with_code(code: Code, message: impl Into<String>) -> Self {
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
                self.code.as_str(),
                self.message.as_str(),
            ),
            None => ("", 0, self.code.as_str(), self.message.as_str()),
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

/// Whether a character must not reach a terminal as it is: C0 and C1 controls (ESC starts
/// terminal escape sequences, BEL rings), DEL, and the bidirectional controls that reorder
/// what is shown (Trojan Source). Tab and newline are layout, not controls, here.
pub fn is_unsafe_char(c: char) -> bool {
    (c.is_control() && c != '\t' && c != '\n')
        || matches!(c, '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `s` with every unsafe character (see [`is_unsafe_char`]) written as a visible escape such
/// as `\u{1b}`; borrowed when there is none.
pub fn escape_controls(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(is_unsafe_char) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_unsafe_char(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
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
        // A long non-ASCII line: columns through the marks match a plain count.
        let line = "é".repeat(1000) + "x";
        let f = SourceFile::new("b.yaml", format!("a\n{line}\n"));
        let x = f.text.find('x').unwrap() as u32;
        assert_eq!(f.line_col(x), (2, 1001));
        assert_eq!(f.line_col(x + 1), (2, 1002));
    }

    #[test]
    fn controls_and_bidi_characters_are_escaped() {
        assert_eq!(
            escape_controls("a\u{1b}[31mb\u{7}\tc\u{202e}d\u{85}"),
            "a\\u{1b}[31mb\\u{7}\tc\\u{202e}d\\u{85}"
        );
        assert!(matches!(
            escape_controls("plain é"),
            std::borrow::Cow::Borrowed(_)
        ));
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
