//! Rendering diagnostics for people (miette, rustc-like) and machines (JSON).

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};

use stackc_compiler::diag::Diagnostic;
use stackc_compiler::lint::report::human;

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

/// Renders diagnostics the way people read them: a header line with `file:line:col`, the
/// source snippet with labels, and the help.
pub fn human(diags: &[Diagnostic]) -> String {
    human_with(diags, color(), 100)
}

/// [`human`] with explicit colour and width (snapshots use no colour, width 80).
pub fn human_with(diags: &[Diagnostic], color: bool, width: usize) -> String {
    let handler = human::handler(color, width);
    let mut out = String::new();
    for d in diags {
        human::render_one(&handler, d, &mut out);
    }
    out
}

/// Writes the human rendering of `diags` to `w` one diagnostic at a time.
pub fn human_to(w: &mut dyn std::io::Write, diags: &[&Diagnostic]) -> std::io::Result<()> {
    human::write_human(w, diags, color(), 100)
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
                "target": l.target.name(),
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
        "code": d.code.as_str(),
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
