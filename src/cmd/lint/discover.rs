//! Which files `stackc lint` reads: the files given, and the stack specs (`stack.yaml`,
//! `stack.*.yaml`, `*.stack.yaml`, also `.yml`) and compose files found in the directories given.
//! Compose files stackc generated (listed in the `.stackc-generated` manifest beside them and
//! carrying stackc's header) are not linted.

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
    stackc_compiler::front::compose::is_compose_file_name(name)
}

/// Whether a file is read as a compose file: its name is a compose file's and not a spec's,
/// or its name is neither and its top-level keys are a compose file's (`pwd.yml`,
/// `full-stack.yml`).
pub fn is_compose_input(name: &str, bytes: &[u8]) -> bool {
    !is_spec_name(name)
        && (is_compose_name(name) || stackc_compiler::front::compose::looks_like_compose(bytes))
}

/// Marker file the writer leaves in directories of generated files: its manifest.
const GENERATED_MARKER: &str = ".stackc-generated";
/// The header of every file stackc generates (and of its manifest).
const GENERATED_HEADER: &str = stackc_backends::output::GENERATED_MARKER;

/// A file to lint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Input {
    pub path: PathBuf,
    /// The project directory it is confined to: the folder given to `stackc lint`, or the
    /// file's own folder.
    pub root: PathBuf,
    /// Read with the compose frontend.
    pub compose: bool,
}

impl Input {
    /// The input as its content reads: a file given by a name that says neither spec nor
    /// compose is a compose file when its top-level keys say so.
    pub fn as_read(&self, bytes: &[u8]) -> Input {
        let name = self
            .path
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        Input {
            compose: self.compose || is_compose_input(&name, bytes),
            ..self.clone()
        }
    }
}

/// The files to lint, in the order given (directories sorted), or the exit code of a usage
/// error. `all_compose` reads every file given (not those found in directories) as compose.
pub fn inputs(paths: &[PathBuf], all_compose: bool) -> Result<Vec<Input>, ExitCode> {
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
            walk(p, p, &mut out).map_err(|e| {
                usage_error(
                    &format!("cannot read directory `{}`: {e}", p.display()),
                    "check its permissions",
                )
            })?;
            if out.len() == before {
                return Err(usage_error(
                    &format!("no stack spec or compose file under `{}`", p.display()),
                    "name specs `stack.yaml`, `stack.<name>.yaml` or `<name>.stack.yaml`, or pass the file itself",
                ));
            }
            continue;
        }
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        out.push(Input {
            path: p.clone(),
            root: super::super::dir_of(p),
            compose: all_compose || (is_compose_name(&name) && !is_spec_name(&name)),
        });
    }
    Ok(out)
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<Input>) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    let generated = generated_here(dir);
    for e in entries {
        let name = e.file_name().to_string_lossy().to_string();
        let path = e.path();
        let input = |compose| Input {
            path: path.clone(),
            root: root.to_path_buf(),
            compose,
        };
        if e.file_type()?.is_dir() {
            if !SKIP_DIRS.contains(&name.as_str()) && !name.starts_with('.') {
                walk(root, &path, out)?;
            }
        } else if is_spec_name(&name) {
            out.push(input(false));
        } else if is_compose_name(&name) && !(generated.contains(&name) && carries_marker(&path)) {
            out.push(input(true));
        }
    }
    Ok(())
}

/// The file names stackc's manifest in `dir` lists (empty when there is no manifest, or it is
/// not stackc's: its first line must be stackc's header). Only those are skipped, and only
/// when they carry the generated-file header themselves: an empty or foreign manifest skips
/// nothing.
fn generated_here(dir: &Path) -> Vec<String> {
    let marker = dir.join(GENERATED_MARKER);
    let root = stackc_compiler::load::canonical_root(dir);
    let Ok(bytes) = stackc_compiler::load::read_confined(&root, &marker, 1 << 20) else {
        return Vec::new();
    };
    let text = String::from_utf8_lossy(&bytes);
    let mut lines = text.lines();
    if !lines.next().is_some_and(|l| l.contains(GENERATED_HEADER)) {
        return Vec::new();
    }
    lines
        .filter(|l| !l.is_empty() && !l.contains('/'))
        .map(str::to_string)
        .collect()
}

/// Whether a file starts with stackc's generated-file header (in its first KiB).
fn carries_marker(path: &Path) -> bool {
    let Some(dir) = path.parent() else {
        return false;
    };
    let root = stackc_compiler::load::canonical_root(dir);
    stackc_compiler::load::read_confined(&root, path, 1 << 24)
        .is_ok_and(|b| String::from_utf8_lossy(&b[..b.len().min(1024)]).contains(GENERATED_HEADER))
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
        assert!(is_compose_name("app.compose.yaml"));
    }
}
