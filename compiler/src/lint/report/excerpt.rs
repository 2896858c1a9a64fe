//! The source excerpt of one diagnostic, made safe and cheap to print: only the lines around
//! its labels, long lines clipped to a window around the label (marked with `…`), control and
//! bidirectional characters escaped (`\u{1b}`). miette renders the excerpt as if it were the
//! file: line numbers and the `[file:line:col]` header keep the real positions.
//!
//! The cost of a diagnostic depends on its labels, not on the size of the file or the length
//! of its lines (a 100 KB one-line spec, a finding at column 70 000).

use crate::diag::{SourceFile, Span, is_unsafe_char};
use miette::{MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};

/// Lines shown around each label (miette's default context).
const CONTEXT: usize = 1;
/// A label over more lines is cut to its first line.
const MAX_LABEL_LINES: usize = 12;
/// A line longer than this (in bytes) is clipped to a window around its first label.
const MAX_LINE: usize = 160;
/// Characters shown before and after a clipped line's anchor.
const BEFORE: usize = 40;
const AFTER: usize = 100;
const ELLIPSIS: &str = "…";

/// Contiguous real lines of the file, as excerpted.
struct Window {
    /// Byte range in the excerpt.
    start: usize,
    end: usize,
    /// 0-based real line of its first line.
    first_line: usize,
    /// Excerpt offsets where its lines start.
    line_starts: Vec<usize>,
}

/// The excerpt miette reads instead of the file.
pub struct Excerpt {
    name: String,
    text: String,
    windows: Vec<Window>,
    /// For each label start in the excerpt: its real 0-based column.
    columns: Vec<(usize, usize)>,
}

/// A label's place: start and end byte offsets in the file, cut to what is shown.
#[derive(Clone, Copy)]
struct Place {
    start: usize,
    end: usize,
    line: usize,
}

/// Excerpts `file` around `spans`; returns the excerpt and each span as `(offset, len)` in it.
pub fn excerpt(file: &SourceFile, spans: &[Span]) -> (Excerpt, Vec<(usize, usize)>) {
    let places: Vec<Place> = spans.iter().map(|s| place(file, *s)).collect();
    let ranges = line_ranges(file, &places);
    let mut ex = Excerpt {
        name: crate::diag::escape_controls(&file.name).into_owned(),
        text: String::new(),
        windows: Vec::new(),
        columns: Vec::new(),
    };
    // Excerpt offsets of every place's start and end, filled in as their lines are written.
    let mut mapped = vec![(0usize, 0usize); places.len()];
    for (first, last) in ranges {
        if !ex.text.is_empty() {
            ex.text.push('\n');
        }
        let mut w = Window {
            start: ex.text.len(),
            end: 0,
            first_line: first,
            line_starts: Vec::new(),
        };
        for line in first..=last {
            if line > first {
                ex.text.push('\n');
            }
            w.line_starts.push(ex.text.len());
            write_line(file, line, &places, &mut mapped, &mut ex.text);
        }
        w.end = ex.text.len();
        ex.windows.push(w);
    }
    let mut out = Vec::with_capacity(places.len());
    for (p, (s, e)) in places.iter().zip(&mapped) {
        let col = file.line_col(p.start as u32).1 as usize - 1;
        ex.columns.push((*s, col));
        out.push((*s, e.saturating_sub(*s)));
    }
    (ex, out)
}

/// A span clamped to the text and to char boundaries, cut to its first line when it covers
/// more than [`MAX_LABEL_LINES`], and to the end of its last line.
fn place(file: &SourceFile, span: Span) -> Place {
    let text = &file.text;
    let mut start = (span.start as usize).min(text.len());
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = (span.end as usize).clamp(start, text.len());
    while !text.is_char_boundary(end) {
        end += 1;
    }
    let line = file.line_index(start as u32);
    let last = file.line_index(end.saturating_sub(1).max(start) as u32);
    let last = if last - line > MAX_LABEL_LINES {
        line
    } else {
        last
    };
    end = end.min(line_end(file, last)).max(start);
    Place { start, end, line }
}

/// Byte offset of the end of 0-based line `line` (before `\r\n` or `\n`).
fn line_end(file: &SourceFile, line: usize) -> usize {
    let bytes = file.text.as_bytes();
    let mut end = file.line_start(line + 1) as usize;
    if end > file.line_start(line) as usize && bytes.get(end - 1) == Some(&b'\n') {
        end -= 1;
        if end > file.line_start(line) as usize && bytes.get(end - 1) == Some(&b'\r') {
            end -= 1;
        }
    }
    end
}

/// The real line ranges to show: each label's lines with context, merged when they touch or
/// are at most two lines apart (so miette never joins two windows on its own).
fn line_ranges(file: &SourceFile, places: &[Place]) -> Vec<(usize, usize)> {
    let last_line = file.line_count().saturating_sub(1);
    let mut ranges: Vec<(usize, usize)> = places
        .iter()
        .map(|p| {
            let last = file.line_index(p.end as u32).max(p.line);
            (
                p.line.saturating_sub(CONTEXT),
                (last + CONTEXT).min(last_line),
            )
        })
        .collect();
    ranges.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for (a, b) in ranges {
        match merged.last_mut() {
            Some((_, end)) if a <= *end + 3 => *end = (*end).max(b),
            _ => merged.push((a, b)),
        }
    }
    merged
}

