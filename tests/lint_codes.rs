//! Every `STK0xx` error code used in the sources has an entry `stackc explain` can print, so a
//! new code cannot ship undocumented (add it to `compiler/src/lint/codes.rs`, or the compose
//! frontend's `CODES`).

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `"STK0dd"` string literals in the Rust files under `dir`.
fn codes_in(dir: &Path, out: &mut Vec<(String, String)>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            codes_in(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            let text = std::fs::read_to_string(&p).unwrap();
            for (i, _) in text.match_indices("\"STK0") {
                let code = &text[i + 1..(i + 7).min(text.len())];
                if code.len() == 6
                    && code[3..].bytes().all(|b| b.is_ascii_digit())
                    && text[i + 7..].starts_with('"')
                {
                    out.push((
                        code.to_string(),
                        p.strip_prefix(root()).unwrap().display().to_string(),
                    ));
                }
            }
        }
    }
}

#[test]
fn every_error_code_in_the_sources_is_explained() {
    let mut found = Vec::new();
    for dir in ["compiler/src", "backends/src", "src"] {
        codes_in(&root().join(dir), &mut found);
    }
    found.sort();
    found.dedup_by(|a, b| a.0 == b.0);
    assert!(found.len() >= 30, "{found:?}");
    let mut missing = Vec::new();
    for (code, file) in &found {
        let out = Command::new(env!("CARGO_BIN_EXE_stackc"))
            .args(["explain", code])
            .output()
            .unwrap();
        if !out.status.success() {
            missing.push(format!("{code} (used in {file})"));
        }
    }
    assert!(
        missing.is_empty(),
        "error codes without an entry in compiler/src/lint/codes.rs:\n{}",
        missing.join("\n")
    );
}
