//! Which files `stackc lint` reads: the files given, and the stack specs found in the
//! directories given (`stack.yaml`, `stack.*.yaml`, `*.stack.yaml`, also `.yml`).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::super::usage_error;

/// Directories never searched.
const SKIP_DIRS: &[&str] = &[".git", "target", "node_modules", ".venv", "venv", "out"];

/// Whether a file name is a stack spec's.
pub fn is_spec_name(name: &str) -> bool {
    let Some(stem) = name
        .strip_suffix(".yaml")
        .or_else(|| name.strip_suffix(".yml"))
    else {
        return false;
    };
    stem == "stack" || stem.starts_with("stack.") || stem.ends_with(".stack")
}

/// Whether a file name is a compose file's (`compose.yaml`, `docker-compose.override.yml`, ...).
pub fn is_compose_name(name: &str) -> bool {
    let Some(stem) = name
        .strip_suffix(".yaml")
        .or_else(|| name.strip_suffix(".yml"))
    else {
        return false;
    };
    ["compose", "docker-compose"]
        .iter()
        .any(|c| stem == *c || stem.strip_prefix(c).is_some_and(|r| r.starts_with('.')))
}

fn compose_not_supported(path: &Path) -> ExitCode {
    usage_error(
        &format!(
            "`{}` is a compose file, and `stackc lint` does not read compose files yet",
            path.display()
        ),
        "lint the stack spec instead (`stack.yaml`); compose support comes with the compose frontend",
    )
}

/// The specs to lint, in the order given (directories sorted), or the exit code of a usage error.
pub fn specs(paths: &[PathBuf], all_compose: bool) -> Result<Vec<PathBuf>, ExitCode> {
    let mut out = Vec::new();
    for p in paths {
        let meta = std::fs::metadata(p).map_err(|e| {
            usage_error(
                &format!("cannot read `{}`: {e}", p.display()),
                "check the path",
            )
        })?;
        if meta.is_dir() {
            let before = out.len();
            let mut skipped = Vec::new();
            walk(p, &mut out, &mut skipped).map_err(|e| {
                usage_error(
                    &format!("cannot read directory `{}`: {e}", p.display()),
                    "check its permissions",
                )
            })?;
            for c in &skipped {
                eprintln!(
                    "note: skipping compose file `{}`: `stackc lint` does not read compose files yet",
                    c.display()
                );
            }
            if out.len() == before {
                return Err(usage_error(
                    &format!("no stack spec under `{}`", p.display()),
                    "name specs `stack.yaml`, `stack.<name>.yaml` or `<name>.stack.yaml`, or pass the file itself",
                ));
            }
            continue;
        }
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        if all_compose || is_compose_name(&name) {
            return Err(compose_not_supported(p));
        }
        out.push(p.clone());
    }
    Ok(out)
}

fn walk(dir: &Path, specs: &mut Vec<PathBuf>, compose: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let name = e.file_name().to_string_lossy().to_string();
        let path = e.path();
        let ft = e.file_type()?;
        if ft.is_dir() {
            if !SKIP_DIRS.contains(&name.as_str()) && !name.starts_with('.') {
                walk(&path, specs, compose)?;
            }
        } else if is_spec_name(&name) {
            specs.push(path);
        } else if is_compose_name(&name) {
            compose.push(path);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_and_compose_names() {
        for n in [
            "stack.yaml",
            "stack.yml",
            "stack.prod.yaml",
            "api.stack.yaml",
        ] {
            assert!(is_spec_name(n), "{n}");
        }
        for n in ["stacks.yaml", "mystack.yaml", "stack.json", "compose.yaml"] {
            assert!(!is_spec_name(n), "{n}");
        }
        for n in [
            "compose.yaml",
            "docker-compose.yml",
            "compose.override.yaml",
            "docker-compose.dev.yml",
        ] {
            assert!(is_compose_name(n), "{n}");
        }
        assert!(!is_compose_name("composer.yaml"));
    }
}
