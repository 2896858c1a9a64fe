//! The one golden driver: every spec under `fixtures/` and `examples/` that has an `out/` folder
//! is built, through `stackc_backends::emit`, for every target folder found there, and the files
//! are compared byte for byte with the committed ones (`STACKC_BLESS=1` rewrites them).
//!
//! Layout: `<case>/stack.yaml` with `<case>/out/<target>/` (environment `dev`) or
//! `<case>/out/<env>/<target>/`; `<target>` is a [`Target::folder`] name. A new golden case is a
//! folder laid out like that, nothing else. Each backend's own test file keeps only the checks
//! that are about that target (keys, objects, hygiene).

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::{bless, root, subdirs};
use stackc_backends::output::{BackendOutput, EmitContext};
use stackc_backends::{EmitOptions, Target};

/// The manifest the CLI writes beside its outputs; kept in golden folders built by the CLI.
const MANIFEST: &str = ".stackc-generated";

#[derive(Debug)]
struct Case {
    /// The spec, relative to the workspace root with `/` separators.
    spec: String,
    env: String,
    target: Target,
    /// The committed output folder, relative to the workspace root.
    out: String,
}

fn rel(p: &Path) -> String {
    p.strip_prefix(root())
        .unwrap_or(p)
        .to_string_lossy()
        .replace('\\', "/")
}

/// Every golden case, in path order.
fn cases() -> Vec<Case> {
    let mut specs = Vec::new();
    for top in ["fixtures", "examples"] {
        find_specs(&root().join(top), &mut specs);
    }
    let mut out = Vec::new();
    for case_dir in specs {
        let spec = rel(&case_dir.join("stack.yaml"));
        for sub in subdirs(&case_dir.join("out")) {
            let name = sub.file_name().unwrap().to_string_lossy().to_string();
            match Target::from_name(&name) {
                Some(target) => out.push(Case {
                    spec: spec.clone(),
                    env: "dev".into(),
                    target,
                    out: rel(&sub),
                }),
                None => {
                    for t in subdirs(&sub) {
                        let tname = t.file_name().unwrap().to_string_lossy().to_string();
                        let target = Target::from_name(&tname).unwrap_or_else(|| {
                            panic!("{}: `{tname}` is not a target folder", rel(&t))
                        });
                        out.push(Case {
                            spec: spec.clone(),
                            env: name.clone(),
                            target,
                            out: rel(&t),
                        });
                    }
                }
            }
        }
    }
    out
}

/// Folders holding a `stack.yaml` and an `out/` folder, below `dir`.
fn find_specs(dir: &Path, found: &mut Vec<PathBuf>) {
    if dir.join("stack.yaml").is_file() && dir.join("out").is_dir() {
        found.push(dir.to_path_buf());
    }
    for sub in subdirs(dir) {
        if sub.file_name().is_some_and(|n| n != "out") {
            find_specs(&sub, found);
        }
    }
}

/// The relative path from folder `from` to folder `to` (both relative to the root).
fn relative(from: &str, to: &str) -> String {
    let a: Vec<&str> = from.split('/').filter(|c| !c.is_empty()).collect();
    let b: Vec<&str> = to.split('/').filter(|c| !c.is_empty()).collect();
    let common = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut parts: Vec<&str> = std::iter::repeat_n("..", a.len() - common).collect();
    parts.extend(&b[common..]);
    if parts.is_empty() {
        ".".into()
    } else {
        parts.join("/")
    }
}

