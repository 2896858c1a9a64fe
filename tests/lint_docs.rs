//! `docs/rules/` is what `stackc explain` prints: one page per registered rule, nothing stale
//! (`cargo xtask docs` regenerates them).

use std::path::PathBuf;
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn every_rule_page_is_what_explain_prints() {
    let rules = Command::new(env!("CARGO_BIN_EXE_stackc"))
        .args(["rules", "--format", "json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&rules.stdout).unwrap();
    let codes: Vec<String> = v["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap().to_string())
        .collect();
    assert!(codes.len() >= 35);
    let mut stale = Vec::new();
    for code in &codes {
        let page = std::fs::read_to_string(root().join("docs/rules").join(format!("{code}.md")))
            .unwrap_or_default();
        let out = Command::new(env!("CARGO_BIN_EXE_stackc"))
            .args(["explain", code])
            .output()
            .unwrap();
        if String::from_utf8_lossy(&out.stdout) != page {
            stale.push(code.clone());
        }
    }
    assert!(
        stale.is_empty(),
        "docs/rules pages differ from `stackc explain` for {stale:?}: run `cargo xtask docs`"
    );
    let pages = std::fs::read_dir(root().join("docs/rules"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.starts_with("STK"))
        .count();
    assert_eq!(
        pages,
        codes.len(),
        "a page per rule and no page of a removed rule: run `cargo xtask docs`"
    );
}
