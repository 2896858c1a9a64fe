//! A health check calling a program the image is known not to ship.

use super::prelude::*;
use crate::lint::support::image_ref::{ImageRef, parse_image_ref};
use crate::lint::support::image_tools::{Lacks, lacks_program};
use crate::lint::support::shell::{program, script_of, simple_commands};

declare_rule! {
    /// ## What it does
    /// Flags a health check command that calls a program the service's image is known not to
    /// ship: `curl` in the official `postgres`, `redis`, `alpine` and `busybox` images and in
    /// the `-slim` and `-alpine` variants of `python` and `node`; `wget` in the Debian-based ones;
    /// anything, a shell included, in distroless images. The table, with its reasoning, is data
    /// (`compiler/src/lint/support/image_tools.rs`). Programs the spec's build installs
    /// (`build.system_packages`) and services built from their own Dockerfile are not reported.
    ///
    /// ## Why is this bad?
    /// The check fails on every run (`curl: not found`), the container is reported unhealthy
    /// forever, and everything that waits for it to be healthy never starts; a restart policy
    /// that acts on health restarts it in a loop.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   db:
    ///     image: postgres:17.6
    ///     health: { cmd: [curl, -f, "http://localhost:5432"] }
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   db:
    ///     image: postgres:17.6
    ///     health: { cmd: [pg_isready, -U, postgres] }
    /// ```
    pub struct HealthcheckToolMissing;
}

/// The rule's metadata.
pub const META: Meta = Meta {
    summary: "health check calls a program the image does not ship",
    doc: DOC,
    dev: Level::Warning,
    prod: Level::Error,
    backends: &[Backend::Compose, Backend::Systemd, Backend::Kubernetes],
    tags: &["reliability"],
    requires: None,
};

impl HealthcheckToolMissing {
    fn missing(svc: &Service, image: &str, prog: &str, lacks: &Lacks, span: Span) -> Violation {
        Violation::new(
            format!(
                "health check of `{}` runs `{prog}`, which image `{image}` does not ship",
                svc.name.value
            ),
            span,
            format!("`{prog}: not found` on every check"),
        )
        .help(format!(
            "check with a program the image has: {}",
            lacks.instead
        ))
    }
}

/// The programs a health check command runs: the first argument, or every command of its shell
/// script (and the shell itself).
fn programs(cmd: &Command) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(script) = script_of(cmd) {
        if !cmd.shell {
            out.extend(cmd.args.first().and_then(Value::as_literal));
        } else {
            out.push("sh".to_string());
        }
        if let Some(text) = script.as_literal() {
            for words in simple_commands(&text) {
                if let Some((_, p)) = program(&words) {
                    out.push(p.to_string());
                }
            }
        }
    } else {
        out.extend(cmd.args.first().and_then(Value::as_literal));
    }
    out
}

/// The image the check runs in, when it is known: a pulled `image`, or the build's base.
fn image_of(svc: &Service) -> Option<(&str, ImageRef)> {
    let text = match &svc.build {
        None => svc.image.as_ref()?,
        Some(b) if b.dockerfile.is_none() => b.base.as_ref()?,
        Some(_) => return None,
    };
    Some((&text.value, parse_image_ref(&text.value).ok()?))
}

/// Reports health checks that call a missing program.
pub fn check(ctx: &Ctx<'_>, out: &mut Vec<Violation>) {
    for (id, svc) in ctx.services() {
        let Some(cmd) = svc.health.as_ref().and_then(|h| h.cmd.as_ref()) else {
            continue;
        };
        let Some((text, image)) = image_of(svc) else {
            continue;
        };
        let installed: Vec<&str> = svc
            .build
            .iter()
            .flat_map(|b| b.system_packages.iter().map(|p| p.value.as_str()))
            .collect();
        for prog in programs(cmd) {
            if installed.contains(&prog.as_str()) {
                continue;
            }
            if let Some(l) = lacks_program(&image, &prog) {
                out.push(
                    HealthcheckToolMissing::missing(svc, text, &prog, l, cmd.span)
                        .in_service(id, "health.cmd"),
                );
                break;
            }
        }
    }
}

/// Pass and fail cases: spec snippets and the exact `line:col severity` of each finding.
pub const CASES: &[Case] = &[
    Case::pass(
        "the image's own tools, busybox wget on alpine, curl installed by the build",
        "
        stack: t
        services:
          db:
            image: postgres:17.6
            health: { cmd: [pg_isready, -U, postgres] }
          cache:
            image: redis:8.2.1-alpine
            health: { cmd: 'wget -q --spider http://127.0.0.1:8080/ || exit 1' }
          api:
            build: { preset: python-pip, base: 'python:3.13-slim', system_packages: [curl] }
            health: { cmd: [curl, -f, 'http://127.0.0.1:8000/'] }
        ",
    ),
    Case::fail(
        "curl in postgres, wget in a slim python, a shell in distroless",
        "
        stack: t
        services:
          db:
            image: postgres:17.6
            health: { cmd: [curl, -f, 'http://localhost:5432'] }
          api:
            image: python:3.13-slim
            health: { cmd: 'wget -qO- http://127.0.0.1:8000/ || exit 1' }
          static:
            image: gcr.io/distroless/static-debian12:nonroot
            health: { cmd: [sh, -c, 'true'] }
        ",
        &["5:20 warning", "8:20 warning", "11:20 warning"],
    ),
];