/// Builds one case the way `stackc build SPEC --env ENV --target T -o OUT` lays it out.
fn build(case: &Case) -> BackendOutput {
    let path = root().join(&case.spec);
    let bytes = std::fs::read(&path).unwrap();
    let spec_dir = case.spec.rsplit_once('/').map(|(d, _)| d).unwrap_or(".");
    let compiled = stackc_compiler::pipeline::compile(
        &case.spec,
        &bytes,
        &case.env,
        path.parent().unwrap(),
        &Default::default(),
    )
    .unwrap_or_else(|d| {
        panic!(
            "{} ({}) does not compile: {:?}",
            case.spec,
            case.env,
            d.iter().map(|d| &d.message).collect::<Vec<_>>()
        )
    });
    let ctx = EmitContext {
        source_root: relative(&case.out, spec_dir),
        output_from_source: relative(spec_dir, &case.out),
        spec_name: "stack.yaml".into(),
    };
    stackc_backends::emit(case.target, &compiled.stack, &ctx, &EmitOptions::default())
        .unwrap_or_else(|d| {
            panic!(
                "{} ({}, {}) does not build: {:#?}",
                case.spec,
                case.env,
                case.target,
                d.iter()
                    .map(|d| (&d.code, &d.message, d.location()))
                    .collect::<Vec<_>>()
            )
        })
}

/// Every file under `dir`, by relative path.
fn files_in(dir: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                todo.push(p);
            } else {
                let name = p
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                out.insert(name, std::fs::read_to_string(&p).unwrap());
            }
        }
    }
    out
}

/// The CLI's manifest for `files`: a header line, then the paths in order.
fn manifest_text(files: &BTreeMap<String, String>) -> String {
    let mut text = String::from(
        "# Generated by stackc: the files of this directory that stackc wrote and may replace.\n",
    );
    for p in files.keys() {
        text.push_str(p);
        text.push('\n');
    }
    text
}

/// Compares a build with its committed folder (or rewrites the folder when blessing); returns
/// one line per difference. A folder built by the CLI keeps its manifest, which must list exactly
/// the generated files.
fn compare_or_bless(case: &Case, built: &BackendOutput) -> Vec<String> {
    let dir = root().join(&case.out);
    let mut want: BTreeMap<String, String> = built
        .files
        .iter()
        .map(|f| (f.path.clone(), f.contents.clone()))
        .collect();
    let has_manifest = dir.join(MANIFEST).is_file();
    if has_manifest {
        let text = manifest_text(&want);
        want.insert(MANIFEST.to_string(), text);
    }
    if bless() {
        let _ = std::fs::remove_dir_all(&dir);
        for (p, c) in &want {
            let target = dir.join(p);
            std::fs::create_dir_all(target.parent().unwrap()).unwrap();
            std::fs::write(target, c).unwrap();
        }
        return Vec::new();
    }
    let have = files_in(&dir);
    if have.keys().ne(want.keys()) {
        return vec![format!(
            "{}: files differ: on disk {:?}, generated {:?}",
            case.out,
            have.keys().collect::<Vec<_>>(),
            want.keys().collect::<Vec<_>>()
        )];
    }
    want.iter()
        .filter(|(p, c)| have[*p] != **c)
        .map(|(p, _)| format!("{}/{p} differs from the generated text", case.out))
        .collect()
}

#[test]
fn every_target_of_every_golden_case_is_found() {
    let cases = cases();
    let count = |t: Target| cases.iter().filter(|c| c.target == t).count();
    for t in Target::ALL {
        assert!(
            count(t) >= 3,
            "fewer than 3 golden cases for {t}: {cases:#?}"
        );
    }
    for env in ["dev", "prod"] {
        assert!(
            cases
                .iter()
                .any(|c| c.spec == "examples/an-app/stack.yaml" && c.env == env),
            "examples/an-app {env} is a golden case"
        );
    }
}

#[test]
fn outputs_match_the_committed_files() {
    let failures: Vec<String> = cases()
        .iter()
        .flat_map(|case| compare_or_bless(case, &build(case)))
        .collect();
    assert!(
        failures.is_empty(),
        "golden outputs differ (STACKC_BLESS=1 rewrites them after an intended change):\n{}",
        failures.join("\n")
    );
}

#[test]
fn builds_are_byte_identical_twice() {
    for case in cases() {
        let a = build(&case);
        let b = build(&case);
        assert_eq!(
            a.files, b.files,
            "{}: files differ between two builds",
            case.out
        );
        assert_eq!(
            a.losses, b.losses,
            "{}: losses differ between two builds",
            case.out
        );
    }
}
