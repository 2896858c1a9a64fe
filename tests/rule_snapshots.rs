//! What a user sees for each lint rule: the human and short renderings of every fail case of
//! every rule, one file per rule under `tests/snapshots/rules/<CODE>.txt`, compared byte for
//! byte (`STACKC_BLESS=1` rewrites them and removes the files of rules that no longer exist).
//!
//! A case is compiled as `case.yaml`, so the paths in a snapshot are relative and stable.

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;

use common::{bless, root};
use stackc_compiler::diag::Diagnostic;
use stackc_compiler::lint::report::{human, short};
use stackc_compiler::lint::{Finding, RULES, Rule};

/// The width of the human rendering (wide enough that no snippet wraps).
const WIDTH: usize = 100;

fn dir() -> PathBuf {
    root().join("tests/snapshots/rules")
}

/// The snapshot of one rule: for each fail case, its short then its human rendering.
fn snapshot(index: usize, rule: &Rule) -> String {
    let mut out = format!("# {} {}\n", rule.code, rule.slug);
    for case in rule.cases.iter().filter(|c| !c.is_pass()) {
        out.push_str(&format!(
            "\n## fail case `{}` (env {})\n",
            case.name, case.env
        ));
        let findings: Vec<Finding> = match case.run(Some(index)) {
            Ok(f) => f,
            Err(errors) => panic!(
                "{} case `{}` does not compile: {errors:?}",
                rule.code, case.name
            ),
        };
        out.push_str("\n### short\n\n");
        out.push_str(&short(&findings));
        out.push_str("\n### human\n\n");
        let diags: Vec<&Diagnostic> = findings.iter().map(|f| &f.diagnostic).collect();
        let mut text = Vec::new();
        human::write_human(&mut text, &diags, false, WIDTH).expect("writes to memory");
        out.push_str(&String::from_utf8(text).expect("the human report is UTF-8"));
    }
    out
}

#[test]
fn every_rules_fail_cases_render_as_snapshotted() {
    let expected: BTreeMap<String, String> = RULES
        .iter()
        .enumerate()
        .map(|(i, r)| (format!("{}.txt", r.code), snapshot(i, r)))
        .collect();
    let bless = bless();
    if bless {
        std::fs::create_dir_all(dir()).unwrap();
    }
    let mut problems = Vec::new();
    for (name, text) in &expected {
        let path = dir().join(name);
        let committed = std::fs::read_to_string(&path).ok();
        if committed.as_deref() == Some(text.as_str()) {
            continue;
        }
        if bless {
            std::fs::write(&path, text).unwrap();
        } else if committed.is_none() {
            problems.push(format!("{name}: no snapshot (run with STACKC_BLESS=1)"));
        } else {
            problems.push(format!("{name} differs; now:\n{text}"));
        }
    }
    for entry in std::fs::read_dir(dir()).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        if !expected.contains_key(&name) {
            if bless {
                std::fs::remove_file(entry.path()).unwrap();
            } else {
                problems.push(format!("{name}: a snapshot of no rule"));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "rendered findings differ from tests/snapshots/rules (STACKC_BLESS=1 rewrites them):\n{}",
        problems.join("\n")
    );
    assert!(expected.len() >= 35, "{} rules", expected.len());
}
