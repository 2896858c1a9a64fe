//! `stackc lint` (pre-commit and CI) and the lints `stackc build` runs: discover specs and
//! compose files, load `stackc.toml`, compile each file (compose files through the compose
//! frontend, so findings point into them), run the lint engine, print one report.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use stackc_compiler::diag::{Diagnostic, ErrorCode, Severity};
use stackc_compiler::lint::report::{self, SarifOptions, Summary};
use stackc_compiler::lint::{self as engine, Finding, Settings};
use stackc_compiler::pipeline::{Compiled, compile_for_lint};
use stackc_compiler::syntax::{ParseOptions, parse_spec};

use super::{EXIT_FINDINGS, dir_of, usage_error};
use crate::cli::{FailOn, LintArgs, LintFormat};
use crate::render;

mod discover;
mod fix;
mod project;

pub use discover::{Input, is_compose_input};
pub use project::ProjectConfigs;

/// Lint findings for `stackc build` (suppressed ones marked, not removed). A broken
/// `stackc.toml` is one error without a location, which blocks the build.
pub fn lint_for_build(compiled: &Compiled, spec: &Path) -> Vec<Diagnostic> {
    let mut configs = ProjectConfigs::default();
    match configs.for_spec(spec) {
        Ok(settings) => engine::lint(&compiled.stack, &settings).into_iter().map(|f| f.diagnostic).collect(),
        Err(message) => vec![
            Diagnostic::error(ErrorCode::InvalidConfig, message)
                .help("fix `stackc.toml` (see `stackc explain STK081`), or pass another with `stackc lint --config FILE`"),
        ],
    }
}

/// The lowest severity that fails the run.
fn threshold(f: FailOn) -> Severity {
    match f {
        FailOn::Error => Severity::Error,
        FailOn::Warning => Severity::Warning,
        FailOn::Info => Severity::Info,
    }
}

/// Whether any unsuppressed finding is at or above the threshold.
pub fn fails(findings: &[Finding], fail_on: FailOn) -> bool {
    let t = threshold(fail_on);
    findings
        .iter()
        .any(|f| !f.is_suppressed() && f.severity() >= t)
}

pub fn run(args: &LintArgs) -> ExitCode {
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let inputs = match discover::inputs(&paths, args.compose) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let mut configs = match &args.config {
        Some(file) => match ProjectConfigs::explicit(file) {
            Ok(c) => c,
            Err(message) => {
                return usage_error(
                    &message,
                    "fix the configuration file, or leave `--config` out",
                );
            }
        },
        None => ProjectConfigs::default(),
    };
    let opts = ParseOptions {
        max_bytes: args.max_input_size,
        ..Default::default()
    };
    if args.fix
        && let Err(code) = fix_all(args, &inputs, &mut configs, &opts)
    {
        return code;
    }
    let mut findings = Vec::new();
    let mut declared: Vec<String> = Vec::new();
    for input in &inputs {
        let settings = match configs.for_spec(&input.path) {
            Ok(s) => s,
            Err(message) => {
                return usage_error(
                    &message,
                    "fix `stackc.toml`; `stackc rules` lists the rule codes and slugs",
                );
            }
        };
        let bytes = match super::read_input(&input.path, &input.root, args.max_input_size) {
            Ok(b) => b,
            Err(super::InputError::Usage(code)) => return code,
            Err(super::InputError::Refused(d)) => {
                findings.push(Finding::from_diagnostic(d));
                continue;
            }
        };
        let input = &input.as_read(&bytes);
        if !input.compose
            && let Ok((_, spec)) = parse_spec(&display_name(&input.path), &bytes, &opts)
        {
            declared.extend(spec.variables.keys().map(|k| k.value.clone()));
        }
        findings.extend(lint_file(
            input, &bytes, &args.env, &opts, &settings, &args.set,
        ));
    }
    if let Err(code) = super::check_set_names(&args.set, &declared) {
        return code;
    }
    findings.sort_by(|a, b| a.diagnostic.sort_key().cmp(&b.diagnostic.sort_key()));
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let written = write_report(&mut out, &findings, args.format, inputs.len())
        .and_then(|()| std::io::Write::flush(&mut out));
    if let Err(e) = written
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        return usage_error(
            &format!("cannot write the report: {e}"),
            "check standard output",
        );
    }
    if fails(&findings, args.fail_on) {
        ExitCode::from(EXIT_FINDINGS)
    } else {
        ExitCode::SUCCESS
    }
}

/// `--fix`: fixes every input in place and lists the changes (on stderr when the report on
/// stdout is machine-readable).
fn fix_all(
    args: &LintArgs,
    inputs: &[Input],
    configs: &mut ProjectConfigs,
    opts: &ParseOptions,
) -> Result<(), ExitCode> {
    let machine = !matches!(args.format, LintFormat::Human | LintFormat::Short);
    for input in inputs {
        let settings = configs.for_spec(&input.path).map_err(|message| {
            usage_error(
                &message,
                "fix `stackc.toml`; `stackc rules` lists the rule codes and slugs",
            )
        })?;
        // A refused input (outside the project, not a regular file) is reported by the lint
        // run that follows, and never edited.
        let bytes = match super::read_input(&input.path, &input.root, args.max_input_size) {
            Ok(b) => b,
            Err(super::InputError::Usage(code)) => return Err(code),
            Err(super::InputError::Refused(_)) => continue,
        };
        let outcome = fix::fix_file(&input.as_read(&bytes), &bytes, &args.env, opts, &settings);
        for line in &outcome.changes {
            if machine {
                eprintln!("fixed {line}");
            } else {
                println!("fixed {line}");
            }
        }
        if let Some(refused) = outcome.refused {
            eprintln!("{refused}");
        }
    }
    Ok(())
}

