//! Every committed golden output verifies clean against its spec: `stackc verify` through the
//! library for each (spec, environment, output directory), and once through the binary.

use std::path::{Path, PathBuf};

use stackc_compiler::pipeline::compile;
use stackc_compiler::syntax::ParseOptions;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `(spec, env, output dir)`: every spec under `fixtures/` and `examples/` with an `out/`
/// folder: `out/<target>/` is environment `dev`, `out/<env>/<target>/` that environment (the
/// layout `tests/golden.rs` reads).
fn cases() -> Vec<(PathBuf, String, PathBuf)> {
    const TARGETS: &[&str] = &["compose", "dockerfile", "k8s", "quadlet", "units"];
    let mut specs = Vec::new();
    for top in ["fixtures", "examples"] {
        find_specs(&root().join(top), &mut specs);
    }
    specs.sort();
    let mut v = Vec::new();
    for dir in specs {
        let out = dir.join("out");
        let mut subs: Vec<PathBuf> = std::fs::read_dir(&out)
            .unwrap()
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_dir())
            .collect();
        subs.sort();
        let is_target = |p: &Path| {
            p.file_name()
                .is_some_and(|n| TARGETS.contains(&n.to_string_lossy().as_ref()))
        };
        if subs.iter().any(|p| is_target(p)) {
            v.push((dir.join("stack.yaml"), "dev".to_string(), out.clone()));
        }
        for env_dir in subs.iter().filter(|p| !is_target(p)) {
            let env = env_dir.file_name().unwrap().to_string_lossy().to_string();
            v.push((dir.join("stack.yaml"), env, env_dir.clone()));
        }
    }
    v
}

/// Folders holding a `stack.yaml` and an `out/` folder, below `dir`.
fn find_specs(dir: &Path, found: &mut Vec<PathBuf>) {
    if dir.join("stack.yaml").is_file() && dir.join("out").is_dir() {
        found.push(dir.to_path_buf());
    }
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() && e.file_name() != "out" {
            find_specs(&p, found);
        }
    }
}

fn verify(spec: &Path, env: &str, out: &Path) -> Vec<String> {
    let bytes = std::fs::read(spec).unwrap();
    let compiled = compile(
        &spec.display().to_string(),
        &bytes,
        env,
        spec.parent().unwrap(),
        &ParseOptions::default(),
    )
    .unwrap_or_else(|d| panic!("{} does not compile: {d:?}", spec.display()));
    let diags = stackc_verify::verify(&compiled.stack, out, &[]).unwrap();
    diags
        .iter()
        .map(|d| format!("{:?}: {}", d.location(), d.message))
        .collect()
}

#[test]
fn every_golden_output_verifies_clean() {
    let cases = cases();
    assert!(cases.len() >= 8, "fixtures with outputs: {cases:?}");
    let mut targets_seen = std::collections::BTreeSet::new();
    let mut failures = Vec::new();
    for (spec, env, out) in &cases {
        let compiled = compile(
            &spec.display().to_string(),
            &std::fs::read(spec).unwrap(),
            env,
            spec.parent().unwrap(),
            &ParseOptions::default(),
        )
        .unwrap();
        for (t, _) in stackc_verify::layout(&compiled.stack, out, &[]).unwrap() {
            targets_seen.insert(t);
        }
        let diffs = verify(spec, env, out);
        if !diffs.is_empty() {
            failures.push(format!(
                "{} ({env}):\n  {}",
                out.display(),
                diffs.join("\n  ")
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(
        targets_seen.len(),
        5,
        "every target has a golden output: {targets_seen:?}"
    );
}

#[test]
fn the_cli_exits_0_on_a_clean_output_and_1_with_located_json_on_a_difference() {
    let dir = tempfile::tempdir().unwrap();
    let src = root().join("examples/an-app/out/prod/compose");
    for f in ["compose.yaml", "api.Dockerfile"] {
        std::fs::copy(src.join(f), dir.path().join(f)).unwrap();
    }
    let spec = root().join("examples/an-app/stack.yaml");
    let run = |extra: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_stackc"))
            .arg("verify")
            .arg(&spec)
            .args(["--env", "prod", "-o"])
            .arg(dir.path())
            .args(extra)
            .output()
            .unwrap()
    };
    let ok = run(&["--target", "compose"]);
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let text = std::fs::read_to_string(dir.path().join("compose.yaml")).unwrap();
    std::fs::write(
        dir.path().join("compose.yaml"),
        text.replace("memory: 8g", "memory: 4g"),
    )
    .unwrap();
    let bad = run(&["--format", "json"]);
    assert_eq!(bad.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&bad.stdout).unwrap();
    let text = json.to_string();
    assert!(
        text.contains("STK095")
            && text.contains(
                "`ollama`: memory limit 4294967296 bytes, the spec says 8589934592 bytes"
            ),
        "{text}"
    );
    let usage = run(&["--target", "k8s,units"]);
    assert_eq!(usage.status.code(), Some(2));
}

#[test]
fn build_all_then_verify_agrees_through_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let spec = root().join("examples/an-app/stack.yaml");
    let stackc = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_stackc"))
            .args(args)
            .arg(&spec)
            .args(["--env", "prod"])
            .arg("-o")
            .arg(dir.path().join("out"))
            .output()
            .unwrap()
    };
    let built = stackc(&["build", "--target", "all"]);
    assert_eq!(
        built.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );
    let ok = stackc(&["verify"]);
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(String::from_utf8_lossy(&ok.stderr).contains("the outputs agree with the spec"));
    let deploy = dir.path().join("out/k8s/api.deployment.yaml");
    let text = std::fs::read_to_string(&deploy).unwrap();
    std::fs::write(&deploy, text.replacen("replicas: 2", "replicas: 5", 1)).unwrap();
    let bad = stackc(&["verify", "--target", "k8s,compose"]);
    assert_eq!(bad.status.code(), Some(1));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(
        err.contains("api.deployment.yaml:12")
            && err.contains("`api`: 5 replicas, the spec says 2"),
        "{err}"
    );
}
