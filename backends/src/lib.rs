//! stackc's backends. Each backend takes a [`stackc_compiler::valid::Validated`] stack, so an
//! unvalidated stack cannot be emitted, and returns the files it would write plus a loss report.

pub mod compose;
pub mod deploy_values;
pub mod dockerfile;
pub mod escape;
pub mod fuzzing;
pub mod k8s;
pub mod output;
pub mod systemd;
pub mod target;

pub use target::{EmitOptions, Target, emit};
