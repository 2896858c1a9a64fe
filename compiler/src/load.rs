//! Reading input files, confined to the project directory: the one reader every input goes
//! through (specs, compose files, `include` and `extends.file`, secret `file:`, config files,
//! `stackc.toml`).
//!
//! An input is read only when it is a regular file whose real path (symlinks followed) lies
//! inside the project root. It is opened without following a final symlink and without
//! blocking (a FIFO never hangs the run), its type is checked on the open handle, and at most
//! the size budget plus one byte is read, so a budget holds while reading (`/dev/zero` or a
//! huge file costs nothing).

use std::cell::Cell;
use std::fs::File;
use std::io::Read as _;
use std::os::unix::fs::{FileTypeExt as _, OpenOptionsExt as _};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::diag::{Diagnostic, ErrorCode, SourceFile, Span};
use crate::ir::{MountKind, Stack};

/// Largest config file stackc embeds (ConfigMaps are limited to 1 MiB too).
pub const MAX_CONFIG_BYTES: u64 = 1024 * 1024;

/// Code of an input that leaves the project directory.
pub const OUTSIDE: ErrorCode = ErrorCode::PathOutsideProject;
/// Code of an input that is not a regular file (FIFO, device, directory, `/proc` file).
pub const NOT_REGULAR: ErrorCode = ErrorCode::NotARegularFile;

/// Why an input was not read.
#[derive(Debug)]
pub enum Refusal {
    /// It does not exist (or a folder on the way does not).
    Missing(std::io::Error),
    /// Its real path (symlinks followed) is outside the project root.
    Outside(PathBuf),
    /// It is not a regular file: what it is instead.
    NotRegular(&'static str),
    /// It is larger than the budget.
    TooLarge(u64),
    /// Reading it failed.
    Io(std::io::Error),
}

impl Refusal {
    /// A located error for the input `shown` (as written), at `span` of `file`.
    pub fn diagnostic(
        &self,
        what: &str,
        shown: &str,
        file: &Arc<SourceFile>,
        span: Span,
    ) -> Diagnostic {
        let shown = shown.escape_debug();
        match self {
            Refusal::Missing(e) => Diagnostic::error(
                ErrorCode::ConfigFileUnreadable,
                format!("cannot read {what} `{shown}`: {e}"),
            )
            .at(file, span, "not found")
            .help("create the file, or fix the path (relative to the file that names it)"),
            Refusal::Outside(_) => Diagnostic::error(
                OUTSIDE,
                format!("{what} `{shown}` resolves outside the project directory"),
            )
            .at(
                file,
                span,
                "leaves the project (absolute path, `..` or a symlink)",
            )
            .help(
                "keep inputs inside the project directory; stackc does not read files outside it",
            ),
            Refusal::NotRegular(kind) => Diagnostic::error(
                NOT_REGULAR,
                format!("{what} `{shown}` is {kind}, not a regular file"),
            )
            .at(file, span, "not a regular file")
            .help("point it at a regular file inside the project"),
            Refusal::TooLarge(limit) => Diagnostic::error(
                ErrorCode::InputLimitExceeded,
                format!("{what} `{shown}` is over the {limit}-byte limit"),
            )
            .at(file, span, "too large")
            .help("split the file, or raise `--max-input-size` for a genuine large file"),
            Refusal::Io(e) => Diagnostic::error(
                ErrorCode::ConfigFileUnreadable,
                format!("cannot read {what} `{shown}`: {e}"),
            )
            .at(file, span, "unreadable")
            .help("check the file's permissions"),
        }
    }

    /// A located error about a top-level input (named on the command line or found in a
    /// folder): the location is the path itself.
    pub fn top_level(&self, path: &Path) -> Diagnostic {
        let name = path.display().to_string();
        let name = name.strip_prefix("./").unwrap_or(&name).to_string();
        let file = SourceFile::new(name.clone(), "");
        self.diagnostic("input", &name, &file, Span::DUMMY)
    }
}

thread_local! {
    static READS: Cell<usize> = const { Cell::new(0) };
}

/// How many files the confined reader opened on this thread (tests use it to prove that a
/// file is read once, however often it is referenced).
pub fn reads_on_this_thread() -> usize {
    READS.with(Cell::get)
}

/// The real path of the project root (the path itself when it cannot be resolved).
pub fn canonical_root(root: &Path) -> PathBuf {
    root.canonicalize().unwrap_or_else(|_| root.to_path_buf())
}

/// Pseudo-file systems whose files claim to be regular but are not data.
const PSEUDO: &[&str] = &["/proc", "/sys", "/dev"];

/// The real path of `path` when it is inside `root` (already canonical).
pub fn confine(root: &Path, path: &Path) -> Result<PathBuf, Refusal> {
    let real = path.canonicalize().map_err(Refusal::Missing)?;
    if let Some(p) = PSEUDO.iter().find(|p| real.starts_with(p))
        && !root.starts_with(p)
    {
        return Err(Refusal::NotRegular(pseudo_kind(p)));
    }
    if !real.starts_with(root) {
        return Err(Refusal::Outside(real));
    }
    Ok(real)
}

fn pseudo_kind(prefix: &str) -> &'static str {
    match prefix {
        "/dev" => "a device",
        _ => "a file of the kernel's pseudo file system",
    }
}

