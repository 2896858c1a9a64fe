//! Reports of lint findings: the human one (miette renderings of excerpts), `short`, JSON,
//! SARIF 2.1.0 and GitHub Actions annotations. Reports are pure functions of the
//! findings: no clock, no environment, so they can be golden files.

mod excerpt;
mod github;
pub mod human;
mod json;
mod sarif;
mod short;

pub use github::{escape_data, escape_property, github, write_github};
pub use json::{json, write_json};
pub use sarif::{SarifOptions, sarif, write_sarif};
pub use short::{short, write_short};

use crate::diag::{Label, Severity};

/// Tool name in every report.
pub const TOOL_NAME: &str = "stackc";
/// Tool version in every report.
pub const TOOL_VERSION: &str = env!("CARGO_PKG_VERSION");

/// 1-based start and end (exclusive) positions of a label, columns in characters.
pub(crate) struct Region {
    pub file: String,
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
}

impl Region {
    pub(crate) fn of(l: &Label) -> Region {
        let (line, column) = l.file.line_col(l.span.start);
        let (end_line, end_column) = l.file.line_col(l.span.end.max(l.span.start));
        Region {
            file: l.file.name.clone(),
            line,
            column,
            end_line,
            end_column,
        }
    }
}

/// Counts of unsuppressed findings by severity, and of suppressed ones.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    pub suppressed: usize,
}

impl Summary {
    pub fn of(findings: &[super::Finding]) -> Summary {
        let mut s = Summary::default();
        for f in findings {
            if f.is_suppressed() {
                s.suppressed += 1;
                continue;
            }
            match f.severity() {
                Severity::Error => s.errors += 1,
                Severity::Warning => s.warnings += 1,
                Severity::Info => s.infos += 1,
            }
        }
        s
    }
}
