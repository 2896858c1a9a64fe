//! stackc agrees with itself: linting a compose file that `stackc build` generated reports no
//! rule the spec's own lint did not report (suppressed findings of the spec count: the
//! suppression is the spec's, and compose files carry none).

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use common::{root, stackc};

/// The codes of every finding (suppressed or not) of `stackc lint FILE --env ENV`.
fn codes(file: &Path, env: &str, suppressed_ok: bool) -> BTreeSet<String> {
    let f = file.to_string_lossy();
    let out = stackc(&["lint", &f, "--env", env, "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "lint of {f} is not JSON ({e}): {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        // A finding the file itself suppresses with a reason (stackc's own volume-init
        // service carries `x-stackc-lint-ignore`) is not reported to the user.
        .filter(|d| !(suppressed_ok && d["suppressed"] == true))
        .map(|d| d["code"].as_str().unwrap().to_string())
        .collect()
}

/// Every golden compose output with its spec and environment: `fixtures/*/out/compose/` (built
/// for `dev`) and `examples/an-app/out/{dev,prod}/compose/`.
fn golden_outputs() -> Vec<(PathBuf, PathBuf, &'static str)> {
    let r = root();
    let mut out = Vec::new();
    for dir in common::subdirs(&r.join("fixtures")) {
        let compose = dir.join("out/compose/compose.yaml");
        if compose.is_file() {
            out.push((compose, dir.join("stack.yaml"), "dev"));
        }
    }
    for env in ["dev", "prod"] {
        out.push((
            r.join(format!("examples/an-app/out/{env}/compose/compose.yaml")),
            r.join("examples/an-app/stack.yaml"),
            env,
        ));
    }
    out
}

#[test]
fn lint_of_generated_compose_reports_nothing_the_spec_lint_did_not() {
    let cases = golden_outputs();
    assert!(
        cases.len() >= 4,
        "expected the golden compose outputs, found {cases:?}"
    );
    let mut problems = Vec::new();
    for (compose, spec, env) in &cases {
        assert!(compose.is_file(), "missing {}", compose.display());
        let from_spec = codes(spec, env, false);
        let from_compose = codes(compose, env, true);
        let extra: Vec<&String> = from_compose.difference(&from_spec).collect();
        if !extra.is_empty() {
            problems.push(format!(
                "{} ({env}): {extra:?} not reported on {}",
                compose.display(),
                spec.display()
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
