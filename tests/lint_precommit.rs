//! The real `pre-commit try-repo` against this repository's `.pre-commit-hooks.yaml`, in a
//! throwaway git repository with a stack spec: the hook fails on a finding and passes once it is
//! fixed, and only spec files are passed to it.
//!
//! Ignored by default: the `language: rust` hook builds stackc with `cargo install` (minutes).
//! CI runs them with `cargo test --test lint_precommit -- --ignored`; pre-commit comes from
//! `cargo xtask install-tools` (or `STACKC_PRE_COMMIT=/path/to/pre-commit`).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn pre_commit() -> PathBuf {
    if let Some(p) = std::env::var_os("STACKC_PRE_COMMIT") {
        return PathBuf::from(p);
    }
    let p = root().join("target/validators/venv/bin/pre-commit");
    assert!(
        p.exists(),
        "pre-commit is not installed: run `cargo xtask install-tools` (or set STACKC_PRE_COMMIT)"
    );
    p
}

fn git(dir: &Path, args: &[&str]) {
    let s = Command::new("git")
        .args([
            "-c",
            "user.name=stackc-test",
            "-c",
            "user.email=test@example.invalid",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .status()
        .unwrap();
    assert!(s.success(), "git {args:?}");
}

/// A git repository with one commit holding `files`.
fn repo(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    git(dir.path(), &["init", "-q"]);
    for (name, text) in files {
        let p = dir.path().join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    git(dir.path(), &["add", "-A"]);
    git(dir.path(), &["commit", "-q", "-m", "specs"]);
    dir
}

/// `pre-commit try-repo <this repository> <hook> --all-files` in `dir`.
fn try_repo(dir: &Path, hook: &str, path_prefix: Option<&Path>) -> Output {
    let mut cmd = Command::new(pre_commit());
    cmd.args([
        "try-repo",
        root().to_str().unwrap(),
        hook,
        "--all-files",
        "--color",
        "never",
    ])
    .current_dir(dir)
    // Cache the hook environments and the cargo build between runs.
    .env("PRE_COMMIT_HOME", root().join("target/pre-commit-home"))
    .env("CARGO_TARGET_DIR", root().join("target/pre-commit-cargo"))
    .env("NO_COLOR", "1");
    if let Some(prefix) = path_prefix {
        let path = std::env::var("PATH").unwrap_or_default();
        cmd.env("PATH", format!("{}:{path}", prefix.display()));
    }
    cmd.output().unwrap()
}

const FLOATING: &str = "stack: t\nservices:\n  a: { image: 'nginx:latest', health: { cmd: [nginx, -t] }, resources: { cpus: 1, memory: 64Mi } }\n";
const PINNED: &str = "stack: t\nservices:\n  a: { image: 'nginx:1.27.3', health: { cmd: [nginx, -t] }, resources: { cpus: 1, memory: 64Mi } }\n";
/// Not a spec name: the hook's `files` pattern must leave it out.
const NOT_A_SPEC: &str = "image: nginx\n";

fn check_hook(hook: &str, path_prefix: Option<&Path>) {
    let bad = repo(&[
        ("deploy/stack.yaml", FLOATING),
        ("config/settings.yaml", NOT_A_SPEC),
    ]);
    let out = try_repo(bad.path(), hook, path_prefix);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "{hook} must fail on a floating tag:\n{text}"
    );
    assert!(text.contains("Failed"), "{text}");
    assert!(
        text.contains("deploy/stack.yaml:3:15: error STK102"),
        "{text}"
    );
    assert!(
        !text.contains("settings.yaml"),
        "only spec files are passed:\n{text}"
    );

    let good = repo(&[
        ("deploy/stack.yaml", PINNED),
        ("config/settings.yaml", NOT_A_SPEC),
    ]);
    let out = try_repo(good.path(), hook, path_prefix);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{hook} must pass on a pinned image:\n{text}"
    );
    assert!(text.contains("Passed"), "{text}");
}

#[test]
#[ignore = "builds stackc through `cargo install`; run with --ignored (CI does)"]
fn the_rust_hook_installs_stackc_and_lints_specs() {
    check_hook("stackc-lint", None);
}

#[test]
#[ignore = "needs pre-commit; run with --ignored (CI does)"]
fn the_system_hook_uses_stackc_on_path() {
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_stackc"));
    check_hook("stackc-lint-system", bin.parent());
}