/// Appends real line `line` to `out`, clipped and escaped, and records where the places that
/// start or end on it land.
fn write_line(
    file: &SourceFile,
    line: usize,
    places: &[Place],
    mapped: &mut [(usize, usize)],
    out: &mut String,
) {
    let text = &file.text;
    let ls = file.line_start(line) as usize;
    let le = line_end(file, line);
    let (ws, we) = if le - ls <= MAX_LINE {
        (ls, le)
    } else {
        let anchor = places
            .iter()
            .filter(|p| p.start >= ls && p.start <= le)
            .map(|p| p.start)
            .min()
            .unwrap_or(ls);
        clip_window(text, ls, le, anchor)
    };
    let lead = out.len();
    if ws > ls {
        out.push_str(ELLIPSIS);
    }
    let body = out.len();
    let mut inner: Vec<(usize, usize)> = Vec::new();
    for (i, c) in text[ws..we].char_indices() {
        inner.push((ws + i, out.len()));
        if is_unsafe_char(c) || c == '\r' {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    let tail = out.len();
    if we < le {
        out.push_str(ELLIPSIS);
    }
    let after = out.len();
    let at = |o: usize| -> usize {
        if o < ws {
            lead
        } else if o == ws {
            body
        } else if o < we {
            let i = inner.partition_point(|(b, _)| *b <= o).saturating_sub(1);
            inner[i].1
        } else if we < le {
            after
        } else {
            tail
        }
    };
    for (p, m) in places.iter().zip(mapped.iter_mut()) {
        if p.start >= ls && p.start <= le {
            m.0 = at(p.start);
        }
        if p.end >= ls && p.end <= le {
            m.1 = at(p.end);
        }
    }
}

/// The byte range of a long line shown around `anchor`: [`BEFORE`] characters before it,
/// [`AFTER`] after.
fn clip_window(text: &str, ls: usize, le: usize, anchor: usize) -> (usize, usize) {
    let before = text[ls..anchor]
        .char_indices()
        .rev()
        .nth(BEFORE.saturating_sub(1))
        .map_or(ls, |(i, _)| ls + i);
    let after = text[anchor..le]
        .char_indices()
        .nth(AFTER)
        .map_or(le, |(i, _)| anchor + i);
    (before, after)
}

impl Excerpt {
    fn window_of(&self, offset: usize, end: usize) -> Option<&Window> {
        let i = self.windows.partition_point(|w| w.start <= offset);
        let w = self.windows.get(i.checked_sub(1)?)?;
        (end <= w.end).then_some(w)
    }
}

impl SourceCode for Excerpt {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let (offset, end) = (span.offset(), span.offset() + span.len());
        let w = self
            .window_of(offset, end)
            .ok_or(MietteError::OutOfBounds)?;
        let local = |o: usize| w.line_starts.partition_point(|s| *s <= o).saturating_sub(1);
        let first = local(offset).saturating_sub(context_lines_before);
        let last = (local(end.saturating_sub(1).max(offset)) + context_lines_after)
            .min(w.line_starts.len() - 1);
        let start = w.line_starts[first];
        let stop = w.line_starts.get(last + 1).map_or(w.end, |s| s - 1);
        let column = match self.columns.iter().find(|(o, _)| *o == offset) {
            Some((_, c)) => *c,
            None => self.text[w.line_starts[local(offset)]..offset]
                .chars()
                .count(),
        };
        Ok(Box::new(
            MietteSpanContents::new_named(
                self.name.clone(),
                &self.text.as_bytes()[start..stop],
                SourceSpan::new(start.into(), stop - start),
                w.first_line + first,
                column,
                last - first + 1,
            )
            .with_language("yaml"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_line_is_clipped_around_its_label() {
        let line = format!("k: \"{}TARGET{}\"", "a".repeat(70_000), "b".repeat(70_000));
        let f = SourceFile::new("x.yaml", format!("top: 1\n{line}\nend: 2\n"));
        let at = f.text.find("TARGET").unwrap() as u32;
        let (ex, spans) = excerpt(&f, &[Span::new(at, at + 6)]);
        assert!(ex.text.len() < 500, "{}", ex.text.len());
        let (o, l) = spans[0];
        assert_eq!(&ex.text[o..o + l], "TARGET");
        assert!(ex.text.contains("…aaaa"));
        assert!(ex.text.contains("bbbb…"));
        assert_eq!(ex.columns[0].1, 70_004);
    }

    #[test]
    fn controls_are_escaped_and_labels_follow() {
        let f = SourceFile::new("x.yaml", "a: \"\u{1b}[31mred\u{7}\"\n");
        let at = f.text.find("red").unwrap() as u32;
        let (ex, spans) = excerpt(&f, &[Span::new(at, at + 3)]);
        assert_eq!(ex.text, "a: \"\\u{1b}[31mred\\u{7}\"\n");
        let (o, l) = spans[0];
        assert_eq!(&ex.text[o..o + l], "red");
    }

    #[test]
    fn far_apart_labels_get_separate_windows() {
        let text: String = (0..100).map(|i| format!("l{i}: x\n")).collect();
        let f = SourceFile::new("x.yaml", text);
        let a = f.text.find("l10:").unwrap() as u32;
        let b = f.text.find("l80:").unwrap() as u32;
        let (ex, spans) = excerpt(&f, &[Span::new(a, a + 3), Span::new(b, b + 3)]);
        assert_eq!(ex.windows.len(), 2);
        assert_eq!(ex.windows[1].first_line, 79);
        assert_eq!(&ex.text[spans[1].0..spans[1].0 + 3], "l80");
        assert_eq!(ex.text.lines().count(), 6);
    }
}
