//! Reading the files a spec refers to (config files), confined to the project directory.

use std::path::Path;

use crate::diag::Diagnostic;
use crate::ir::{MountKind, Stack};

/// Largest config file stackc embeds (ConfigMaps are limited to 1 MiB too).
pub const MAX_CONFIG_BYTES: u64 = 1024 * 1024;

/// Loads the text of every `config:` mount. A path that leaves `project_dir` (also through a
/// symlink), a missing file, a large or non-UTF-8 file is a located error.
pub fn load_config_files(stack: &mut Stack, project_dir: &Path) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    let root = project_dir
        .canonicalize()
        .unwrap_or_else(|_| project_dir.to_path_buf());
    let file = stack.file.clone();
    for svc in &mut stack.services {
        for m in &mut svc.mounts {
            let MountKind::Config { source, content } = &mut m.kind else {
                continue;
            };
            let path = root.join(source.value.trim_start_matches("./"));
            let err = |msg: String, help: &str| {
                Diagnostic::error("STK035", msg)
                    .at(&file, source.span, "config file")
                    .help(help.to_string())
            };
            let real = match path.canonicalize() {
                Ok(p) => p,
                Err(_) => {
                    diags.push(err(
                        format!("config file `{}` not found", source.value),
                        "create the file, or fix the path (relative to the spec)",
                    ));
                    continue;
                }
            };
            if !real.starts_with(&root) {
                diags.push(
                    Diagnostic::error(
                        "STK037",
                        format!(
                            "config file `{}` resolves outside the project directory",
                            source.value
                        ),
                    )
                    .at(&file, source.span, "leaves the project through a symlink")
                    .help("keep config files inside the directory of the spec"),
                );
                continue;
            }
            match std::fs::metadata(&real) {
                Ok(md) if !md.is_file() => {
                    diags.push(err(
                        format!("config file `{}` is not a regular file", source.value),
                        "point `config:` at a file",
                    ));
                    continue;
                }
                Ok(md) if md.len() > MAX_CONFIG_BYTES => {
                    diags.push(err(
                        format!(
                            "config file `{}` is {} bytes, over the {MAX_CONFIG_BYTES}-byte limit",
                            source.value,
                            md.len()
                        ),
                        "mount large files from a volume instead",
                    ));
                    continue;
                }
                Err(e) => {
                    diags.push(err(
                        format!("cannot read config file `{}`: {e}", source.value),
                        "check the file's permissions",
                    ));
                    continue;
                }
                Ok(_) => {}
            }
            match std::fs::read(&real).map(String::from_utf8) {
                Ok(Ok(text)) => *content = Some(text),
                Ok(Err(_)) => diags.push(err(
                    format!("config file `{}` is not valid UTF-8", source.value),
                    "config files must be text",
                )),
                Err(e) => diags.push(err(
                    format!("cannot read config file `{}`: {e}", source.value),
                    "check the file's permissions",
                )),
            }
        }
    }
    diags
}
