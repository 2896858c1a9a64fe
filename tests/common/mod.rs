//! Helpers shared by the CLI integration tests.
#![allow(dead_code)]

pub mod k8s_refs;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The workspace root (tests run there).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `stackc` with `args` from the workspace root, with colour off.
pub fn stackc(args: &[&str]) -> Output {
    stackc_in(&root(), args)
}

/// Runs `stackc` in `dir`.
pub fn stackc_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_stackc"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("GITHUB_ACTIONS")
        .output()
        .expect("stackc runs")
}

/// Whether golden files should be rewritten instead of compared.
pub fn bless() -> bool {
    std::env::var_os("STACKC_BLESS").is_some_and(|v| v == "1")
}

/// Sub-directories of `dir`, sorted.
pub fn subdirs(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    v.sort();
    v
}

/// The `code line:col` list of a JSON diagnostics envelope.
pub fn codes_at(json: &[u8]) -> Vec<String> {
    let v: serde_json::Value = serde_json::from_slice(json).expect("stackc prints JSON");
    v["diagnostics"]
        .as_array()
        .expect("diagnostics array")
        .iter()
        .map(|d| match d["location"].as_object() {
            Some(l) => format!(
                "{} {}:{}",
                d["code"].as_str().unwrap(),
                l["line"],
                l["column"]
            ),
            None => d["code"].as_str().unwrap().to_string(),
        })
        .collect()
}

/// The real Docker Compose binary of `cargo xtask install-tools` (inside site-packages: the
/// `docker-compose` console script of the same package always exits 0), or
/// `$STACKC_DOCKER_COMPOSE`.
pub fn compose_bin() -> PathBuf {
    if let Some(p) = std::env::var_os("STACKC_DOCKER_COMPOSE") {
        return PathBuf::from(p);
    }
    let lib = root().join("target/validators/venv/lib");
    let found = std::fs::read_dir(&lib).ok().and_then(|entries| {
        entries
            .flatten()
            .map(|e| e.path().join("site-packages/compose/docker-compose"))
            .find(|p| p.is_file())
    });
    found.unwrap_or_else(|| {
        panic!(
            "the docker compose binary is not installed under {}: run `cargo xtask test` (or `cargo xtask install-tools`, or set STACKC_DOCKER_COMPOSE)",
            lib.display()
        )
    })
}

/// Error diagnostics of a JSON build: `CODE line: message`.
pub fn build_errors(stdout: &[u8]) -> Vec<String> {
    let v: serde_json::Value = serde_json::from_slice(stdout).unwrap_or_default();
    v["diagnostics"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter(|d| d["severity"] == "error")
        .map(|d| {
            format!(
                "{} {}: {}",
                d["code"].as_str().unwrap_or("?"),
                d["location"]["line"],
                d["message"].as_str().unwrap_or("")
            )
        })
        .collect()
}

/// Builds `--env prod` to `targets`; lint findings (STK100 and up: the team's policy) are
/// suppressed in a copy of the spec, as the corpus test does. Returns the errors left.
pub fn prod_build(dir: &Path, targets: &str) -> Vec<String> {
    let run = |spec: &str| {
        stackc_in(
            dir,
            &[
                "build", spec, "--env", "prod", "--target", targets, "--format", "json", "-o",
                "out", "--force",
            ],
        )
    };
    let r = run("stack.yaml");
    if r.status.success() {
        return Vec::new();
    }
    let errs = build_errors(&r.stdout);
    assert!(!errs.is_empty(), "{}", String::from_utf8_lossy(&r.stderr));
    if errs.iter().any(|e| e.as_str() < "STK100") {
        return errs;
    }
    let mut spec = std::fs::read_to_string(dir.join("stack.yaml")).unwrap();
    spec.push_str("lint:\n  ignore:\n");
    let mut codes: Vec<&str> = errs.iter().map(|e| &e[..6]).collect();
    codes.sort();
    codes.dedup();
    for c in codes {
        spec.push_str(&format!("    {c}: the test checks what builds\n"));
    }
    std::fs::write(dir.join("stack.policy.yaml"), spec).unwrap();
    let r = run("stack.policy.yaml");
    if r.status.success() {
        Vec::new()
    } else {
        build_errors(&r.stdout)
    }
}
