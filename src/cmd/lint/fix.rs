//! `stackc lint --fix`: applies the findings' mechanical fixes to each file in place, by byte
//! spans (comments, key order and formatting survive), after checking that the result still
//! compiles; the file is replaced atomically, or left untouched.

use std::path::Path;

use stackc_compiler::diag::Severity;
use stackc_compiler::lint::fix::{Fix, apply};
use stackc_compiler::lint::{Finding, Settings};
use stackc_compiler::syntax::ParseOptions;

use super::{Input, display_name, lint_file};

/// What `--fix` did to one file: a line per change (`file:line: what`), and whether the file
/// was refused (its fixed text did not compile, or it could not be written).
#[derive(Debug, Default)]
pub struct Outcome {
    pub changes: Vec<String>,
    pub refused: Option<String>,
}

/// Fixes one file in environment `env`.
pub fn fix_file(
    input: &Input,
    bytes: &[u8],
    env: &str,
    opts: &ParseOptions,
    settings: &Settings,
) -> Outcome {
    let name = display_name(&input.path);
    let Ok(text) = std::str::from_utf8(bytes) else {
        return Outcome::default();
    };
    let before = lint_file(input, bytes, env, opts, settings, &[]);
    let (fixes, lines, prints) = fixes_of(&before);
    if fixes.is_empty() {
        return Outcome::default();
    }
    let applied = apply(text, &fixes);
    if applied.applied.is_empty() {
        return Outcome::default();
    }
    let after = lint_file(input, applied.text.as_bytes(), env, opts, settings, &[]);
    if compile_errors(&after) > compile_errors(&before) {
        return Outcome {
            changes: Vec::new(),
            refused: Some(format!(
                "{name}: fixes not applied: the fixed file would not compile (left untouched)"
            )),
        };
    }
    if let Err(e) = write_atomically(&input.path, applied.text.as_bytes()) {
        return Outcome {
            changes: Vec::new(),
            refused: Some(format!("{name}: fixes not applied: cannot write it: {e}")),
        };
    }
    let mut changes: Vec<String> = applied
        .applied
        .iter()
        .map(|&i| format!("{name}:{}: {}", lines[i], fixes[i].description))
        .collect();
    // A fix left out is worth mentioning only when its finding is still there.
    let left = |i: &&usize| after.iter().any(|f| f.fingerprint == prints[**i]);
    changes.extend(applied.skipped.iter().filter(left).map(|&i| {
        format!(
            "{name}:{}: not fixed ({}): it overlaps another fix; run `stackc lint --fix` again",
            lines[i], fixes[i].description
        )
    }));
    Outcome {
        changes,
        refused: None,
    }
}

/// The distinct fixes of the unsuppressed findings, in position order, with the line and the
/// fingerprint of their findings.
fn fixes_of(findings: &[Finding]) -> (Vec<Fix>, Vec<u32>, Vec<String>) {
    let mut fixes: Vec<Fix> = Vec::new();
    let mut lines = Vec::new();
    let mut prints = Vec::new();
    for f in findings.iter().filter(|f| !f.is_suppressed()) {
        let Some(fix) = &f.fix else { continue };
        if fixes.contains(fix) {
            continue;
        }
        let line = f.diagnostic.location().map_or(0, |(_, l, _)| l);
        fixes.push(fix.clone());
        lines.push(line);
        prints.push(f.fingerprint.clone());
    }
    (fixes, lines, prints)
}

/// Errors that no rule reported (parse, resolve and validation errors).
fn compile_errors(findings: &[Finding]) -> usize {
    findings
        .iter()
        .filter(|f| f.slug.is_none() && f.severity() == Severity::Error)
        .count()
}

/// Writes `bytes` to a temporary file beside `path` with its permissions, then renames it over
/// `path`: a reader sees the old file or the new one, never half of it.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{file_name}.stackc-fix.{}", std::process::id()));
    let permissions = std::fs::metadata(path)?.permissions();
    let result = std::fs::write(&tmp, bytes)
        .and_then(|()| std::fs::set_permissions(&tmp, permissions))
        .and_then(|()| std::fs::rename(&tmp, path));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}
