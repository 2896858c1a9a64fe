//! Hostile inputs: each gets a located error with a specific code and exit code 1 within a
//! bounded time (a watchdog kills a hung process), and the output directory stays untouched.

mod common;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

/// Runs `stackc build SPEC -o OUT` with a watchdog; returns (exit code, stdout JSON).
fn build_json(spec: &Path, out: &Path) -> (Option<i32>, Vec<u8>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_stackc"))
        .args([
            "build",
            spec.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "--format",
            "json",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let mut buf = Vec::new();
            child.stdout.take().unwrap().read_to_end(&mut buf).unwrap();
            return (status.code(), buf);
        }
        if start.elapsed() > Duration::from_secs(60) {
            child.kill().unwrap();
            panic!("{} hung", spec.display());
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Writes `bytes` as a spec in a fresh directory, builds it, and checks the outcome.
fn assert_refused(name: &str, bytes: &[u8], code: &str) -> serde_json::Value {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("stack.yaml");
    std::fs::write(&spec, bytes).unwrap();
    let out: PathBuf = dir.path().join("out");
    let (status, stdout) = build_json(&spec, &out);
    assert_eq!(status, Some(1), "{name}: exit code");
    let v: serde_json::Value =
        serde_json::from_slice(&stdout).unwrap_or_else(|e| panic!("{name}: JSON: {e}"));
    let first = &v["diagnostics"][0];
    assert_eq!(first["code"], code, "{name}: {v}");
    assert!(
        first["location"]["line"].as_u64().is_some_and(|l| l >= 1),
        "{name}: located"
    );
    assert!(!out.exists(), "{name}: the output directory was created");
    v
}

#[test]
fn billion_laughs_is_refused_not_expanded() {
    let mut s = String::from(
        "stack: bomb\nservices:\n  web:\n    image: nginx:1.27.3\n    labels: &a0 {k: v}\n",
    );
    for i in 1..=9 {
        let prev: Vec<String> = (0..9).map(|_| format!("*a{}", i - 1)).collect();
        s.push_str(&format!("x{i}: &a{i} [{}]\n", prev.join(", ")));
    }
    assert_refused("billion laughs", s.as_bytes(), "STK002");
    // The same shape inside an accepted field: aliases are counted before anything expands.
    let mut s = String::from("stack: bomb\nservices:\n");
    s.push_str("  s0:\n    image: nginx:1.27.3\n    env: &e {A: b}\n");
    for i in 1..2000 {
        s.push_str(&format!("  s{i}:\n    image: nginx:1.27.3\n    env: *e\n"));
    }
    let v = assert_refused("alias flood", s.as_bytes(), "STK004");
    assert_eq!(
        v["diagnostics"][0]["message"],
        "an anchor is used more than 1000 times (`*name` of one `&name`)"
    );
}

#[test]
fn deep_nesting_never_overflows() {
    let flow = format!(
        "stack: deep\nservices:\n  a:\n    command: {}{}\n",
        "[".repeat(1000),
        "]".repeat(1000)
    );
    assert_refused("1000-level flow nesting", flow.as_bytes(), "STK004");
    let mut block =
        String::from("stack: deep\nservices:\n  a:\n    image: nginx:1.27.3\n    labels:\n");
    for i in 0..1000 {
        block.push_str(&" ".repeat(6 + 2 * i));
        block.push_str("k:\n");
    }
    assert_refused("1000-level block nesting", block.as_bytes(), "STK005");
}

#[test]
fn a_50_megabyte_spec_is_refused_with_the_limit_named() {
    let mut s =
        String::from("stack: big\nservices:\n  web:\n    image: nginx:1.27.3\n    labels:\n");
    let line = format!("      k{{}}: {}\n", "x".repeat(100));
    let mut i = 0;
    while s.len() < 50 * 1024 * 1024 {
        s.push_str(&line.replace("{}", &i.to_string()));
        i += 1;
    }
    let v = assert_refused("50 MB", s.as_bytes(), "STK004");
    let msg = v["diagnostics"][0]["message"].as_str().unwrap();
    assert!(msg.contains("over the 8388608-byte limit"), "{msg}");
    assert!(
        v["diagnostics"][0]["help"]
            .as_str()
            .unwrap()
            .contains("--max-input-size")
    );
}

#[test]
fn invalid_utf8_and_nul_bytes() {
    assert_refused(
        "invalid UTF-8",
        b"stack: x\nservices:\n  web:\n    image: \"nginx\xff\"\n",
        "STK007",
    );
    assert_refused(
        "NUL byte",
        b"stack: x\nservices:\n  web:\n    image: nginx\x00:1\n",
        "STK001",
    );
}

#[test]
fn names_with_path_separators_or_confusables_are_invalid() {
    assert_refused(
        "../ in a service name",
        b"stack: x\nservices:\n  ../../etc:\n    image: nginx:1.27.3\n",
        "STK021",
    );
    assert_refused(
        "/ in a volume name",
        b"stack: x\nvolumes:\n  a/b: {}\nservices:\n  web:\n    image: nginx:1.27.3\n",
        "STK021",
    );
    // Cyrillic `а` (U+0430) looks like `a`.
    assert_refused(
        "confusable",
        "stack: x\nservices:\n  p\u{430}yments:\n    image: nginx:1.27.3\n".as_bytes(),
        "STK021",
    );
}

#[test]
fn volume_sources_escaping_the_project_are_refused() {
    assert_refused(
        "bind escape",
        b"stack: x\nservices:\n  web:\n    image: nginx:1.27.3\n    volumes: ['../../..:/host']\n",
        "STK037",
    );
    assert_refused("config escape", b"stack: x\nservices:\n  web:\n    image: nginx:1.27.3\n    volumes: [{ config: ./a/../../b.conf, target: /b.conf }]\n", "STK037");
}

#[test]
fn config_file_symlink_leaving_the_project_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("passwd"), "root:x:0:0\n").unwrap();
    std::os::unix::fs::symlink(outside.path().join("passwd"), dir.path().join("app.conf")).unwrap();
    let spec = dir.path().join("stack.yaml");
    std::fs::write(&spec, "stack: x\nservices:\n  web:\n    image: nginx:1.27.3\n    volumes: [{ config: ./app.conf, target: /app.conf }]\n").unwrap();
    let (status, stdout) = build_json(&spec, &dir.path().join("out"));
    assert_eq!(status, Some(1));
    assert_eq!(codes_at(&stdout), ["STK037 5:25"]);
}

#[test]
fn names_colliding_after_normalisation() {
    assert_refused("dns collision", b"stack: x\nservices:\n  api_v1:\n    image: nginx:1.27.3\n  api-v1:\n    image: nginx:1.27.3\n", "STK022");
}

#[test]
fn enormous_numbers() {
    assert_refused("huge port", b"stack: x\nservices:\n  web:\n    image: nginx:1.27.3\n    ports: [99999999999999999999999]\n", "STK005");
    assert_refused(
        "huge replicas",
        b"stack: x\nservices:\n  web:\n    image: nginx:1.27.3\n    replicas: 1e400\n",
        "STK005",
    );
    assert_refused("huge quantity", b"stack: x\nservices:\n  web:\n    image: nginx:1.27.3\n    resources: { memory: 99999999999999999999Gi }\n", "STK025");
}

#[test]
fn crlf_files_build_like_lf_files() {
    let dir = tempfile::tempdir().unwrap();
    let lf = "stack: x\nservices:\n  web:\n    image: nginx:1.27.3\n    ports: [{ port: 80, expose: public }]\n";
    std::fs::write(dir.path().join("lf.yaml"), lf).unwrap();
    std::fs::write(dir.path().join("crlf.yaml"), lf.replace('\n', "\r\n")).unwrap();
    for (spec, out) in [("lf.yaml", "o1"), ("crlf.yaml", "o2")] {
        let r = stackc_in(dir.path(), &["build", spec, "-o", out]);
        assert_eq!(
            r.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&r.stderr)
        );
    }
    let a = std::fs::read_to_string(dir.path().join("o1/compose.yaml")).unwrap();
    let b = std::fs::read_to_string(dir.path().join("o2/compose.yaml")).unwrap();
    assert_eq!(a.replace("lf.yaml", ""), b.replace("crlf.yaml", ""));
    // An error in a CRLF file is still located on the right line and column.
    std::fs::write(
        dir.path().join("bad.yaml"),
        "stack: x\r\nservices:\r\n  web:\r\n    imagez: nginx\r\n",
    )
    .unwrap();
    let r = stackc_in(dir.path(), &["check", "bad.yaml", "--format", "json"]);
    assert_eq!(codes_at(&r.stdout), ["STK002 4:5"]);
}

