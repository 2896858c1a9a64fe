//! `stackc lint` and the lints `stackc build` runs. (The lint engine is being built; until it
//! lands, `build` runs no lint and `stackc lint` says so.)

use std::path::Path;
use std::process::ExitCode;

use stackc_compiler::diag::Diagnostic;
use stackc_compiler::pipeline::Compiled;

use crate::cli::LintArgs;

/// Lint findings for `stackc build` (suppressed ones marked, not removed).
pub fn lint_for_build(_compiled: &Compiled, _spec: &Path) -> Vec<Diagnostic> {
    Vec::new()
}

pub fn run(_args: &LintArgs) -> ExitCode {
    super::usage_error("the lint engine is not available in this build", "use `stackc check` to validate a spec")
}