/// The name a spec is reported under: the path as given, without a leading `./`.
fn display_name(path: &Path) -> String {
    let s = path.display().to_string();
    s.strip_prefix("./").map(str::to_string).unwrap_or(s)
}

/// Lints one spec or compose file in `env`, or in every environment it declares when `env` is
/// `all` (compose files: `dev` and `prod`).
pub fn lint_file(
    input: &Input,
    bytes: &[u8],
    env: &str,
    opts: &ParseOptions,
    settings: &Settings,
    sets: &[(String, String)],
) -> Vec<Finding> {
    let name = display_name(&input.path);
    if env != "all" {
        return lint_env(&name, input, bytes, env, opts, settings, sets);
    }
    let envs: Vec<String> = if input.compose {
        vec!["dev".into(), "prod".into()]
    } else {
        match parse_spec(&name, bytes, opts) {
            Ok((_, spec)) if !spec.environments.is_empty() => {
                spec.environments.keys().map(|k| k.value.clone()).collect()
            }
            Ok(_) => vec!["dev".into(), "prod".into()],
            Err((_, diags)) => return diags.into_iter().map(Finding::from_diagnostic).collect(),
        }
    };
    // The same finding in several environments is reported once, at its highest severity.
    let mut merged: BTreeMap<String, (Finding, Vec<String>)> = BTreeMap::new();
    for e in &envs {
        for f in lint_env(&name, input, bytes, e, opts, settings, sets) {
            match merged.get_mut(&f.fingerprint) {
                Some((kept, in_envs)) => {
                    in_envs.push(e.clone());
                    if f.severity() > kept.severity() {
                        *kept = f;
                    }
                }
                None => {
                    merged.insert(f.fingerprint.clone(), (f, vec![e.clone()]));
                }
            }
        }
    }
    merged
        .into_values()
        .map(|(mut f, in_envs)| {
            if in_envs.len() < envs.len() {
                f.diagnostic.notes.push(format!(
                    "in environment{} {}",
                    if in_envs.len() == 1 { "" } else { "s" },
                    in_envs.join(", ")
                ));
            }
            f
        })
        .collect()
}

fn lint_env(
    name: &str,
    input: &Input,
    bytes: &[u8],
    env: &str,
    opts: &ParseOptions,
    settings: &Settings,
    sets: &[(String, String)],
) -> Vec<Finding> {
    let dir = dir_of(&input.path);
    let resolved = if input.compose {
        stackc_compiler::front::compose::compile_for_lint(name, bytes, env, &dir, opts)
    } else {
        compile_for_lint(name, bytes, env, &dir, opts, sets)
    };
    // A validation error (a bind mount in prod) is reported with every finding, not instead of
    // them.
    let mut f: Vec<Finding> = match resolved {
        Ok(r) => {
            let mut f = engine::lint(&r.stack, settings);
            f.extend(r.errors.into_iter().map(Finding::from_diagnostic));
            f
        }
        Err(diags) => diags.into_iter().map(Finding::from_diagnostic).collect(),
    };
    engine::finish(&mut f);
    f
}

/// The report in the chosen format, streamed to `w` (a finding at a time for the line
/// formats and the human one).
pub fn write_report(
    w: &mut dyn std::io::Write,
    findings: &[Finding],
    format: LintFormat,
    files: usize,
) -> std::io::Result<()> {
    match format {
        LintFormat::Human => human(w, findings, files),
        LintFormat::Short => report::write_short(w, findings),
        LintFormat::Json => report::write_json(w, findings),
        LintFormat::Github => report::write_github(w, findings),
        LintFormat::Sarif => report::write_sarif(w, findings, &SarifOptions { srcroot: srcroot() }),
    }
}

/// The current directory as a `file://` URI ending in `/`, for SARIF's `%SRCROOT%`.
fn srcroot() -> Option<String> {
    let cwd = std::env::current_dir().ok()?;
    let mut s = String::from("file://");
    for b in cwd.to_string_lossy().bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                s.push(b as char)
            }
            _ => s.push_str(&format!("%{b:02X}")),
        }
    }
    if !s.ends_with('/') {
        s.push('/');
    }
    Some(s)
}

/// miette reports of the unsuppressed findings, then a summary line.
fn human(w: &mut dyn std::io::Write, findings: &[Finding], files: usize) -> std::io::Result<()> {
    let shown: Vec<&Diagnostic> = findings
        .iter()
        .filter(|f| !f.is_suppressed())
        .map(|f| &f.diagnostic)
        .collect();
    render::human_to(w, &shown)?;
    w.write_all(summary_line(&Summary::of(findings), files).as_bytes())
}

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

/// `3 errors, 1 warning, 0 infos (2 suppressed) in 1 file`.
pub fn summary_line(s: &Summary, files: usize) -> String {
    let counts = if s.errors + s.warnings + s.infos == 0 {
        "no findings".to_string()
    } else {
        format!(
            "{}, {}, {}",
            plural(s.errors, "error"),
            plural(s.warnings, "warning"),
            plural(s.infos, "info")
        )
    };
    let suppressed = if s.suppressed > 0 {
        format!(" ({} suppressed)", s.suppressed)
    } else {
        String::new()
    };
    format!("{counts}{suppressed} in {}\n", plural(files, "file"))
}
