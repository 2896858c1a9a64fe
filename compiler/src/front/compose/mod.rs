//! The compose frontend: a docker-compose file read into the stack spec AST
//! ([`StackSpec`]), with every span pointing into the compose file, so resolution, lints and
//! backends are the stack spec's own and every finding is located in the compose file.
//!
//! Invariants:
//! - every key of a closed compose object is checked: an unknown key, a bad port, mount or
//!   interpolation is a located diagnostic (codes `STK070`-`STK079`), never a panic;
//! - `x-*` extension keys are accepted and ignored;
//! - nothing is dropped silently: what the stack spec cannot say is an [`ImportReport`] entry;
//! - no secret value reaches the spec: interpolated credentials become secret declarations,
//!   and (on import) literal ones too, with only their variable names kept.

pub mod credentials;
pub mod dotenv;
pub mod interp;
pub mod keys;
pub mod lower;
pub mod merge;
pub mod names;
pub mod node;
pub mod read;
pub mod rebase;
pub mod report;
pub mod shell;
pub mod write;

use std::path::Path;
use std::sync::Arc;

use indexmap::IndexMap;

use crate::diag::{Diagnostic, ErrorCode, SourceFile};
use crate::pipeline::Compiled;
use crate::syntax::parse::{from_yaml, load_text};
use crate::syntax::spec::StackSpec;
use crate::syntax::{ParseOptions, Sp};
use crate::valid::validate;

pub use lower::Mode;
pub use rebase::rebase;
pub use report::{ImportReport, Outcome, ReportEntry};

/// Whether compose would pick up a file of this name: `compose.yaml`, `compose.yml`,
/// `docker-compose.yaml`, `docker-compose.yml`, their `.override` variants, and
/// `*.compose.yaml`, `*-compose.yml`, `docker-compose.*.yml`, `docker-compose-*.yml`,
/// `compose.*.yaml` names (and `podman-compose.yml`).
pub fn is_compose_file_name(file_name: &str) -> bool {
    let n = file_name.to_ascii_lowercase();
    let Some(stem) = n.strip_suffix(".yaml").or_else(|| n.strip_suffix(".yml")) else {
        return false;
    };
    let prefixed = |p: &str| {
        stem.strip_prefix(p)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '-', '_']))
    };
    prefixed("compose")
        || prefixed("docker-compose")
        || prefixed("podman-compose")
        || [".compose", "-compose", "_compose"]
            .iter()
            .any(|s| stem.len() > s.len() && stem.ends_with(s))
}

/// Whether a YAML file whose name says neither stack spec nor compose (`pwd.yml`,
/// `full-stack.yml`) is a compose file, by its top-level keys: a compose file has `services`
/// or `include`, and none of the keys only a stack spec has (`stack`, which every spec
/// names, `environments`, `variables`, `targets`, `lint`). Only block-style top-level keys
/// are seen (a flow-style document reads as a spec).
pub fn looks_like_compose(bytes: &[u8]) -> bool {
    let text = String::from_utf8_lossy(bytes);
    let mut compose = false;
    for line in text.lines() {
        let Some(first) = line.chars().next() else {
            continue;
        };
        if first.is_whitespace() || matches!(first, '#' | '-' | '.' | '{' | '[') {
            continue;
        }
        let Some((key, _)) = line.split_once(':') else {
            continue;
        };
        let key = key.trim().trim_matches(['"', '\'']);
        match key {
            "stack" | "environments" | "variables" | "targets" | "lint" => return false,
            "services" | "include" => compose = true,
            _ => {}
        }
    }
    compose
}

/// A compose file read into the stack spec AST.
pub struct Frontend {
    /// The compose file (all spans point into it).
    pub file: Arc<SourceFile>,
    pub spec: StackSpec,
    pub report: ImportReport,
    /// Literal credentials moved into secrets: variable name and value (import only).
    pub moved_secrets: Vec<(String, String)>,
}

/// Reads a compose file. `dir` is its directory (for `include`, `extends` files and the
/// default project name).
pub fn read(
    name: &str,
    bytes: &[u8],
    dir: &Path,
    opts: &ParseOptions,
    mode: Mode,
) -> Result<Frontend, Vec<Diagnostic>> {
    read_with_env(name, bytes, dir, opts, mode, &IndexMap::new())
}

