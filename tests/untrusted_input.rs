//! Untrusted input (issue 12): what a pull request can put in a tree that `stackc lint` and
//! `stackc build` run on. Each test names the promise of docs/security.md it proves.

mod common;

use std::os::unix::fs::symlink;
use std::path::Path;
use std::process::{Command, Output};

#[allow(unused_imports)]
use common::*;

/// Runs `stackc` in `dir` with a marker variable in its environment.
fn stackc_marked(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_stackc"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("STACKC_CANARY", "canary-3f9a1c-environment-leak")
        .env_remove("GITHUB_ACTIONS")
        .output()
        .expect("stackc runs")
}

fn all_output(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

const WEB: &str = "services:\n  web:\n    image: nginx:1.27.3\n";

// ---------------------------------------------------------------------------------------------
// Reading

#[test]
fn a_compose_file_linked_to_proc_environ_is_refused_unread() {
    let d = tempfile::tempdir().unwrap();
    symlink("/proc/self/environ", d.path().join("compose.yaml")).unwrap();
    let o = stackc_marked(d.path(), &["lint", "."]);
    let all = all_output(&o);
    assert!(!all.contains("canary-3f9a1c"), "environment leaked: {all}");
    assert!(!all.contains("STACKC_CANARY"), "environment leaked: {all}");
    assert_eq!(o.status.code(), Some(1), "{all}");
    assert!(
        all.contains("compose.yaml:1:1: error STK036"),
        "located error with its code: {all}"
    );
    assert!(all.contains("help:"), "{all}");
}

#[test]
fn a_spec_linked_outside_the_project_is_refused_with_json_location() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(
        outside.path().join("stack.yaml"),
        format!("stack: secret-host-file\n{WEB}"),
    )
    .unwrap();
    let d = tempfile::tempdir().unwrap();
    symlink(
        outside.path().join("stack.yaml"),
        d.path().join("stack.yaml"),
    )
    .unwrap();
    let o = stackc_marked(d.path(), &["lint", ".", "--format", "json"]);
    assert_eq!(o.status.code(), Some(1));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(!out.contains("secret-host-file"), "{out}");
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let d0 = &v["diagnostics"][0];
    assert_eq!(d0["code"], "STK037");
    assert_eq!(d0["file"], "stack.yaml");
    assert_eq!(d0["line"], 1);
}

