//! `stackc rules` and `stackc explain`.

use std::process::ExitCode;

use crate::cli::{ExplainArgs, RulesArgs};

pub fn list(_args: &RulesArgs) -> ExitCode {
    super::usage_error("the lint engine is not available in this build", "use `stackc check` to validate a spec")
}

pub fn explain(_args: &ExplainArgs) -> ExitCode {
    super::usage_error("the lint engine is not available in this build", "use `stackc check` to validate a spec")
}
