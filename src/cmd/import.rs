//! `stackc import`: a compose file to a stack spec, with a report of everything the spec does
//! not represent exactly.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use stackc_compiler::front::compose;
use stackc_compiler::syntax::ParseOptions;

use super::{
    EXIT_FINDINGS, EXIT_USAGE, InputError, dir_of, print_diagnostics, read_input, usage_error,
};
use crate::cli::{DiagFormat, ImportArgs};

pub fn run(args: &ImportArgs) -> ExitCode {
    let limit = ParseOptions::default().max_bytes;
    let bytes = match read_input(&args.file, &dir_of(&args.file), limit) {
        Ok(b) => b,
        Err(InputError::Usage(code)) => return code,
        Err(InputError::Refused(d)) => {
            print_diagnostics(&[d], DiagFormat::Human);
            return ExitCode::from(EXIT_FINDINGS);
        }
    };
    let compose_dir = dir_of(&args.file);
    // Paths in the spec are relative to the spec's directory: it must be the compose file's
    // directory or one of its parents.
    let prefix = match &args.output {
        Some(out) => match prefix_from(&dir_of(out), &compose_dir) {
            Some(p) => p,
            None => {
                return usage_error(
                    &format!(
                        "`{}` is not in the directory of `{}` or above it",
                        out.display(),
                        args.file.display()
                    ),
                    "write the spec beside the compose file (paths in a spec are relative to it), e.g. `-o stack.yaml` next to it",
                );
            }
        },
        None => String::new(),
    };
    if let Some(out) = &args.output
        && out.exists()
        && !args.force
    {
        return usage_error(
            &format!("`{}` already exists", out.display()),
            "pass `--force` to overwrite it, or choose another `-o` path",
        );
    }
    let opts = ParseOptions::default();
    let name = args.file.display().to_string();
    let project_env = match project_env(args, &compose_dir) {
        Ok(v) => v,
        Err(code) => return code,
    };
    let imported =
        match compose::import_above(&name, &bytes, &compose_dir, &opts, &project_env, &prefix) {
            Ok(i) => i,
            Err(diags) => {
                print_diagnostics(&diags, DiagFormat::Human);
                return ExitCode::from(EXIT_FINDINGS);
            }
        };
    let report = &imported.report;
    if report.is_empty() {
        eprintln!("import report: everything in `{name}` is represented");
    } else {
        eprintln!(
            "import report ({} entries, {} dropped): what the stack spec does not represent exactly",
            report.entries.len(),
            report.dropped()
        );
        for line in report.render(&imported.file).lines() {
            eprintln!("  {line}");
        }
    }
    match &args.output {
        None => {
            let mut out = std::io::stdout().lock();
            if out.write_all(imported.yaml.as_bytes()).is_err() {
                return ExitCode::from(EXIT_USAGE);
            }
        }
        Some(path) => {
            if let Err(e) = write_atomically(path, &imported.yaml) {
                return usage_error(
                    &format!("cannot write `{}`: {e}", path.display()),
                    "check the directory exists and is writable",
                );
            }
            if !imported.moved_secrets.is_empty() {
                let env_file = dir_of(path).join(".env");
                match store_secrets(&env_file, &imported.moved_secrets) {
                    Ok(added) => eprintln!(
                        "wrote {added} literal credential{} from `{name}` to {} (mode 0600); the spec keeps none",
                        if added == 1 { "" } else { "s" },
                        env_file.display()
                    ),
                    Err(e) => {
                        return usage_error(
                            &format!(
                                "cannot store the moved credentials in `{}`: {e}",
                                env_file.display()
                            ),
                            "fix the file, or set the variables the report names by hand",
                        );
                    }
                }
            }
            eprintln!(
                "wrote {} ({} services); build it with `stackc build {} --target compose --fidelity`",
                path.display(),
                imported.spec.services.len(),
                path.display()
            );
        }
    }
    ExitCode::SUCCESS
}

