//! Entry points shared by the fuzz targets (`fuzz/`) and the corpus replay test, so both
//! exercise exactly the same code.

use std::path::Path;

use crate::output::EmitContext;
use crate::{EmitOptions, Target};

/// Bytes → compile (a fixed empty project directory, so config files cannot be read) → every
/// backend. Must never panic, whatever the bytes.
pub fn pipeline(data: &[u8]) {
    let dir = Path::new("/nonexistent-stackc-fuzz-project");
    for env in ["dev", "prod"] {
        let Ok(compiled) =
            stackc_compiler::pipeline::compile("stack.yaml", data, env, dir, &Default::default())
        else {
            return;
        };
        emit_all(&compiled.stack);
    }
}

/// Every backend over a validated stack, and the compose backend once more in fidelity mode.
fn emit_all(stack: &stackc_compiler::valid::Validated<stackc_compiler::ir::Stack>) {
    let ctx = EmitContext {
        source_root: "..".into(),
        output_from_source: "out".into(),
        spec_name: "stack.yaml".into(),
    };
    for target in Target::ALL {
        let _ = crate::emit(target, stack, &ctx, &EmitOptions::default());
    }
    let _ = crate::emit(
        Target::Compose,
        stack,
        &ctx,
        &EmitOptions { fidelity: true },
    );
}

/// Bytes as a compose file → the compose frontend → every backend. Must never panic.
pub fn compose(data: &[u8]) {
    let dir = Path::new("/nonexistent-stackc-fuzz-project");
    let Ok(compiled) = stackc_compiler::front::compose::compile(
        "compose.yaml",
        data,
        "dev",
        dir,
        &Default::default(),
    ) else {
        return;
    };
    emit_all(&compiled.stack);
}

/// Bytes → spec parser.
pub fn parse_spec(data: &[u8]) {
    let _ = stackc_compiler::syntax::parse_spec("stack.yaml", data, &Default::default());
}