#[test]
fn a_failing_build_leaves_previous_outputs_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("stack.yaml");
    std::fs::write(
        &spec,
        "stack: x\nservices:\n  web:\n    image: nginx:1.27.3\n",
    )
    .unwrap();
    let r = stackc_in(dir.path(), &["build", "stack.yaml", "-o", "out"]);
    assert_eq!(r.status.code(), Some(0));
    let before = std::fs::read(dir.path().join("out/compose.yaml")).unwrap();
    std::fs::write(
        &spec,
        "stack: x\nservices:\n  web:\n    image: nginx:1.27.4\n    depends_on: [nope]\n",
    )
    .unwrap();
    let r = stackc_in(dir.path(), &["build", "stack.yaml", "-o", "out"]);
    assert_eq!(r.status.code(), Some(1));
    assert_eq!(
        std::fs::read(dir.path().join("out/compose.yaml")).unwrap(),
        before
    );
}

#[test]
fn check_never_writes_and_reports_drift() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("stack.yaml"),
        "stack: x\nservices:\n  web:\n    image: nginx:1.27.3\n",
    )
    .unwrap();
    let r = stackc_in(dir.path(), &["build", "stack.yaml", "-o", "out", "--check"]);
    assert_eq!(r.status.code(), Some(1));
    assert!(
        !dir.path().join("out").exists(),
        "--check created the output directory"
    );
    let err = String::from_utf8_lossy(&r.stderr);
    assert!(err.contains("missing:  compose.yaml"), "{err}");
    stackc_in(dir.path(), &["build", "stack.yaml", "-o", "out"]);
    let r = stackc_in(dir.path(), &["build", "stack.yaml", "-o", "out", "--check"]);
    assert_eq!(
        r.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );
}

