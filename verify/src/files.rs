//! Reading an output directory: files as source files named for messages, and the problems
//! found while reading (an unreadable or malformed file) as diagnostics.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use stackc_compiler::diag::{Diagnostic, ErrorCode, SourceFile};

use crate::source::Loc;

/// Code of a file verify cannot read or parse.
pub const UNREADABLE: ErrorCode = ErrorCode::OutputUnreadable;
/// Code of a difference between an output and the spec.
pub const DIFFERS: ErrorCode = ErrorCode::OutputDiffers;

/// One output directory being read.
pub struct Dir {
    pub root: PathBuf,
    /// Problems found while reading.
    pub diags: Vec<Diagnostic>,
}

impl Dir {
    pub fn new(root: &Path) -> Self {
        Self {
            root: root.to_path_buf(),
            diags: Vec::new(),
        }
    }

    /// The display name of a file of the directory.
    pub fn name_of(&self, rel: &str) -> String {
        self.root.join(rel).display().to_string()
    }

    /// Reads a file; `None` (and no diagnostic) when it does not exist.
    pub fn read(&mut self, rel: &str) -> Option<Arc<SourceFile>> {
        let path = self.root.join(rel);
        match std::fs::read(&path) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => Some(SourceFile::new(self.name_of(rel), text)),
                Err(_) => {
                    let f = SourceFile::new(self.name_of(rel), "");
                    self.unreadable(
                        &Loc::new(&f, 1),
                        "is not UTF-8 text",
                        "regenerate it with `stackc build`",
                    );
                    None
                }
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => {
                let f = SourceFile::new(self.name_of(rel), "");
                self.unreadable(
                    &Loc::new(&f, 1),
                    &format!("cannot be read: {e}"),
                    "check the file's permissions",
                );
                None
            }
        }
    }

    /// Reads a file that must exist.
    pub fn require(&mut self, rel: &str, what: &str) -> Option<Arc<SourceFile>> {
        let f = self.read(rel);
        if f.is_none() && !self.diags.iter().any(|d| d.message.contains(rel)) {
            self.diags.push(
                Diagnostic::error(UNREADABLE, format!("`{}` is missing: no {what} to verify", self.name_of(rel)))
                    .help("build the target into this directory first (`stackc build --target ...`), or pass the right `-o`"),
            );
        }
        f
    }

    /// File names of the directory (not recursive), sorted.
    pub fn list(&self) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(&self.root)
            .map(|it| {
                it.filter_map(Result::ok)
                    .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
                    .map(|e| e.file_name().to_string_lossy().to_string())
                    .collect()
            })
            .unwrap_or_default();
        v.sort();
        v
    }

    /// Records a file that cannot be understood.
    pub fn unreadable(&mut self, at: &Loc, what: &str, help: &str) {
        self.diags.push(
            Diagnostic::error(UNREADABLE, format!("`{}` {what}", at.file.name))
                .at(&at.file, at.span(), "here")
                .help(help.to_string()),
        );
    }
}
