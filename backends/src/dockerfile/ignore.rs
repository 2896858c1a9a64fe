//! The `.dockerignore` written next to each generated Dockerfile.
//!
//! BuildKit reads `<name>.dockerignore` next to a Dockerfile named `<name>` in preference to the
//! context's `.dockerignore`, so `api.Dockerfile.dockerignore` applies to `api.Dockerfile` only
//! and the project's own `.dockerignore` (if any) stays untouched.
//!
//! Invariants:
//! - the defaults exclude version control, local environment files, credential files,
//!   dependency folders and build outputs at any depth (`**/`), so `COPY . ...` never sends
//!   them to the builder;
//! - the recipe's `ignore` patterns come last, so a `!pattern` can re-include a default;
//! - one pattern is one line: a pattern with a line break or another control character is
//!   refused (`STK060` at its span), so no spec value can add a pattern.

use stackc_compiler::diag::{Diagnostic, Span};
use stackc_compiler::ir::{BuildRecipe, Service, Stack};

use super::CODE_UNWRITABLE;

/// Groups of default patterns, each under a comment.
pub const DEFAULT_PATTERNS: &[(&str, &[&str])] = &[
    (
        "Version control and local environment files",
        &["**/.git", "**/.env*"],
    ),
    (
        "Credentials",
        &[
            "**/*.pem",
            "**/*.key",
            "**/*.p12",
            "**/*.pfx",
            "**/id_rsa*",
            "**/id_ecdsa*",
            "**/id_ed25519*",
            "**/.netrc",
            "**/.npmrc",
            "**/.pypirc",
            "**/secrets",
        ],
    ),
    (
        "Dependencies and build outputs (the image builds its own)",
        &[
            "**/node_modules",
            "**/.venv",
            "**/__pycache__",
            "**/*.pyc",
            "**/.pytest_cache",
            "**/.mypy_cache",
            "**/.ruff_cache",
            "**/target",
            "**/dist",
        ],
    ),
];

/// The `.dockerignore` text for `recipe`. `header` holds the generated-file comment lines;
/// `output_dir` is stackc's output directory relative to the build context, when it lies inside
/// it (so regenerated outputs do not change the context).
pub fn render(
    stack: &Stack,
    svc: &Service,
    recipe: &BuildRecipe,
    header: &[String],
    output_dir: Option<&str>,
) -> Result<String, Vec<Diagnostic>> {
    let mut errors = Vec::new();
    let mut text = String::new();
    for line in header {
        if !is_one_line(line) {
            errors.push(Diagnostic::error(
                CODE_UNWRITABLE,
                format!("cannot write the .dockerignore header line {line:?}"),
            ));
            continue;
        }
        text.push_str(&format!("# {line}\n"));
    }
    for (title, patterns) in DEFAULT_PATTERNS {
        text.push_str(&format!("\n# {title}\n"));
        for p in *patterns {
            text.push_str(p);
            text.push('\n');
        }
    }
    if let Some(dir) = output_dir.filter(|d| is_one_line(d) && *d != ".") {
        text.push_str("\n# stackc's output directory\n");
        text.push_str(dir);
        text.push('\n');
    }
    if !recipe.ignore.is_empty() {
        text.push_str("\n# From the spec (`build.ignore`)\n");
    }
    for p in &recipe.ignore {
        if !is_one_line(&p.value) {
            errors.push(refused(stack, svc, &p.value, p.span));
            continue;
        }
        text.push_str(p.value.trim());
        text.push('\n');
    }
    if errors.is_empty() {
        Ok(text)
    } else {
        Err(errors)
    }
}

/// No line break or other control character (a tab is fine).
fn is_one_line(s: &str) -> bool {
    !s.chars().any(|c| c.is_control() && c != '\t')
        && !s.contains(['\u{85}', '\u{2028}', '\u{2029}'])
}

fn refused(stack: &Stack, svc: &Service, value: &str, span: Span) -> Diagnostic {
    Diagnostic::error(
        CODE_UNWRITABLE,
        format!(
            "cannot write the .dockerignore of service `{}`: pattern {value:?} contains a line break or control character",
            svc.name.value
        ),
    )
    .at(&stack.file, span, "this pattern")
    .help("write one pattern per list item")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_cover_what_stk801_requires() {
        let all: Vec<&str> = DEFAULT_PATTERNS
            .iter()
            .flat_map(|(_, p)| p.iter().copied())
            .collect();
        for required in [
            "**/.git",
            "**/.env*",
            "**/*.pem",
            "**/*.key",
            "**/node_modules",
            "**/target",
            "**/.venv",
            "**/__pycache__",
        ] {
            assert!(all.contains(&required), "{required}");
        }
    }

    #[test]
    fn one_line() {
        assert!(is_one_line("a\tb"));
        assert!(!is_one_line("a\nb"));
        assert!(!is_one_line("a\rb"));
        assert!(!is_one_line("a\u{2028}b"));
    }
}
