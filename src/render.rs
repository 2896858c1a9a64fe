//! Rendering diagnostics for people (miette, rustc-like) and machines (JSON).

mod snippet;

use std::fmt;
use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};

use std::sync::Arc;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, SourceCode};
use stackc_compiler::diag::{Diagnostic, Severity, escape_controls};

use crate::cli::ColorChoice;

static COLOR: AtomicBool = AtomicBool::new(false);

/// Decides colour once: `--color`, then `NO_COLOR`, then whether stderr is a terminal.
pub fn init_color(choice: ColorChoice) {
    let on = match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stderr().is_terminal()
        }
    };
    COLOR.store(on, Ordering::Relaxed);
}

fn color() -> bool {
    COLOR.load(Ordering::Relaxed)
}

/// Adapts a [`Diagnostic`] to miette's protocol: the source is an [`snippet::Excerpt`] of the
/// lines around the labels (clipped, escaped), and every text is escaped.
struct Miette<'a> {
    d: &'a Diagnostic,
    source: Option<snippet::Excerpt>,
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
        let (excerpt, at) = snippet::excerpt(&p.file, &spans);
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

/// Renders diagnostics the way people read them: a header line with `file:line:col`, the
/// source snippet with labels, and the help.
pub fn human(diags: &[Diagnostic]) -> String {
    human_with(diags, color(), 100)
}

/// [`human`] with explicit colour and width (snapshots use no colour, width 80).
pub fn human_with(diags: &[Diagnostic], color: bool, width: usize) -> String {
    let handler = handler(color, width);
    let mut out = String::new();
    for d in diags {
        render_one(&handler, d, &mut out);
    }
    out
}

/// Writes the human rendering of `diags` to `w` one diagnostic at a time (a report of many
/// findings is never held whole in memory).
pub fn human_to(w: &mut dyn std::io::Write, diags: &[&Diagnostic]) -> std::io::Result<()> {
    let handler = handler(color(), 100);
    let mut out = String::new();
    for d in diags {
        out.clear();
        render_one(&handler, d, &mut out);
        w.write_all(out.as_bytes())?;
    }
    Ok(())
}

fn handler(color: bool, width: usize) -> GraphicalReportHandler {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    GraphicalReportHandler::new_themed(theme)
        .with_width(width)
        .with_links(false)
}

/// One diagnostic: the `file:line:col: severity CODE: message` header, then miette's report.
fn render_one(handler: &GraphicalReportHandler, d: &Diagnostic, out: &mut String) {
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

/// The JSON envelope shared by every command: `{"version": 1, "tool": ..., "diagnostics": [...]}`.
pub fn json(diags: &[Diagnostic]) -> String {
    let items: Vec<serde_json::Value> = diags.iter().map(diagnostic_json).collect();
    let v = serde_json::json!({
        "version": 1,
        "tool": { "name": "stackc", "version": env!("CARGO_PKG_VERSION") },
        "diagnostics": items,
    });
    let mut s = serde_json::to_string_pretty(&v).expect("json values serialise");
    s.push('\n');
    s
}

/// One diagnostic as JSON: code, severity, message, location (1-based, columns in characters),
/// help, secondary labels.
pub fn diagnostic_json(d: &Diagnostic) -> serde_json::Value {
    let loc = |l: &stackc_compiler::diag::Label| {
        let (line, column) = l.file.line_col(l.span.start);
        let (end_line, end_column) = l.file.line_col(l.span.end);
        serde_json::json!({
            "file": l.file.name, "line": line, "column": column,
            "end_line": end_line, "end_column": end_column, "label": l.message,
        })
    };
    serde_json::json!({
        "code": d.code,
        "severity": d.severity.as_str(),
        "message": d.message,
        "location": d.primary.as_ref().map(loc),
        "related": d.secondary.iter().map(loc).collect::<Vec<_>>(),
        "help": d.help,
        "notes": d.notes,
        "suppressed": d.suppressed.is_some(),
        "suppression_reason": d.suppressed,
    })
}
