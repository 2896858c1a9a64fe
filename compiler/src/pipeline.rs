//! The front half of the pipeline in one call: bytes → parse → resolve → load → validate.

use std::path::Path;
use std::sync::Arc;

use crate::diag::{Diagnostic, SourceFile};
use crate::ir::Stack;
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