/// [`read`] with the values of the project's env file (see [`dotenv`]): on import, what
/// compose substitutes for the variables the file uses.
pub fn read_with_env(
    name: &str,
    bytes: &[u8],
    dir: &Path,
    opts: &ParseOptions,
    mode: Mode,
    project_env: &IndexMap<String, String>,
) -> Result<Frontend, Vec<Diagnostic>> {
    read_above(name, bytes, dir, opts, mode, project_env, "")
}

/// [`read_with_env`] for a spec written `above` the compose file's directory (`app/`): paths
/// inside the spec's directory are project paths. They stay relative to the compose file's
/// directory; [`rebase`] rewrites them for the spec.
fn read_above(
    name: &str,
    bytes: &[u8],
    dir: &Path,
    opts: &ParseOptions,
    mode: Mode,
    project_env: &IndexMap<String, String>,
    above: &str,
) -> Result<Frontend, Vec<Diagnostic>> {
    let (file, ok) = load_text(name, bytes, opts);
    ok.map_err(|d| vec![d])?;
    let root: Sp<node::Node> = from_yaml(&file, opts).map_err(|d| vec![d])?;
    let mut cx = read::Cx::new(file.clone());
    cx.above = above.to_string();
    if mode == Mode::Import {
        // Never a credential: those stay variables of secrets, their values out of the spec.
        use crate::knowledge::secrets::{is_credential_key, known_token, url_credential};
        cx.env = project_env
            .iter()
            .filter(|(k, v)| {
                !is_credential_key(k) && known_token(v).is_none() && url_credential(v).is_none()
            })
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
    }
    let mut root = merge::expand(&mut cx, root, dir, opts);
    // An override file means nothing alone: it is read over its base, as compose runs it.
    let file_name = name.rsplit(['/', '\\']).next().unwrap_or(name);
    if let Some(base) = merge::base_of_override(dir, file_name) {
        root = merge::over_base(&mut cx, root, &base, opts, mode == Mode::Lint);
        cx.report.push(
            "(file)",
            crate::diag::Span::DUMMY,
            Outcome::Approximated(format!(
                "an override file: read over `{}`, whose content is located at the services that use it",
                base.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default()
            )),
        );
    }
    let project = default_project_name(dir);
    let spec = lower::lower(&mut cx, &root, &project, dir, mode, project_env);
    if !cx.diags.is_empty() {
        let mut d = crate::diag::Diagnostics(cx.diags);
        if d.has_errors() {
            return Err(d.into_sorted());
        }
        d.0.clear();
    }
    let Some(mut lowered) = spec else {
        return Err(Vec::new());
    };
    if let Some(c) = lowered
        .spec
        .targets
        .as_mut()
        .and_then(|t| t.compose.as_mut())
    {
        c.from_compose_file = true;
    }
    if mode == Mode::Import {
        let moved = &mut lowered.moved_secrets;
        credentials::sweep(&mut lowered.spec, moved, &mut cx.report);
    }
    cx.report.finish();
    Ok(Frontend {
        file,
        spec: lowered.spec,
        report: cx.report,
        moved_secrets: lowered.moved_secrets,
    })
}

/// The project name compose derives from the directory when the file sets none.
pub fn default_project_name(dir: &Path) -> String {
    let abs = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    let base = abs
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    names::project_name_from_dir(&base)
}

/// Compiles a compose file for linting and building, the way
/// [`crate::pipeline::compile`] compiles a stack spec: parse, lower, resolve, load config
/// files, validate. Diagnostics point into the compose file.
pub fn compile(
    name: &str,
    bytes: &[u8],
    env: &str,
    project_dir: &Path,
    opts: &ParseOptions,
) -> Result<Compiled, Vec<Diagnostic>> {
    let fe = read(name, bytes, project_dir, opts, Mode::Lint)?;
    let mut stack = crate::resolve::resolve(&fe.file, &fe.spec, env)?;
    let load = crate::load::load_config_files(&mut stack, project_dir);
    if !load.is_empty() {
        return Err(load);
    }
    let stack = validate(stack)?;
    Ok(Compiled {
        file: fe.file,
        stack,
    })
}

