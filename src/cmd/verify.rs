//! `stackc verify`: reads each target's output back into a neutral deployment model and
//! compares it with the spec (see docs/verify.md).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use stackc_verify::Target as VTarget;

use super::{EXIT_FINDINGS, load, print_diagnostics, usage_error};
use crate::cli::{DiagFormat, SpecArgs};

/// Targets `verify` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum VerifyTarget {
    Compose,
    K8s,
    Quadlet,
    Units,
    Dockerfile,
}

/// The long help of `stackc verify`.
pub const ABOUT: &str =
    "Read the files `stackc build` wrote (or that were patched since) back into one model of \
the deployment and compare it with the spec: per service the image, command and entrypoint, \
environment (literal text, secret references, variables), networks and aliases, who can reach \
which port (compose and Podman networks, Kubernetes NetworkPolicies), what is published or \
routed from outside (host ports and addresses, Ingress, LoadBalancer), named volumes, health \
checks, start order and conditions, CPU and memory, replicas, restart, user and read-only \
root; for Dockerfiles the final stage's USER, EXPOSE, CMD and HEALTHCHECK.

Each difference is reported at the output's file and line (STK095). Known, documented \
approximations of a target are not differences (docs/verify.md).

Exit codes: 0 the outputs agree with the spec, 1 differences or an unreadable output, 2 usage \
or I/O errors.";

/// Options of `stackc verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    #[command(flatten)]
    pub spec: SpecArgs,
    /// The output directory, as given to `stackc build -o` (with one sub-directory per target
    /// when several were built).
    #[arg(short, long, default_value = "out", value_name = "DIR")]
    pub output: PathBuf,
    /// Targets to verify, comma-separated [default: every target found in DIR].
    #[arg(short, long, value_delimiter = ',')]
    pub target: Vec<VerifyTarget>,
    /// Output format of the differences.
    #[arg(long, value_enum, default_value_t = DiagFormat::Human)]
    pub format: DiagFormat,
}

fn target(t: VerifyTarget) -> VTarget {
    match t {
        VerifyTarget::Compose => VTarget::Compose,
        VerifyTarget::K8s => VTarget::K8s,
        VerifyTarget::Quadlet => VTarget::Quadlet,
        VerifyTarget::Units => VTarget::Units,
        VerifyTarget::Dockerfile => VTarget::Dockerfile,
    }
}

pub fn run(args: &VerifyArgs) -> ExitCode {
    let (_, compiled) = match load(&args.spec, args.format) {
        Ok(v) => v,
        Err(code) => return code,
    };
    let targets: Vec<VTarget> = args.target.iter().map(|t| target(*t)).collect();
    let diags = match stackc_verify::verify(&compiled.stack, &args.output, &targets) {
        Ok(d) => d,
        Err(msg) => {
            return usage_error(
                &msg,
                "pass the directory given to `stackc build -o`, and `--target` for a single target's directory",
            );
        }
    };
    print_diagnostics(&diags, args.format);
    if diags.is_empty() {
        if args.format == DiagFormat::Human {
            eprintln!("{}: the outputs agree with the spec", args.output.display());
        }
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_FINDINGS)
    }
}
