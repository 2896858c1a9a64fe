//! `cargo xtask test`: the README's test command. Installs the pinned validators that the tests
//! call when they are missing (idempotent: nothing runs when their stamps match), then runs the
//! whole suite with `cargo test --workspace`, passing any further arguments on to cargo.
//!
//! A fresh clone with nothing beside it passes this command: every input the tests read lives
//! in the repository, and every program they call is installed here first.

use std::process::{Command, ExitCode};

use crate::tools;

pub fn run(args: &[String]) -> ExitCode {
    if let Err(e) = tools::install_all() {
        eprintln!("xtask test: installing the validators failed: {e}");
        return ExitCode::from(2);
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let status = Command::new(cargo)
        .current_dir(tools::workspace_root())
        .args(["test", "--workspace"])
        .args(args)
        .status();
    match status {
        Ok(s) if s.success() => ExitCode::SUCCESS,
        Ok(s) => {
            eprintln!("xtask test: cargo test failed ({s})");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("xtask test: cannot run cargo: {e}");
            ExitCode::from(2)
        }
    }
}
