//! Rendering diagnostics for people (miette, rustc-like) and machines (JSON).

use std::fmt;
use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};

use std::sync::Arc;

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents,
    SourceCode, SourceSpan, SpanContents,
};
use stackc_compiler::diag::SourceFile;
use stackc_compiler::diag::{Diagnostic, Severity};

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

/// A source file shown by miette without copying its text.
struct Src(Arc<SourceFile>);

impl SourceCode for Src {
    /// The span with its context lines, found through the file's line index: no scan of the
    /// text before it, so rendering many diagnostics of a large file stays linear.
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let f = &self.0;
        let len = f.text.len();
        if span.offset() + span.len() > len {
            return Err(MietteError::OutOfBounds);
        }
        let first = f.line_index(span.offset() as u32);
        let last =
            f.line_index((span.offset() + span.len().saturating_sub(1)).max(span.offset()) as u32);
        let start_line = first.saturating_sub(context_lines_before);
        let end_line = (last + context_lines_after).min(f.line_count() - 1);
        let start = f.line_start(start_line) as usize;
        let end = f.line_start(end_line + 1) as usize;
        let mut end = end.min(len);
        // Like miette's own reader, the contents end before the last line's newline.
        if end > start && f.text.as_bytes()[end - 1] == b'\n' {
            end -= 1;
            if end > start && f.text.as_bytes()[end - 1] == b'\r' {
                end -= 1;
            }
        }
        let data = &f.text.as_bytes()[start..end];
        Ok(Box::new(
            MietteSpanContents::new_named(
                f.name.clone(),
                data,
                SourceSpan::new(start.into(), end - start),
                start_line,
                {
                    let line_start = f.line_start(first) as usize;
                    f.text
                        .get(line_start..span.offset())
                        .map_or(span.offset() - line_start, |t| t.chars().count())
                },
                end_line - start_line + 1,
            )
            .with_language("yaml"),
        ))
    }
}

/// Adapts a [`Diagnostic`] to miette's protocol.
struct Miette<'a> {
    d: &'a Diagnostic,
    source: Option<Src>,
}

impl fmt::Debug for Miette<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.d.message)
    }
}
impl fmt::Display for Miette<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.d.message)
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
        (!text.is_empty()).then(|| Box::new(text) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.as_ref().map(|s| s as &dyn SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let p = self.d.primary.as_ref()?;
        let mut labels = vec![LabeledSpan::new_primary_with_span(
            Some(p.message.clone()).filter(|m| !m.is_empty()),
            (p.span.start as usize, p.span.len() as usize),
        )];
        for s in &self.d.secondary {
            if std::sync::Arc::ptr_eq(&s.file, &p.file) {
                labels.push(LabeledSpan::new_with_span(
                    Some(s.message.clone()),
                    (s.span.start as usize, s.span.len() as usize),
                ));
            }
        }
        Some(Box::new(labels.into_iter()))
    }
}

/// Renders diagnostics the way people read them: a header line with `file:line:col`, the
/// source snippet with labels, and the help.
pub fn human(diags: &[Diagnostic]) -> String {
    human_with(diags, color(), 100)
}

/// [`human`] with explicit colour and width (snapshots use no colour, width 80).
pub fn human_with(diags: &[Diagnostic], color: bool, width: usize) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(width)
        .with_links(false);
    let mut out = String::new();
    for d in diags {
        let source = d.primary.as_ref().map(|p| Src(p.file.clone()));
        let m = Miette { d, source };
        if let Some((file, line, col)) = d.location() {
            out.push_str(&format!(
                "{file}:{line}:{col}: {} {}: {}\n",
                d.severity, d.code, d.message
            ));
        }
        let _ = handler.render_report(&mut out, &m);
        out.push('\n');
    }
    out
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

/// Diagnostics and the loss report as JSON (`stackc build --format json`): the [`json`]
/// document plus `losses`, one object per entry (target, service, feature, outcome, note).
pub fn json_with_losses(
    diags: &[Diagnostic],
    losses: &[stackc_backends::output::LossEntry],
) -> String {
    use stackc_backends::output::Outcome;
    let items: Vec<serde_json::Value> = diags.iter().map(diagnostic_json).collect();
    let losses: Vec<serde_json::Value> = losses
        .iter()
        .map(|l| {
            let (outcome, note) = match &l.outcome {
                Outcome::Approximated(n) => ("approximated", n),
                Outcome::Dropped(n) => ("dropped", n),
            };
            serde_json::json!({
                "target": l.target,
                "service": l.service,
                "feature": l.feature,
                "outcome": outcome,
                "note": note,
            })
        })
        .collect();
    let v = serde_json::json!({
        "version": 1,
        "tool": { "name": "stackc", "version": env!("CARGO_PKG_VERSION") },
        "diagnostics": items,
        "losses": losses,
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
