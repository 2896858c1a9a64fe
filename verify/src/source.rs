//! Output files as read, and locations in them (file and line) for diagnostics.

use std::sync::Arc;

use stackc_compiler::diag::{SourceFile, Span};

/// A place in a file: the file (output or spec) and a 1-based line.
#[derive(Clone, Debug)]
pub struct Loc {
    pub file: Arc<SourceFile>,
    pub line: u32,
}

impl Loc {
    pub fn new(file: &Arc<SourceFile>, line: u32) -> Self {
        Self {
            file: file.clone(),
            line: line.max(1),
        }
    }
    /// The location of a byte span (spec side).
    pub fn of_span(file: &Arc<SourceFile>, span: Span) -> Self {
        let (line, _) = file.line_col(span.start);
        Self::new(file, line)
    }
    /// `path:line`, as shown in messages.
    pub fn display(&self) -> String {
        format!("{}:{}", self.file.name, self.line)
    }
    /// The span of the whole line, for a diagnostic label.
    pub fn span(&self) -> Span {
        let f = &self.file;
        let index = (self.line as usize).saturating_sub(1);
        if f.line_count() == 0 || index >= f.line_count() {
            return Span::new(0, 0);
        }
        let start = f.line_start(index);
        let end = if index + 1 < f.line_count() {
            f.line_start(index + 1).saturating_sub(1)
        } else {
            f.text.len() as u32
        };
        Span::new(start, end.max(start))
    }
}

/// A value read at a location.
#[derive(Clone, Debug)]
pub struct At<T> {
    pub value: T,
    pub loc: Loc,
}

impl<T> At<T> {
    pub fn new(value: T, loc: Loc) -> Self {
        Self { value, loc }
    }
}
