//! `cargo xtask e2e`: stackc's outputs started for real on a private Docker Engine.
//!
//! The run installs what it needs (Debian's `docker.io`, `busybox-static`, `runc`), builds
//! `target/debug/stackc`, starts its own `dockerd` on a socket in a temporary folder, imports an
//! offline busybox image, and runs each scenario of [`scenarios::ALL`]: the scenario's stack
//! under `fixtures/e2e/<name>/` is compiled by the real `stackc build`, started with
//! `docker compose up --wait` and checked with `docker inspect`, `docker compose exec` and probes
//! from the host. A [`daemon::Daemon`] guard stops the daemon and removes the folder whatever
//! happens (failure or panic).
//!
//! Scenarios listed in [`KNOWN_FAILING`] fail because of a stackc defect that is being fixed on
//! another branch: they are not run by default (so the run stays green) and `--all` runs them.
//! See docs/e2e.md.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

mod build;
mod ctx;
mod daemon;
mod image;
mod podman;
mod probe;
mod proc;
mod scenarios;
mod stacks;
mod time;

use ctx::{Ctx, Report};

/// Scenarios that fail today because of a stackc defect, with the failing assertion's message
/// and the defect. Remove an entry once its fix is merged (the run with `--all` tells which pass).
pub const KNOWN_FAILING: &[KnownFailing] = &[];

/// A scenario expected to fail until a stackc defect is fixed.
pub struct KnownFailing {
    pub scenario: &'static str,
    /// The assertion that fails, as the run prints it.
    pub assertion: &'static str,
    /// Why: the stackc defect.
    pub defect: &'static str,
}

fn known_failing(name: &str) -> Option<&'static KnownFailing> {
    KNOWN_FAILING.iter().find(|k| k.scenario == name)
}

struct Options {
    all: bool,
    keep: bool,
    only: Vec<String>,
}

fn usage() -> String {
    let names: Vec<&str> = scenarios::ALL.iter().map(|s| s.name).collect();
    format!(
        "usage: cargo xtask e2e [--all] [--keep] [SCENARIO...]\n\
         \n\
         Starts a private Docker Engine, runs the scenarios under fixtures/e2e/ and stops it.\n\
         --all   also run the scenarios listed as KNOWN_FAILING (stackc defects being fixed)\n\
         --keep  keep the temporary folder (the daemon is stopped all the same)\n\
         \n\
         scenarios: {}\n",
        names.join(", ")
    )
}

fn parse_args(args: &[String]) -> Result<Options, String> {
    let mut opts = Options {
        all: false,
        keep: false,
        only: Vec::new(),
    };
    for arg in args {
        match arg.as_str() {
            "--all" => opts.all = true,
            "--keep" => opts.keep = true,
            flag if flag.starts_with('-') => return Err(format!("unknown option `{flag}`")),
            name => {
                if !scenarios::ALL.iter().any(|s| s.name == name) {
                    return Err(format!("unknown scenario `{name}`"));
                }
                opts.only.push(name.to_string());
            }
        }
    }
    Ok(opts)
}

pub fn run(args: &[String]) -> ExitCode {
    if args.iter().any(|a| a == "-h" || a == "--help") {
        print!("{}", usage());
        return ExitCode::SUCCESS;
    }
    let opts = match parse_args(args) {
        Ok(opts) => opts,
        Err(e) => {
            eprintln!("e2e: {e}\n\n{}", usage());
            return ExitCode::from(2);
        }
    };
    let started = Instant::now();
    let report = match run_all(&opts) {
        Ok(report) => report,
        Err(e) => {
            println!("e2e: setup failed: {e}");
            println!("e2e: 0 passed, 1 failed");
            return ExitCode::FAILURE;
        }
    };
    println!("e2e: finished in {:.0} s", started.elapsed().as_secs_f64());
    println!("e2e: {} passed, {} failed", report.passed, report.failed);
    if report.failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// The scenarios this run executes, and the known-failing ones it leaves out.
fn selection(
    opts: &Options,
) -> (
    Vec<&'static scenarios::Scenario>,
    Vec<&'static KnownFailing>,
) {
    let mut run = Vec::new();
    let mut skipped = Vec::new();
    for s in scenarios::ALL {
        let chosen = opts.only.is_empty() || opts.only.iter().any(|n| n == s.name);
        if !chosen {
            continue;
        }
        match known_failing(s.name) {
            Some(k) if !opts.all && opts.only.is_empty() => skipped.push(k),
            _ => run.push(s),
        }
    }
    (run, skipped)
}

fn run_all(opts: &Options) -> Result<Report, String> {
    tools_install()?;
    let stackc = build_stackc()?;
    let (chosen, skipped) = selection(opts);
    let mut ctx = Ctx::start(stackc, opts.keep)?;
    for s in &chosen {
        ctx.scenario(s);
    }
    for k in &skipped {
        println!(
            "known-failing {} (not run; `--all` runs it): {}\n    fails at: {}",
            k.scenario, k.defect, k.assertion
        );
    }
    let report = ctx.finish();
    Ok(report)
}

fn tools_install() -> Result<(), String> {
    crate::tools::install_all()?;
    crate::tools::install_e2e()
}

/// `cargo build -p stackc` (the binary under test), returning `target/debug/stackc`.
fn build_stackc() -> Result<PathBuf, String> {
    let root = crate::tools::workspace_root();
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = std::process::Command::new(cargo)
        .args(["build", "--quiet", "--bin", "stackc"])
        .current_dir(&root)
        .status()
        .map_err(|e| format!("cannot run cargo build: {e}"))?;
    if !status.success() {
        return Err(format!("cargo build --bin stackc failed: {status}"));
    }
    let bin = root.join("target").join("debug").join("stackc");
    if bin.is_file() {
        Ok(bin)
    } else {
        Err(format!("{} missing after cargo build", bin.display()))
    }
}
