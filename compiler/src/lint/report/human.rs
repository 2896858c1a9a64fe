//! The human report: rustc-like miette renderings of diagnostics. Each snippet is an
//! [`excerpt`] of the lines around its labels (clipped, escaped), so a diagnostic costs the
//! same whatever the size of the file, and nothing in the file can drive the terminal.

use std::fmt;
use std::io::Write;
use std::sync::Arc;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, SourceCode};

use super::excerpt;
use crate::diag::{Diagnostic, Severity, escape_controls};

/// Adapts a [`Diagnostic`] to miette's protocol: the source is an [`excerpt::Excerpt`] of the
/// lines around the labels (clipped, escaped), and every text is escaped.
struct Miette<'a> {
    d: &'a Diagnostic,
    source: Option<excerpt::Excerpt>,
    labels: Vec<LabeledSpan>,
}

impl<'a> Miette<'a> {
    fn new(d: &'a Diagnostic) -> Self {
        let Some(p) = d.primary.as_ref() else {
            return Self {
                d,
                source: None,
                labels: Vec::new(),
            };
        };
        let same_file: Vec<_> = d
            .secondary
            .iter()
            .filter(|s| Arc::ptr_eq(&s.file, &p.file))
            .collect();
        let mut spans = vec![p.span];
        spans.extend(same_file.iter().map(|s| s.span));
        let (excerpt, at) = excerpt::excerpt(&p.file, &spans);
        let mut labels = vec![LabeledSpan::new_primary_with_span(
            Some(escape_controls(&p.message).into_owned()).filter(|m| !m.is_empty()),
            at[0],
        )];
        for (s, span) in same_file.iter().zip(&at[1..]) {
            labels.push(LabeledSpan::new_with_span(
                Some(escape_controls(&s.message).into_owned()),
                *span,
            ));
        }
        Self {
            d,
            source: Some(excerpt),
            labels,
        }
    }
}

impl fmt::Debug for Miette<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&escape_controls(&self.d.message))
    }
}
impl fmt::Display for Miette<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&escape_controls(&self.d.message))
    }
}
impl std::error::Error for Miette<'_> {}

impl miette::Diagnostic for Miette<'_> {
    // The code is on the header line stackc prints above miette's report.
    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.d.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Info => miette::Severity::Advice,
        })
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        let mut text = String::new();
        if let Some(h) = &self.d.help {
            text.push_str(h);
        }
        for n in &self.d.notes {
            if !text.is_empty() {
                text.push('\n');
            }
            text.push_str("note: ");
            text.push_str(n);
        }
        if let Some(r) = &self.d.suppressed {
            if !text.is_empty() {
                text.push('\n');
            }
            text.push_str("suppressed: ");
            text.push_str(r);
        }
        let text = escape_controls(&text).into_owned();
        (!text.is_empty()).then(|| Box::new(text) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.as_ref().map(|s| s as &dyn SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.labels.is_empty() {
            return None;
        }
        Some(Box::new(self.labels.iter().cloned()))
    }
}

/// The miette handler of the human report.
pub fn handler(color: bool, width: usize) -> GraphicalReportHandler {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    GraphicalReportHandler::new_themed(theme)
        .with_width(width)
        .with_links(false)
}

/// Writes the human rendering of `diags` to `w` one diagnostic at a time (a report of many
/// findings is never held whole in memory).
pub fn write_human(
    w: &mut dyn Write,
    diags: &[&Diagnostic],
    color: bool,
    width: usize,
) -> std::io::Result<()> {
    let handler = handler(color, width);
    let mut out = String::new();
    for d in diags {
        out.clear();
        render_one(&handler, d, &mut out);
        w.write_all(out.as_bytes())?;
    }
    Ok(())
}

/// One diagnostic: the `file:line:col: severity CODE: message` header, then miette's report.
pub fn render_one(handler: &GraphicalReportHandler, d: &Diagnostic, out: &mut String) {
    let m = Miette::new(d);
    if let Some((file, line, col)) = d.location() {
        out.push_str(&format!(
            "{}:{line}:{col}: {} {}: {}\n",
            escape_controls(&file),
            d.severity,
            d.code,
            escape_controls(&d.message)
        ));
    }
    let _ = handler.render_report(out, &m);
    out.push('\n');
}
