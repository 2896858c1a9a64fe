//! `stackc import`: a compose file to a stack spec. (The compose frontend is being built.)

use std::process::ExitCode;

use crate::cli::ImportArgs;

pub fn run(_args: &ImportArgs) -> ExitCode {
    super::usage_error("`import` is not available in this build", "write the stack spec by hand; see docs/spec.md")
}
