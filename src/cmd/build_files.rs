//! The files a build recipe needs in its context: the context itself, each `sources` path and
//! the preset's dependency manifests (`uv.lock`, `package-lock.json`, `go.sum`, ...), which the
//! generated Dockerfile copies or bind-mounts. A missing one would fail `docker build`; `build`
//! and `check` refuse it first (`STK029`, located at the recipe).

use std::path::Path;

use stackc_backends::dockerfile::preset;
use stackc_compiler::diag::{Diagnostic, ErrorCode};
use stackc_compiler::ir::Stack;

/// Code of a missing build file.
pub const CODE: ErrorCode = ErrorCode::MissingBuildInputs;

/// Errors for every missing build file of `stack`, whose spec is in `spec_dir`.
pub fn missing(stack: &Stack, spec_dir: &Path) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for svc in &stack.services {
        let Some(b) = &svc.build else { continue };
        let context = spec_dir.join(&b.context);
        let err = |what: String, span, label: &str, help: String| {
            Diagnostic::error(CODE, what)
                .at(&stack.file, span, label.to_string())
                .help(help)
        };
        if !context.is_dir() {
            out.push(err(
                format!(
                    "build context `{}` of `{}` is not a directory",
                    b.context, svc.name.value
                ),
                b.span,
                "built from here",
                "create it, or fix `build.context` (relative to the spec)".into(),
            ));
            continue;
        }
        if b.dockerfile.is_some() {
            continue;
        }
        for s in &b.sources {
            if !context.join(&s.value).exists() {
                out.push(err(
                    format!("source `{}` of `{}` is not in its build context `{}`", s.value, svc.name.value, b.context),
                    s.span,
                    "copied into the image",
                    "create it, or remove it from `build.sources` (paths are relative to the context)".into(),
                ));
            }
        }
        if let Some(p) = &b.preset {
            for m in preset::info(p.value).manifests {
                if !context.join(m).is_file() {
                    out.push(err(
                        format!("`{m}` is missing from the build context `{}` of `{}`", b.context, svc.name.value),
                        p.span,
                        "this preset installs dependencies from it",
                        format!("create `{m}` in `{}` (the `{}` preset installs the locked dependencies before copying the sources)", b.context, p.value.as_str()),
                    ));
                }
            }
        }
    }
    out
}
