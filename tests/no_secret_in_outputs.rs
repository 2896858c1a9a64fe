//! The example stack built for every target through the CLI, twice, after `stackc secrets init`:
//! byte-identical builds, and no secret value in any generated file. (The golden comparison of
//! every target is `tests/golden.rs`.)

mod common;

use common::*;

#[test]
fn builds_of_every_target_are_byte_identical_and_carry_no_secret_value() {
    let dir = tempfile::tempdir().unwrap();
    let spec_dir = dir.path().join("app");
    copy_dir(&root().join("examples/an-app"), &spec_dir);
    let spec = spec_dir.join("stack.yaml");
    let spec = spec.to_str().unwrap();
    let from_env = format!("sk-test-{}", std::process::id() as u64 * 7919 + 104729);
    let s = std::process::Command::new(env!("CARGO_BIN_EXE_stackc"))
        .args(["secrets", "init", spec])
        .current_dir(dir.path())
        .env("OPENAI_API_KEY", &from_env)
        .output()
        .unwrap();
    assert_eq!(
        s.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&s.stderr)
    );
    let env_text = std::fs::read_to_string(spec_dir.join(".env")).unwrap();
    let values: Vec<&str> = env_text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .map(|(_, v)| v)
        .collect();
    assert_eq!(
        values.len(),
        6,
        "five generated secrets and one from the environment: {env_text}"
    );
    assert!(values.contains(&from_env.as_str()));

    let a = stackc_in(dir.path(), &["build", spec, "--target", "all", "-o", "out"]);
    assert_eq!(
        a.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&a.stderr)
    );
    let first = read_tree(&dir.path().join("out"));
    assert!(
        first.len() >= 50,
        "every target wrote its files: {}",
        first.len()
    );
    std::fs::remove_dir_all(dir.path().join("out")).unwrap();
    let b = stackc_in(dir.path(), &["build", spec, "--target", "all", "-o", "out"]);
    assert_eq!(b.status.code(), Some(0));
    let second = read_tree(&dir.path().join("out"));
    assert!(first == second, "two builds differ");
    for (path, bytes) in &first {
        let text = String::from_utf8_lossy(bytes);
        for v in &values {
            assert!(!text.contains(v), "a secret value leaked into {path}");
        }
    }
}

/// Every file under `dir`, by relative path.
fn read_tree(dir: &std::path::Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut out = std::collections::BTreeMap::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                todo.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().to_string_lossy().to_string();
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let p = e.path();
        let name = e.file_name();
        if name == "out" || name == ".env" {
            continue;
        }
        if p.is_dir() {
            copy_dir(&p, &to.join(name));
        } else {
            std::fs::copy(&p, to.join(name)).unwrap();
        }
    }
}