fn kind_of(ft: std::fs::FileType) -> &'static str {
    if ft.is_dir() {
        "a directory"
    } else if ft.is_fifo() {
        "a FIFO"
    } else if ft.is_char_device() || ft.is_block_device() {
        "a device"
    } else if ft.is_socket() {
        "a socket"
    } else if ft.is_symlink() {
        "a symlink"
    } else {
        "not a regular file"
    }
}

/// Reads `path` when it is a regular file inside `root` (canonical), at most `limit` bytes.
pub fn read_confined(root: &Path, path: &Path, limit: u64) -> Result<Vec<u8>, Refusal> {
    let real = confine(root, path)?;
    READS.with(|r| r.set(r.get() + 1));
    let file = File::options()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_CLOEXEC)
        .open(&real)
        .map_err(Refusal::Io)?;
    let meta = file.metadata().map_err(Refusal::Io)?;
    if !meta.file_type().is_file() {
        return Err(Refusal::NotRegular(kind_of(meta.file_type())));
    }
    if meta.len() > limit {
        return Err(Refusal::TooLarge(limit));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(Refusal::Io)?;
    if bytes.len() as u64 > limit {
        return Err(Refusal::TooLarge(limit));
    }
    Ok(bytes)
}

/// Loads the text of every `config:` mount. A path that leaves `project_dir` (also through a
/// symlink), a missing file, a large or non-UTF-8 file is a located error.
pub fn load_config_files(stack: &mut Stack, project_dir: &Path) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    let root = canonical_root(project_dir);
    let file = stack.file.clone();
    for svc in &mut stack.services {
        for m in &mut svc.mounts {
            let MountKind::Config { source, content } = &mut m.kind else {
                continue;
            };
            let path = root.join(source.value.trim_start_matches("./"));
            let bytes = match read_confined(&root, &path, MAX_CONFIG_BYTES) {
                Ok(b) => b,
                Err(Refusal::TooLarge(limit)) => {
                    diags.push(
                        Diagnostic::error(
                            ErrorCode::ConfigFileUnreadable,
                            format!(
                                "config file `{}` is over the {limit}-byte limit",
                                source.value
                            ),
                        )
                        .at(&file, source.span, "config file")
                        .help("mount large files from a volume instead"),
                    );
                    continue;
                }
                Err(Refusal::Missing(_)) => {
                    diags.push(
                        Diagnostic::error(
                            ErrorCode::ConfigFileUnreadable,
                            format!("config file `{}` not found", source.value),
                        )
                        .at(&file, source.span, "config file")
                        .help("create the file, or fix the path (relative to the spec)"),
                    );
                    continue;
                }
                Err(r) => {
                    diags.push(r.diagnostic("config file", &source.value, &file, source.span));
                    continue;
                }
            };
            match String::from_utf8(bytes) {
                Ok(text) => *content = Some(text),
                Err(_) => diags.push(
                    Diagnostic::error(
                        ErrorCode::ConfigFileUnreadable,
                        format!("config file `{}` is not valid UTF-8", source.value),
                    )
                    .at(&file, source.span, "config file")
                    .help("config files must be text"),
                ),
            }
        }
    }
    diags
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root() -> (tempfile::TempDir, PathBuf) {
        let d = tempfile::tempdir().unwrap();
        let r = canonical_root(d.path());
        (d, r)
    }

    #[test]
    fn regular_files_inside_are_read_within_the_budget() {
        let (_d, r) = root();
        std::fs::write(r.join("a.txt"), "hello").unwrap();
        assert_eq!(read_confined(&r, &r.join("a.txt"), 5).unwrap(), b"hello");
        assert!(matches!(
            read_confined(&r, &r.join("a.txt"), 4),
            Err(Refusal::TooLarge(4))
        ));
    }

    #[test]
    fn symlinks_out_devices_fifos_and_proc_are_refused() {
        let (_d, r) = root();
        std::os::unix::fs::symlink("/proc/self/environ", r.join("env")).unwrap();
        std::os::unix::fs::symlink("/dev/zero", r.join("zero")).unwrap();
        std::os::unix::fs::symlink("/etc/hostname", r.join("host")).unwrap();
        let fifo = r.join("fifo");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(made.unwrap().success(), "mkfifo");
        assert!(matches!(
            read_confined(&r, &r.join("env"), 1 << 20),
            Err(Refusal::NotRegular(_))
        ));
        assert!(matches!(
            read_confined(&r, &r.join("zero"), 1 << 20),
            Err(Refusal::NotRegular("a device"))
        ));
        assert!(matches!(
            read_confined(&r, &r.join("host"), 1 << 20),
            Err(Refusal::Outside(_))
        ));
        assert!(matches!(
            read_confined(&r, Path::new("/etc/hostname"), 1 << 20),
            Err(Refusal::Outside(_))
        ));
        assert!(matches!(
            read_confined(&r, &fifo, 1 << 20),
            Err(Refusal::NotRegular("a FIFO"))
        ));
        assert!(matches!(
            read_confined(&r, &r, 1 << 20),
            Err(Refusal::NotRegular("a directory"))
        ));
    }
}
