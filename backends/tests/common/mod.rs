//! Helpers shared by the backends' golden tests: paths, compiling a spec for a golden output
//! directory, and comparing (or, with `STACKC_BLESS=1`, rewriting) the committed files.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use stackc_backends::output::{BackendOutput, EmitContext};
use stackc_compiler::pipeline::Compiled;

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// Whether golden files should be rewritten instead of compared.
pub fn bless() -> bool {
    std::env::var_os("STACKC_BLESS").is_some_and(|v| v == "1")
}

/// The relative path from directory `from` to directory `to` (both relative to the root).
pub fn relative(from: &str, to: &str) -> String {
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

/// Compiles `spec` (relative to the root) for `env`, and the context of output directory `out`.
pub fn compile_for(spec: &str, env: &str, out: &str) -> (Compiled, EmitContext) {
    let path = root().join(spec);
    let bytes = std::fs::read(&path).unwrap();
    let spec_dir = spec.rsplit_once('/').map(|(d, _)| d).unwrap_or(".");
    let compiled = stackc_compiler::pipeline::compile(
        spec,
        &bytes,
        env,
        path.parent().unwrap(),
        &Default::default(),
    )
    .unwrap_or_else(|d| {
        panic!(
            "{spec} ({env}) does not compile: {:?}",
            d.iter().map(|d| &d.message).collect::<Vec<_>>()
        )
    });
    let ctx = EmitContext {
        source_root: relative(out, spec_dir),
        output_from_source: relative(spec_dir, out),
        spec_name: "stack.yaml".into(),
    };
    (compiled, ctx)
}

/// Every file under `dir`, by relative path with `/` separators.
pub fn files_in(dir: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                todo.push(p);
            } else {
                let rel = p
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                out.insert(rel, std::fs::read_to_string(&p).unwrap());
            }
        }
    }
    out
}

/// Compares a backend's files with the committed directory `out` (relative to the root), or
/// rewrites the directory when blessing. Returns the differences, one line each.
pub fn compare_or_bless(out: &str, built: &BackendOutput) -> Vec<String> {
    let dir = root().join(out);
    let want: BTreeMap<String, String> = built
        .files
        .iter()
        .map(|f| (f.path.clone(), f.contents.clone()))
        .collect();
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
            "{out}: files differ: on disk {:?}, generated {:?}",
            have.keys().collect::<Vec<_>>(),
            want.keys().collect::<Vec<_>>()
        )];
    }
    want.iter()
        .filter(|(p, c)| have[*p] != **c)
        .map(|(p, _)| format!("{out}/{p} differs from the generated text"))
        .collect()
}

/// Fails with every difference listed.
pub fn assert_no_differences(failures: &[String]) {
    assert!(
        failures.is_empty(),
        "golden outputs are stale (STACKC_BLESS=1 rewrites them):\n{}",
        failures.join("\n")
    );
}