/// Reads and resolves a compose file for lint, which reports validation errors beside its
/// findings (see [`crate::pipeline::ForLint`]).
pub fn compile_for_lint(
    name: &str,
    bytes: &[u8],
    env: &str,
    project_dir: &Path,
    opts: &ParseOptions,
) -> Result<crate::pipeline::ForLint, Vec<Diagnostic>> {
    let fe = read(name, bytes, project_dir, opts, Mode::Lint)?;
    let stack = crate::resolve::resolve(&fe.file, &fe.spec, env)?;
    Ok(crate::pipeline::checked_for_lint(stack, project_dir))
}

/// A compose file imported as a stack spec.
pub struct Imported {
    pub file: Arc<SourceFile>,
    pub spec: StackSpec,
    /// The spec as YAML, with a header naming the source and listing the report.
    pub yaml: String,
    pub report: ImportReport,
    /// Literal credentials moved into secrets: the variable that carries each, and its value,
    /// for the caller to store where secrets live (`.env`). Never in `yaml`.
    pub moved_secrets: Vec<(String, String)>,
}

/// Imports a compose file: the idiomatic stack spec and the report of what it cannot say.
/// The spec is checked by resolving it in every environment it declares and validating it in
/// `dev`; problems are returned as diagnostics located in the compose file. `project_env` is
/// the project's env file as compose reads it ([`dotenv::parse`] of `.env`, or of the file
/// `--env-file` names): its values are what the file's variables mean.
pub fn import(
    name: &str,
    bytes: &[u8],
    dir: &Path,
    opts: &ParseOptions,
    project_env: &IndexMap<String, String>,
) -> Result<Imported, Vec<Diagnostic>> {
    import_above(name, bytes, dir, opts, project_env, "")
}

/// [`import`] for a spec written `above` the compose file's directory (`app/` for
/// `stackc import app/compose.yaml -o stack.yaml`): its relative paths are rewritten for the
/// spec's directory ([`rebase`]), and those that leave the compose file's directory but not
/// the spec's (`../` from `app/`) stay in the spec.
pub fn import_above(
    name: &str,
    bytes: &[u8],
    dir: &Path,
    opts: &ParseOptions,
    project_env: &IndexMap<String, String>,
    above: &str,
) -> Result<Imported, Vec<Diagnostic>> {
    let mut fe = read_above(name, bytes, dir, opts, Mode::Import, project_env, above)?;
    rebase(&mut fe.spec, above);
    let file_name = name.rsplit(['/', '\\']).next().unwrap_or(name);
    if let Some(over) = override_file(dir, file_name) {
        fe.report.push(
            "(file)",
            crate::diag::Span::DUMMY,
            Outcome::Dropped(format!(
                "`{over}` beside it is merged by `docker compose` and was not imported; import it separately or merge it by hand"
            )),
        );
    }
    let mut envs: Vec<String> = fe
        .spec
        .environments
        .keys()
        .map(|k| k.value.clone())
        .collect();
    if envs.is_empty() {
        envs.push("dev".into());
    }
    for env in &envs {
        let stack = match crate::resolve::resolve(&fe.file, &fe.spec, env) {
            Ok(s) => s,
            // A production environment with no service (every service under a profile, none
            // of them the deployment) is refused by its own build, naming the choice.
            Err(d) if env != "dev" && d.iter().all(|d| d.code == "STK058") => continue,
            Err(d) => return Err(d),
        };
        // `dev`, the default environment, is what compose runs; a `prod` profile may still
        // hold the file's host binds, which only its own build refuses.
        if env == "dev" {
            validate(stack)?;
        }
    }
    let yaml = write::spec_yaml(&fe.spec, &fe.report, &fe.file).map_err(|e| {
        vec![Diagnostic::error(
            ErrorCode::InternalError,
            format!("internal error: cannot write the stack spec: {e}"),
        )]
    })?;
    Ok(Imported {
        file: fe.file,
        spec: fe.spec,
        yaml,
        report: fe.report,
        moved_secrets: fe.moved_secrets,
    })
}

/// The override file compose would merge over `file_name` in `dir`, if there is one.
fn override_file(dir: &Path, file_name: &str) -> Option<String> {
    let (stem, ext) = file_name.rsplit_once('.')?;
    if !matches!(stem, "compose" | "docker-compose") {
        return None;
    }
    let over = format!("{stem}.override.{ext}");
    dir.join(&over).is_file().then_some(over)
}

#[cfg(test)]
mod tests;
