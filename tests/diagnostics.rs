//! Every invalid fixture under `fixtures/invalid/` fails `stackc check` with exit code 1 and
//! exactly the diagnostics listed in its `expected` file (`CODE line:col` per line); the
//! rendered human output is an insta snapshot.

mod common;

use common::*;

#[test]
fn invalid_fixtures_report_located_diagnostics() {
    let dirs = subdirs(&root().join("fixtures/invalid"));
    assert!(
        dirs.len() >= 15,
        "at least 15 invalid fixtures, found {}",
        dirs.len()
    );
    for dir in dirs {
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        let spec = format!("fixtures/invalid/{name}/stack.yaml");
        let env = std::fs::read_to_string(dir.join("env"))
            .map(|s| s.trim().to_string())
            .unwrap_or_else(|_| "dev".into());

        let json = stackc(&["check", &spec, "--env", &env, "--format", "json"]);
        assert_eq!(
            json.status.code(),
            Some(1),
            "{name}: exit code; stderr: {}",
            String::from_utf8_lossy(&json.stderr)
        );
        let got = codes_at(&json.stdout).join("\n") + "\n";
        let expected_path = dir.join("expected");
        if bless() {
            std::fs::write(&expected_path, &got).unwrap();
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_else(|_| {
            panic!("{name}: missing `expected` file (run with STACKC_BLESS=1)")
        });
        assert_eq!(got, expected, "{name}: diagnostics differ");

        let human = stackc(&["check", &spec, "--env", &env, "--color", "never"]);
        assert_eq!(human.status.code(), Some(1), "{name}: exit code (human)");
        let text = String::from_utf8(human.stderr).expect("utf-8 output");
        assert!(!text.contains("panicked"), "{name}: panic in output");
        insta::with_settings!({ snapshot_path => "snapshots/diagnostics", prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!(name.clone(), text);
        });
    }
}

#[test]
fn all_errors_are_reported_in_one_run() {
    let out = stackc(&[
        "check",
        "fixtures/invalid/many-errors/stack.yaml",
        "--format",
        "json",
    ]);
    let codes: Vec<String> = codes_at(&out.stdout)
        .into_iter()
        .map(|c| c[..6].to_string())
        .collect();
    assert_eq!(codes, ["STK010", "STK013", "STK012", "STK024", "STK020"]);
}

#[test]
fn a_missing_spec_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = stackc_in(dir.path(), &["check"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no spec given and no `stack.yaml` in the current directory"),
        "{err}"
    );
    let out = stackc(&["check", "no/such/stack.yaml"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_spec_in_the_current_directory_is_found() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("stack.yaml"),
        "stack: here\nservices:\n  web:\n    image: nginx:1.27.3\n",
    )
    .unwrap();
    let out = stackc_in(dir.path(), &["check"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "stack.yaml: ok (1 services, environment `dev`)\n"
    );
}

#[test]
fn an_unknown_environment_is_reported() {
    let out = stackc(&[
        "check",
        "examples/an-app/stack.yaml",
        "--env",
        "prd",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["diagnostics"][0]["code"], "STK015");
    assert_eq!(v["diagnostics"][0]["help"], "did you mean `--env prod`?");
}

#[test]
fn the_manual_page_and_completions_are_printed() {
    let man = stackc(&["man"]);
    assert_eq!(man.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&man.stdout).contains(".TH stackc 1"));
    let bash = stackc(&["completions", "bash"]);
    assert_eq!(bash.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&bash.stdout).contains("_stackc()"));
}