/// The project's env file as compose reads it: `--env-file`, else `.env` beside the compose
/// file when there is one (values the file's variables take; see `compose::dotenv`).
fn project_env(
    args: &ImportArgs,
    compose_dir: &Path,
) -> Result<compose::dotenv::EnvValues, ExitCode> {
    let (path, explicit) = match &args.env_file {
        Some(p) => (p.clone(), true),
        None => (compose_dir.join(".env"), false),
    };
    if !explicit && !path.is_file() {
        return Ok(compose::dotenv::EnvValues::new());
    }
    let limit = ParseOptions::default().max_bytes;
    if let Ok(m) = std::fs::metadata(&path)
        && m.len() > limit as u64
    {
        return Err(usage_error(
            &format!(
                "the env file `{}` is larger than {limit} bytes",
                path.display()
            ),
            "an env file holds `KEY=value` lines; pass the one compose reads with `--env-file FILE`",
        ));
    }
    match std::fs::read(&path) {
        Ok(bytes) => Ok(compose::dotenv::parse(&String::from_utf8_lossy(&bytes))),
        Err(e) => Err(usage_error(
            &format!("cannot read the env file `{}`: {e}", path.display()),
            "pass the env file compose reads for this project with `--env-file FILE`, or leave it out to read `.env` beside the compose file",
        )),
    }
}

/// The path from `spec_dir` down to `compose_dir` (`""` when they are the same directory,
/// `app/` when the compose file is in `spec_dir/app`); `None` when `compose_dir` is not inside
/// `spec_dir`.
fn prefix_from(spec_dir: &Path, compose_dir: &Path) -> Option<String> {
    let abs = |p: &Path| -> Option<PathBuf> {
        let p = if p.is_absolute() {
            p.to_path_buf()
        } else {
            std::env::current_dir().ok()?.join(p)
        };
        p.canonicalize().ok()
    };
    let (spec, compose) = (abs(spec_dir)?, abs(compose_dir)?);
    let rest = compose.strip_prefix(&spec).ok()?;
    let parts: Vec<String> = rest
        .components()
        .map(|c| c.as_os_str().to_string_lossy().to_string())
        .collect();
    Some(if parts.is_empty() {
        String::new()
    } else {
        format!("{}/", parts.join("/"))
    })
}

/// Adds `KEY=value` lines for the moved credentials to the env file (created with mode 0600);
/// a key already there is never changed. Returns how many were added.
fn store_secrets(env_file: &Path, moved: &[(String, String)]) -> Result<usize, String> {
    if std::fs::symlink_metadata(env_file).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err("it is a symbolic link, which stackc does not write through".into());
    }
    let old = match std::fs::read_to_string(env_file) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(e.to_string()),
    };
    let existing: Vec<String> = old
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .map(|(k, _)| k.trim().trim_start_matches("export ").trim().to_string())
        .collect();
    let mut text = old.clone();
    let mut added = 0;
    for (key, value) in moved {
        if existing.iter().any(|k| k == key) {
            eprintln!(
                "note: `{key}` is already set in {}; left as it is",
                env_file.display()
            );
            continue;
        }
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        text.push_str(&super::secrets::assignment(key, value)?);
        text.push('\n');
        added += 1;
    }
    if added == 0 {
        return Ok(0);
    }
    let dir = dir_of(env_file);
    let mut tmp = tempfile::NamedTempFile::new_in(&dir).map_err(|e| e.to_string())?;
    tmp.write_all(text.as_bytes()).map_err(|e| e.to_string())?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(|e| e.to_string())?;
    }
    tmp.as_file().sync_all().map_err(|e| e.to_string())?;
    tmp.persist(env_file).map_err(|e| e.error.to_string())?;
    Ok(added)
}

fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let dir = dir_of(path);
    let mut tmp = tempfile::NamedTempFile::new_in(&dir)?;
    tmp.write_all(text.as_bytes())?;
    // A spec is an ordinary file of the repository (temporary files start private).
    tmp.as_file()
        .set_permissions(std::os::unix::fs::PermissionsExt::from_mode(0o644))?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}
