//! One entry point for every target: [`emit`] runs the backend a [`Target`] names.
//!
//! The CLI, the fuzz targets and the benchmarks all dispatch through here, so a new backend is
//! a variant of [`Target`] and one arm below.

use stackc_compiler::diag::Diagnostic;
use stackc_compiler::ir::{Stack, SystemdFlavour};
use stackc_compiler::valid::Validated;

pub use stackc_compiler::target::Target;

use crate::output::{BackendOutput, EmitContext};

/// Choices that apply to a whole build, whatever the target.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EmitOptions {
    /// Keep what the spec leaves open the way compose would (see `stackc build --fidelity`);
    /// only the compose target reads it.
    pub fidelity: bool,
}

/// Runs the backend of `target` over a validated stack: the files it would write and its loss
/// report, or every error that stops it.
pub fn emit(
    target: Target,
    stack: &Validated<Stack>,
    ctx: &EmitContext,
    opts: &EmitOptions,
) -> Result<BackendOutput, Vec<Diagnostic>> {
    match target {
        Target::Compose => crate::compose::emit_with(
            stack,
            ctx,
            &crate::compose::ComposeOptions {
                fidelity: opts.fidelity,
            },
        ),
        Target::Dockerfile => crate::dockerfile::emit(stack, ctx),
        Target::K8s => crate::k8s::emit(stack, ctx),
        Target::Quadlet => crate::systemd::emit(stack, ctx, SystemdFlavour::Quadlet),
        Target::Units => crate::systemd::emit(stack, ctx, SystemdFlavour::Units),
    }
}
