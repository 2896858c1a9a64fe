//! `stackc check`: what `stackc build` would refuse, lint findings apart, in every environment.
//!
//! The spec is compiled for `--env` and for every environment it declares, and each is lowered
//! by the backends of the chosen targets without writing anything: backend refusals (a health
//! check a target cannot run, a missing `sources` folder or lock file, a variable without a
//! value, ...) and overlay errors of any environment fail the check.

use std::path::Path;
use std::process::ExitCode;

use stackc_backends::output::EmitContext;
use stackc_backends::{EmitOptions, Target};
use stackc_compiler::diag::Diagnostic;
use stackc_compiler::pipeline::{Compiled, compile_with};
use stackc_compiler::syntax::{ParseOptions, parse_spec};

use super::{EXIT_FINDINGS, dir_of, print_diagnostics, read_input};
use crate::cli::{CheckArgs, expand};

/// The environments to check: `--env` first, then every declared one.
fn environments(a: &CheckArgs, path: &Path, bytes: &[u8], opts: &ParseOptions) -> Vec<String> {
    let mut envs = vec![a.spec.env.clone()];
    if let Ok((_, spec)) = parse_spec(&path.display().to_string(), bytes, opts) {
        for k in spec.environments.keys() {
            if !envs.contains(&k.value) {
                envs.push(k.value.clone());
            }
        }
    }
    envs
}

/// Lowers `compiled` for every target of `a`, collecting the backends' refusals.
fn lower(a: &CheckArgs, path: &Path, compiled: &Compiled) -> Vec<Diagnostic> {
    let ctx = EmitContext {
        source_root: ".".into(),
        output_from_source: ".".into(),
        spec_name: path
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_else(|| "stack.yaml".into()),
    };
    let mut errors = Vec::new();
    let targets = expand(&a.target, compiled.stack.targets.systemd.flavour);
    if targets
        .iter()
        .any(|t| matches!(t, Target::Compose | Target::Dockerfile))
    {
        errors.extend(super::build_files::missing(&compiled.stack, &dir_of(path)));
    }
    for target in targets {
        if let Err(d) =
            stackc_backends::emit(target, &compiled.stack, &ctx, &EmitOptions::default())
        {
            errors.extend(d);
        }
    }
    errors
}

/// Checks every environment; prints the errors and returns exit code 1 when there are any.
pub fn every_environment(a: &CheckArgs, path: &Path, first: &Compiled) -> Result<(), ExitCode> {
    let bytes = match read_input(path, &dir_of(path), a.spec.max_input_size) {
        Ok(b) => b,
        Err(super::InputError::Usage(code)) => return Err(code),
        Err(super::InputError::Refused(d)) => {
            print_diagnostics(&[d], a.format);
            return Err(ExitCode::from(EXIT_FINDINGS));
        }
    };
    let is_compose = super::is_compose_path(path, &bytes);
    let mut errors: Vec<Diagnostic> = Vec::new();
    let push = |d: Diagnostic, env: &str, errors: &mut Vec<Diagnostic>| {
        let same = |e: &Diagnostic| {
            e.code == d.code
                && e.message == d.message
                && e.primary.as_ref().map(|l| l.span) == d.primary.as_ref().map(|l| l.span)
        };
        if !errors.iter().any(same) {
            let mut d = d;
            d.notes.push(format!("in environment `{env}`"));
            errors.push(d);
        }
    };
    for d in lower(a, path, first) {
        push(d, &a.spec.env, &mut errors);
    }
    if !is_compose {
        let opts = ParseOptions {
            max_bytes: a.spec.max_input_size,
            ..Default::default()
        };
        for env in environments(a, path, &bytes, &opts).iter().skip(1) {
            let name = path.display().to_string();
            match compile_with(&name, &bytes, env, &dir_of(path), &opts, &a.spec.set) {
                Ok(c) => {
                    for d in lower(a, path, &c) {
                        push(d, env, &mut errors);
                    }
                }
                Err(ds) => {
                    for d in ds {
                        push(d, env, &mut errors);
                    }
                }
            }
        }
    }
    if errors.is_empty() {
        return Ok(());
    }
    errors.sort_by(|x, y| x.sort_key().cmp(&y.sort_key()));
    print_diagnostics(&errors, a.format);
    Err(ExitCode::from(EXIT_FINDINGS))
}