#[test]
fn hand_written_files_and_symlinked_outputs_are_protected() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("stack.yaml"),
        "stack: x\nservices:\n  web:\n    image: nginx:1.27.3\n",
    )
    .unwrap();
    std::fs::create_dir(dir.path().join("out")).unwrap();
    std::fs::write(dir.path().join("out/compose.yaml"), "services: {}\n").unwrap();
    let r = stackc_in(dir.path(), &["build", "stack.yaml", "-o", "out"]);
    assert_eq!(r.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&r.stderr).contains("was not generated by stackc"));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("out/compose.yaml")).unwrap(),
        "services: {}\n"
    );
    let r = stackc_in(dir.path(), &["build", "stack.yaml", "-o", "out", "--force"]);
    assert_eq!(r.status.code(), Some(0));

    let target = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(target.path(), dir.path().join("linked")).unwrap();
    let r = stackc_in(dir.path(), &["build", "stack.yaml", "-o", "linked"]);
    assert_eq!(r.status.code(), Some(2));
    assert!(std::fs::read_dir(target.path()).unwrap().next().is_none());
}

#[test]
fn secrets_env_file_is_private_and_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("stack.yaml"),
        "stack: x\nsecrets:\n  a: { generate: { length: 20 } }\n  b: { generate: {} }\nservices:\n  web:\n    image: nginx:1.27.3\n    env: { A: '${secrets.a}', B: '${secrets.b}' }\n",
    )
    .unwrap();
    std::fs::write(dir.path().join(".env"), "A=keep-me\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    let r = stackc_in(dir.path(), &["secrets", "init"]);
    assert_eq!(
        r.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );
    let text = std::fs::read_to_string(dir.path().join(".env")).unwrap();
    assert!(text.starts_with("A=keep-me\nB="), "{text}");
    let b = text
        .lines()
        .find_map(|l| l.strip_prefix("B="))
        .unwrap()
        .to_string();
    assert_eq!(b.len(), 32);
    let mode = std::fs::metadata(dir.path().join(".env"))
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600);
    let r = stackc_in(dir.path(), &["secrets", "init"]);
    assert_eq!(r.status.code(), Some(0));
    assert_eq!(
        std::fs::read_to_string(dir.path().join(".env")).unwrap(),
        text,
        "a second run changed values"
    );
}
