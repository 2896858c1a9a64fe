//! Golden compose outputs: `stackc build --check` against the committed files, for every
//! fixture with an `out/compose/` directory and for examples/an-app in dev and prod.
//! `STACKC_BLESS=1` rewrites them.

mod common;

use common::*;

fn cases() -> Vec<(String, String, String)> {
    let mut cases = Vec::new();
    for dir in subdirs(&root().join("fixtures")) {
        if dir.join("out/compose").is_dir() {
            let name = dir.file_name().unwrap().to_string_lossy().to_string();
            cases.push((
                format!("fixtures/{name}/stack.yaml"),
                "dev".to_string(),
                format!("fixtures/{name}/out/compose"),
            ));
        }
    }
    for env in ["dev", "prod"] {
        cases.push((
            "examples/an-app/stack.yaml".into(),
            env.into(),
            format!("examples/an-app/out/{env}/compose"),
        ));
    }
    cases
}

#[test]
fn compose_outputs_match_the_committed_files() {
    let cases = cases();
    assert!(cases.len() >= 4, "golden cases: {cases:?}");
    for (spec, env, out) in cases {
        let mut args = vec![
            "build", &spec, "--env", &env, "--target", "compose", "-o", &out,
        ];
        if !bless() {
            args.push("--check");
        }
        let r = stackc(&args);
        assert_eq!(
            r.status.code(),
            Some(0),
            "{spec} ({env}) differs from {out}:\n{}",
            String::from_utf8_lossy(&r.stderr)
        );
    }
}

#[test]
fn builds_are_byte_identical_and_carry_no_secret_value() {
    let dir = tempfile::tempdir().unwrap();
    let spec_dir = dir.path().join("app");
    copy_dir(&root().join("examples/an-app"), &spec_dir);
    let spec = spec_dir.join("stack.yaml");
    let spec = spec.to_str().unwrap();
    let s = stackc_in(dir.path(), &["secrets", "init", spec]);
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
    assert_eq!(values.len(), 5, "five generated secrets: {env_text}");

    let a = stackc_in(dir.path(), &["build", spec, "-o", "out"]);
    assert_eq!(
        a.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&a.stderr)
    );
    let first: Vec<Vec<u8>> = ["compose.yaml", ".env.example"]
        .iter()
        .map(|f| std::fs::read(dir.path().join("out").join(f)).unwrap())
        .collect();
    std::fs::remove_dir_all(dir.path().join("out")).unwrap();
    let b = stackc_in(dir.path(), &["build", spec, "-o", "out"]);
    assert_eq!(b.status.code(), Some(0));
    for (f, before) in ["compose.yaml", ".env.example"].iter().zip(first) {
        let after = std::fs::read(dir.path().join("out").join(f)).unwrap();
        assert!(after == before, "{f} differs between two builds");
        let text = String::from_utf8(after).unwrap();
        for v in &values {
            assert!(!text.contains(v), "secret value leaked into {f}");
        }
    }
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
