//! `stackc`: compile a stack spec into compose, Dockerfiles, systemd units and Kubernetes
//! manifests; lint it on the way.

use std::process::ExitCode;

use clap::Parser;

mod cli;
mod cmd;
mod render;
mod write;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    render::init_color(cli.color);
    cmd::run(cli)
}
