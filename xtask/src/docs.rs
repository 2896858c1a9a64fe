//! `cargo xtask docs [--check]`: writes `docs/rules/<CODE>.md` and `docs/rules/README.md` from
//! the rules' doc comments (the text `stackc explain` prints); `--check` fails when a committed
//! page differs, is missing, or belongs to no rule.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use stackc_compiler::lint::{RULES, docs};

const DIR: &str = "docs/rules";

/// Every generated page: file name → content.
pub fn pages() -> BTreeMap<String, String> {
    let mut out: BTreeMap<String, String> = RULES
        .iter()
        .map(|r| (format!("{}.md", r.code), docs::rule_file(r)))
        .collect();
    out.insert("README.md".into(), docs::index());
    out
}

/// Differences between the generated pages and `dir`: `(file, what)`.
pub fn drift(dir: &Path) -> Vec<(String, &'static str)> {
    let want = pages();
    let mut out = Vec::new();
    for (name, text) in &want {
        match std::fs::read_to_string(dir.join(name)) {
            Ok(old) if old == *text => {}
            Ok(_) => out.push((name.clone(), "stale")),
            Err(_) => out.push((name.clone(), "missing")),
        }
    }
    for name in generated_files(dir) {
        if !want.contains_key(&name) {
            out.push((name, "belongs to no rule"));
        }
    }
    out
}

/// Files in `dir` that look generated (`STK*.md`, `README.md`).
fn generated_files(dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut v: Vec<String> = entries
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| (n.starts_with("STK") && n.ends_with(".md")) || n == "README.md")
        .collect();
    v.sort();
    v
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}

pub fn run(args: &[String]) -> ExitCode {
    let check = match args {
        [] => false,
        [a] if a == "--check" => true,
        _ => {
            eprintln!("usage: cargo xtask docs [--check]");
            return ExitCode::from(2);
        }
    };
    let dir = root().join(DIR);
    if check {
        let d = drift(&dir);
        if d.is_empty() {
            println!("docs: {DIR}/ is up to date ({} rule pages)", RULES.len());
            return ExitCode::SUCCESS;
        }
        for (name, what) in &d {
            eprintln!("docs: {DIR}/{name}: {what}");
        }
        eprintln!("docs: run `cargo xtask docs` and commit the result");
        return ExitCode::from(1);
    }
    if let Err(e) = std::fs::create_dir_all(&dir) {
        eprintln!("docs: cannot create {DIR}: {e}");
        return ExitCode::from(2);
    }
    let want = pages();
    for name in generated_files(&dir) {
        if !want.contains_key(&name) {
            if let Err(e) = std::fs::remove_file(dir.join(&name)) {
                eprintln!("docs: cannot remove {DIR}/{name}: {e}");
                return ExitCode::from(2);
            }
            println!("docs: removed {DIR}/{name}");
        }
    }
    let mut written = 0;
    for (name, text) in &want {
        let path = dir.join(name);
        if std::fs::read_to_string(&path).is_ok_and(|old| old == *text) {
            continue;
        }
        if let Err(e) = std::fs::write(&path, text) {
            eprintln!("docs: cannot write {DIR}/{name}: {e}");
            return ExitCode::from(2);
        }
        written += 1;
    }
    println!("docs: {written} of {} pages written in {DIR}/", want.len());
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drift_reports_stale_missing_and_orphan_pages() {
        let dir = std::env::temp_dir().join(format!("xtask-docs-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for (name, text) in pages() {
            std::fs::write(dir.join(name), text).unwrap();
        }
        assert!(drift(&dir).is_empty());
        std::fs::write(dir.join("STK101.md"), "edited").unwrap();
        std::fs::remove_file(dir.join("STK102.md")).unwrap();
        std::fs::write(dir.join("STK999.md"), "old").unwrap();
        let d = drift(&dir);
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(
            d,
            vec![
                ("STK101.md".to_string(), "stale"),
                ("STK102.md".to_string(), "missing"),
                ("STK999.md".to_string(), "belongs to no rule")
            ]
        );
    }
}
