//! `cargo xtask`: project automation that is not part of the shipped compiler.
//!
//! Each subcommand lives in its own module exposing `pub fn run(args: &[String]) -> ExitCode`;
//! adding one (`schema`, `docs`, `bench`, `new-rule`, ...) is a `mod` line, one match arm in
//! [`main`] and one line in [`USAGE`].

use std::process::ExitCode;

mod bench;
mod docs;
mod e2e;
mod new_rule;
mod schema;
mod synth;
mod test;
mod tools;
mod validate;

const USAGE: &str = "\
usage: cargo xtask <subcommand> [args]

subcommands:
  validate [--allow-empty] [PATH...]
                  run the real consumers (docker compose, kubernetes-validate, hadolint,
                  systemd-analyze, sarif-multitool) over every golden output under
                  fixtures/ and examples/ (or only under PATH...)
  schema [--check]
                  write schema/stack.schema.json from the spec types (--check: fail if stale)
  bench [--sizes 10,100,1000,10000] [--runs N] [--peers] [--findings-only] [--no-findings]
                  time stackc lint/build as whole processes on generated stacks (and peers)
  docs [--check]  write docs/rules/*.md from the lint rules' doc comments (--check: fail if stale)
  new-rule CODE slug
                  scaffold a lint rule: compiler/src/lint/rules/<slug>.rs and its registry line
  e2e [--all] [--keep] [SCENARIO...]
                  start a private Docker Engine and run stackc's outputs on it (and the Quadlet
                  output with podman): the scenarios under fixtures/e2e/ (docs/e2e.md)
  install-tools   install the pinned validators into target/validators/ and print versions
  test [ARGS...]  install the pinned validators when missing, then `cargo test --workspace ARGS`
                  (the README's test command: passes on a fresh clone with nothing beside it)
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((command, rest)) = args.split_first() else {
        eprint!("{USAGE}");
        return ExitCode::from(2);
    };
    match command.as_str() {
        "validate" => validate::run(rest),
        "e2e" => e2e::run(rest),
        "install-tools" => tools::run(rest),
        "test" => test::run(rest),
        "schema" => schema::run(rest),
        "bench" => bench::run(rest),
        "docs" => docs::run(rest),
        "new-rule" => new_rule::run(rest),
        "help" | "-h" | "--help" => {
            print!("{USAGE}");
            ExitCode::SUCCESS
        }
        other => {
            eprintln!("xtask: unknown subcommand `{other}`\n");
            eprint!("{USAGE}");
            ExitCode::from(2)
        }
    }
}