#[test]
fn fifos_and_devices_never_block_or_get_read() {
    let d = tempfile::tempdir().unwrap();
    let made = Command::new("mkfifo")
        .arg(d.path().join("compose.yaml"))
        .status()
        .unwrap();
    assert!(made.success());
    symlink("/dev/zero", d.path().join("stack.yaml")).unwrap();
    // A FIFO opened for reading would block forever without a writer; /dev/zero never ends.
    let o = stackc_marked(d.path(), &["lint", ".", "--format", "short"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.contains("compose.yaml:1:1: STK036 input `compose.yaml` is a FIFO"),
        "{out}"
    );
    assert!(
        out.contains("stack.yaml:1:1: STK036 input `stack.yaml` is a device"),
        "{out}"
    );
}

#[test]
fn include_extends_and_config_files_outside_the_project_are_located_errors() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(
        outside.path().join("base.yaml"),
        "services:\n  base:\n    image: leaked-host-image:1\n",
    )
    .unwrap();
    let d = tempfile::tempdir().unwrap();
    let base = outside.path().join("base.yaml");
    symlink(&base, d.path().join("linked.yaml")).unwrap();
    let compose = format!(
        "include:\n  - {}\nservices:\n  web:\n    image: nginx:1.27.3\n    extends:\n      file: ./linked.yaml\n      service: base\n",
        base.display()
    );
    std::fs::write(d.path().join("compose.yaml"), compose).unwrap();
    let o = stackc_marked(d.path(), &["lint", ".", "--format", "short"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(!out.contains("leaked-host-image"), "{out}");
    assert!(
        out.contains("compose.yaml:2:5: STK037 included file"),
        "include located at its path: {out}"
    );
    assert!(
        out.contains("compose.yaml:7:13: STK037 extended file `"),
        "extends.file located at its path: {out}"
    );
}

#[test]
fn a_config_file_linked_to_a_device_is_refused() {
    let d = tempfile::tempdir().unwrap();
    symlink("/dev/zero", d.path().join("app.conf")).unwrap();
    std::fs::write(
        d.path().join("stack.yaml"),
        "stack: x\nservices:\n  web:\n    image: nginx:1.27.3\n    volumes: [{ config: ./app.conf, target: /etc/app.conf }]\n",
    )
    .unwrap();
    let o = stackc_marked(d.path(), &["lint", "stack.yaml", "--format", "short"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.contains("stack.yaml:5:25: STK036 config file `./app.conf` is a device"),
        "{out}"
    );
}

#[test]
fn a_stackc_toml_linked_to_proc_is_not_read() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("stack.yaml"), format!("stack: x\n{WEB}")).unwrap();
    symlink("/proc/self/environ", d.path().join("stackc.toml")).unwrap();
    let o = stackc_marked(d.path(), &["lint", "."]);
    let all = all_output(&o);
    assert!(!all.contains("canary-3f9a1c"), "environment leaked: {all}");
    assert_eq!(o.status.code(), Some(2), "{all}");
    assert!(all.contains("not a regular file"), "{all}");
}

#[test]
fn secret_files_outside_the_project_are_errors_and_never_copied() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("host-secret"), "host-secret-value-77\n").unwrap();
    let d = tempfile::tempdir().unwrap();
    // An absolute path: an error at resolve.
    let spec = format!(
        "stack: x\nsecrets:\n  db: {{ file: {} }}\n{WEB}",
        outside.path().join("host-secret").display()
    );
    std::fs::write(d.path().join("stack.yaml"), &spec).unwrap();
    let o = stackc_marked(d.path(), &["secrets", "init", "stack.yaml"]);
    assert_eq!(o.status.code(), Some(1), "{}", all_output(&o));
    assert!(all_output(&o).contains("STK037"), "{}", all_output(&o));
    assert!(!d.path().join(".env").exists());
    // A relative path through a symlink leading out: refused by the reader, never copied.
    symlink(outside.path().join("host-secret"), d.path().join("db.txt")).unwrap();
    std::fs::write(
        d.path().join("stack.yaml"),
        format!("stack: x\nsecrets:\n  db: {{ file: ./db.txt }}\n{WEB}"),
    )
    .unwrap();
    let o = stackc_marked(d.path(), &["secrets", "init", "stack.yaml"]);
    let env = std::fs::read_to_string(d.path().join(".env")).unwrap_or_default();
    assert!(!env.contains("host-secret-value-77"), "copied: {env}");
    assert!(
        all_output(&o).contains("outside the project directory"),
        "{}",
        all_output(&o)
    );
    // `..` is an error at resolve too.
    std::fs::write(
        d.path().join("stack.yaml"),
        format!("stack: x\nsecrets:\n  db: {{ file: ../host-secret }}\n{WEB}"),
    )
    .unwrap();
    let o = stackc_marked(d.path(), &["secrets", "init", "stack.yaml"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(all_output(&o).contains("STK037"), "{}", all_output(&o));
}

#[test]
fn an_extended_file_is_read_once_for_every_service_and_chain_level() {
    let d = tempfile::tempdir().unwrap();
    // A base file with a chain of three levels and many other services.
    let mut base = String::from(
        "services:\n  root:\n    image: nginx:1.27.3\n    environment: { A: '1' }\n  mid:\n    extends: root\n    environment: { B: '2' }\n  leaf:\n    extends: mid\n",
    );
    for i in 0..2000 {
        base.push_str(&format!(
            "  filler_{i}:\n    image: nginx:1.27.3\n    labels: {{ k: v{i} }}\n"
        ));
    }
    std::fs::write(d.path().join("base.yaml"), &base).unwrap();
    let mut main = String::from("services:\n");
    for i in 0..200 {
        main.push_str(&format!(
            "  s{i}:\n    extends:\n      file: base.yaml\n      service: leaf\n"
        ));
    }
    let before = stackc_compiler::load::reads_on_this_thread();
    let r = stackc_compiler::front::compose::compile(
        "compose.yaml",
        main.as_bytes(),
        "dev",
        d.path(),
        &stackc_compiler::syntax::ParseOptions::default(),
    );
    let reads = stackc_compiler::load::reads_on_this_thread() - before;
    let stack =
        r.unwrap_or_else(|e| panic!("{:?}", e.iter().map(|d| &d.message).collect::<Vec<_>>()));
    assert_eq!(reads, 1, "base.yaml read once");
    assert_eq!(stack.stack.services.len(), 200);
    let env = &stack.stack.services[0].env;
    assert_eq!(env.len(), 2, "the whole chain was merged");
}

#[test]
fn an_empty_or_foreign_manifest_never_hides_compose_files_from_lint() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(
        d.path().join("compose.yaml"),
        "services:\n  web:\n    image: nginx\n",
    )
    .unwrap();
    for manifest in [
        "",
        "compose.yaml\n",
        "# my own notes\ncompose.yaml\n",
        // stackc's header, but the file itself is hand-written (no header): still linted.
        "# Generated by stackc: the files of this directory that stackc wrote and may replace.\ncompose.yaml\n",
    ] {
        std::fs::write(d.path().join(".stackc-generated"), manifest).unwrap();
        let o = stackc_in(d.path(), &["lint", ".", "--format", "short"]);
        let out = String::from_utf8_lossy(&o.stdout);
        assert!(
            out.contains("compose.yaml:3:12: STK101 image `nginx` of `web`"),
            "manifest {manifest:?} hid the compose file: {out}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Resource use and rendering

#[test]
fn a_finding_past_column_65535_renders_clipped_without_a_panic() {
    let d = tempfile::tempdir().unwrap();
    let pad = "x".repeat(70_000);
    std::fs::write(
        d.path().join("stack.yaml"),
        format!("stack: x\nservices:\n  web: {{labels: {{a: \"{pad}\"}}, image: nginx}}\n"),
    )
    .unwrap();
    let o = stackc_in(d.path(), &["lint", "stack.yaml"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        out.contains("stack.yaml:3:70033: error STK101"),
        "real column in the header: {}",
        &out[..out.len().min(2000)]
    );
    assert!(
        out.contains("[stack.yaml:3:70033]"),
        "real column in the snippet header"
    );
    assert!(
        out.contains("…xxxx"),
        "clipped line marked with an ellipsis"
    );
    let longest = out.lines().map(|l| l.chars().count()).max().unwrap();
    assert!(longest < 200, "a snippet line of {longest} characters");
    assert!(out.len() < 20_000, "report of {} bytes", out.len());
}

#[test]
fn snippets_escape_terminal_controls_and_bidi_characters() {
    let d = tempfile::tempdir().unwrap();
    // YAML refuses raw controls: the parser's error shows the line that holds them.
    std::fs::write(
        d.path().join("stack.yaml"),
        "stack: x\nservices:\n  web:\n    image: \"nginx\u{1b}]0;pwned\u{7}\u{1b}[2J\"\n",
    )
    .unwrap();
    // Bidi controls are valid YAML: a finding's snippet shows them.
    std::fs::write(
        d.path().join("b.stack.yaml"),
        "stack: y\nservices:\n  web:\n    image: nginx # \u{202e}gnp.exe\n",
    )
    .unwrap();
    let o = stackc_in(d.path(), &["lint", "."]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("stack.yaml:4:18: error STK001"), "{out}");
    assert!(out.contains("b.stack.yaml:4:12: error STK101"), "{out}");
    for c in ['\u{1b}', '\u{7}', '\u{202e}'] {
        assert!(!out.contains(c), "raw {c:?} in the report: {out:?}");
    }
    assert!(
        out.contains("nginx\\u{1b}]0;pwned\\u{7}\\u{1b}[2J"),
        "{out}"
    );
    assert!(out.contains("# \\u{202e}gnp.exe"), "{out}");
}

// ---------------------------------------------------------------------------------------------
// Writing and deleting

fn build_in(dir: &Path, args: &[&str]) -> Output {
    let mut all = vec!["build", "stack.yaml"];
    all.extend_from_slice(args);
    stackc_in(dir, &all)
}

const HEADER: &str = "# Generated by stackc from stack.yaml. Do not edit.\n";

#[test]
fn building_into_the_project_root_never_removes_hand_written_or_git_files() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    std::fs::write(p.join("stack.yaml"), format!("stack: x\n{WEB}")).unwrap();
    // Hand-written files that mention stackc's header: it proves nothing.
    std::fs::create_dir_all(p.join(".git/hooks")).unwrap();
    std::fs::create_dir_all(p.join("docs")).unwrap();
    let hand = [
        ".git/config",
        ".git/hooks/pre-commit",
        "docs/guide.md",
        "NOTES.md",
    ];
    for f in hand {
        std::fs::write(p.join(f), format!("{HEADER}hand-written\n")).unwrap();
    }
    let o = build_in(p, &["--target", "compose", "-o", "."]);
    assert_eq!(o.status.code(), Some(0), "{}", all_output(&o));
    assert!(p.join("compose.yaml").is_file());
    // Another target into the same folder: compose.yaml (stackc's, in its manifest) goes.
    let o = build_in(p, &["--target", "k8s", "-o", "."]);
    assert_eq!(o.status.code(), Some(0), "{}", all_output(&o));
    assert!(!p.join("compose.yaml").exists(), "{}", all_output(&o));
    assert!(all_output(&o).contains("removed ./compose.yaml"));
    for f in hand {
        assert_eq!(
            std::fs::read_to_string(p.join(f)).unwrap(),
            format!("{HEADER}hand-written\n"),
            "{f} was touched"
        );
    }
}

#[test]
fn a_crafted_manifest_never_deletes_through_symlinks_or_outside() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("victim.txt"), "precious\n").unwrap();
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    std::fs::write(p.join("stack.yaml"), format!("stack: x\n{WEB}")).unwrap();
    std::fs::write(p.join("victim2.txt"), format!("{HEADER}precious\n")).unwrap();
    std::fs::create_dir_all(p.join(".git")).unwrap();
    std::fs::write(p.join(".git/config"), format!("{HEADER}precious\n")).unwrap();
    let o = build_in(p, &["--target", "compose", "-o", "out"]);
    assert_eq!(o.status.code(), Some(0), "{}", all_output(&o));
    // What a pull request can commit: a symlinked folder and a manifest naming files through
    // it, outside the output folder, and inside `.git`.
    symlink(outside.path(), p.join("out/link")).unwrap();
    std::fs::write(
        p.join("out/.stackc-generated"),
        "# Generated by stackc: the files of this directory that stackc wrote and may replace.\ncompose.yaml\nlink/victim.txt\n../victim2.txt\n../.git/config\n/etc/hostname\n",
    )
    .unwrap();
    let o = build_in(p, &["--target", "compose", "-o", "out"]);
    let all = all_output(&o);
    assert_eq!(o.status.code(), Some(0), "{all}");
    assert!(outside.path().join("victim.txt").is_file(), "{all}");
    assert!(p.join("victim2.txt").is_file(), "{all}");
    assert!(p.join(".git/config").is_file(), "{all}");
    assert!(
        all.contains("ignored entry link/victim.txt (reached through a symlink)"),
        "{all}"
    );
    assert!(
        all.contains("ignored entry ../victim2.txt (not a plain relative path)"),
        "{all}"
    );
}

#[test]
fn a_symlink_in_any_component_of_the_output_path_is_refused() {
    for (out, targets) in [
        ("deploy/out", "compose"),
        ("deploy/out", "all"),
        ("deploy", "compose"),
        ("deploy", "all"),
    ] {
        let elsewhere = tempfile::tempdir().unwrap();
        let d = tempfile::tempdir().unwrap();
        let p = d.path();
        std::fs::write(p.join("stack.yaml"), format!("stack: x\n{WEB}")).unwrap();
        symlink(elsewhere.path(), p.join("deploy")).unwrap();
        let o = build_in(p, &["--target", targets, "-o", out]);
        let all = all_output(&o);
        assert_eq!(
            o.status.code(),
            Some(2),
            "-o {out} --target {targets}: {all}"
        );
        assert!(all.contains("is a symlink"), "{all}");
        let written: Vec<_> = std::fs::read_dir(elsewhere.path()).unwrap().collect();
        assert!(
            written.is_empty(),
            "-o {out} --target {targets} wrote {written:?}"
        );
        // `--check` compares nothing through it either.
        let o = build_in(p, &["--target", targets, "-o", out, "--check"]);
        assert_eq!(o.status.code(), Some(2), "{}", all_output(&o));
    }
}
