//! Helpers shared by the backends' tests: paths, and compiling a spec for a golden output
//! directory. The golden comparison itself is `tests/golden.rs`, one driver for every target.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use stackc_backends::output::EmitContext;
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
