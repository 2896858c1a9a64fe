//! The front half of the pipeline in one call: bytes → parse → resolve → load → validate.

use std::path::Path;
use std::sync::Arc;

use crate::diag::{Diagnostic, SourceFile};
use crate::ir::Stack;
use crate::ir::Stack as IrStack;
use crate::syntax::{ParseOptions, parse_spec};
use crate::valid::{Validated, validate};

/// A spec compiled for one environment, ready for lints and backends.
pub struct Compiled {
    pub file: Arc<SourceFile>,
    pub stack: Validated<Stack>,
}

/// Compiles a spec. `project_dir` is the spec's directory (config files are read from it).
pub fn compile(
    name: &str,
    bytes: &[u8],
    env: &str,
    project_dir: &Path,
    opts: &ParseOptions,
) -> Result<Compiled, Vec<Diagnostic>> {
    compile_with(name, bytes, env, project_dir, opts, &[])
}

/// [`compile`] with variable values given on the command line (`--set NAME=VALUE`).
pub fn compile_with(
    name: &str,
    bytes: &[u8],
    env: &str,
    project_dir: &Path,
    opts: &ParseOptions,
    sets: &[(String, String)],
) -> Result<Compiled, Vec<Diagnostic>> {
    let (file, spec) = parse_spec(name, bytes, opts).map_err(|(_, d)| d)?;
    let mut stack = crate::resolve::resolve_with(&file, &spec, env, sets)?;
    let load = crate::load::load_config_files(&mut stack, project_dir);
    if !load.is_empty() {
        return Err(load);
    }
    let stack = validate(stack)?;
    Ok(Compiled { file, stack })
}

/// A stack as lint sees it: resolved and with its config files loaded, even when loading or
/// validation failed, so that one error does not hide every finding. `errors` are what
/// [`compile`] would have refused it with.
pub struct ForLint {
    pub stack: IrStack,
    pub errors: Vec<Diagnostic>,
}

/// Parses and resolves a spec for lint (see [`ForLint`]). Parse and resolve errors still come
/// alone: without a stack there is nothing to lint.
pub fn compile_for_lint(
    name: &str,
    bytes: &[u8],
    env: &str,
    project_dir: &Path,
    opts: &ParseOptions,
    sets: &[(String, String)],
) -> Result<ForLint, Vec<Diagnostic>> {
    let (file, spec) = parse_spec(name, bytes, opts).map_err(|(_, d)| d)?;
    let stack = crate::resolve::resolve_with(&file, &spec, env, sets)?;
    Ok(checked_for_lint(stack, project_dir))
}

/// Loads the config files of a resolved stack and collects the validation errors without
/// refusing it.
pub fn checked_for_lint(mut stack: IrStack, project_dir: &Path) -> ForLint {
    let mut errors = crate::load::load_config_files(&mut stack, project_dir);
    errors.extend(crate::valid::errors(&stack));
    ForLint { stack, errors }
}

/// Compiles a spec without reading its config files (their content stays `None`): lint cases,
/// which have no project directory.
pub fn compile_without_files(
    name: &str,
    bytes: &[u8],
    env: &str,
    opts: &ParseOptions,
) -> Result<Compiled, Vec<Diagnostic>> {
    let (file, spec) = parse_spec(name, bytes, opts).map_err(|(_, d)| d)?;
    let stack = crate::resolve::resolve(&file, &spec, env)?;
    let stack = validate(stack)?;
    Ok(Compiled { file, stack })
}
