//! Entry points shared by the fuzz targets (`fuzz/`) and the corpus replay test, so both
//! exercise exactly the same code.

use std::path::Path;

use stackc_compiler::ir::SystemdFlavour;

use crate::output::EmitContext;

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
        let ctx = EmitContext {
            source_root: "..".into(),
            output_from_source: "out".into(),
            spec_name: "stack.yaml".into(),
        };
        let _ = crate::compose::emit(&compiled.stack, &ctx);
        let _ = crate::k8s::emit(&compiled.stack, &ctx);
        let _ = crate::dockerfile::emit(&compiled.stack, &ctx);
        for flavour in [SystemdFlavour::Quadlet, SystemdFlavour::Units] {
            let _ = crate::systemd::emit(&compiled.stack, &ctx, flavour);
        }
    }
}

/// Bytes → spec parser.
pub fn parse_spec(data: &[u8]) {
    let _ = stackc_compiler::syntax::parse_spec("stack.yaml", data, &Default::default());
}
