//! A long-running service without a health check.

use super::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags a long-running service (not a `kind: job`) that has no `health:` check.
    ///
    /// ## Why is this bad?
    /// Without a health check a container counts as ready as soon as its process starts:
    /// dependants cannot wait for it (`depends_on: { x: healthy }`), Kubernetes sends traffic to
    /// pods that are still starting and never restarts one that hangs, and compose shows a wedged
    /// service as "running". It is an error in prod.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   vectors:
    ///     image: qdrant/qdrant:v1.15.4
    ///     ports: [6333]
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   vectors:
    ///     image: qdrant/qdrant:v1.15.4
    ///     ports: [6333]
    ///     health: { cmd: [bash, -c, ":> /dev/tcp/127.0.0.1/6333"], http: { path: /readyz, port: 6333 } }
    /// ```
    pub struct HealthcheckMissing;
}

/// The rule's metadata.
pub const META: Meta = Meta {
    summary: "long-running service has no health check",
    doc: DOC,
    dev: Level::Warning,
    prod: Level::Error,
    backends: &[
        Backend::Compose,
        Backend::Dockerfile,
        Backend::Systemd,
        Backend::Kubernetes,
    ],
    tags: &["reliability"],
    requires: None,
};

impl HealthcheckMissing {
    fn missing(svc: &Service) -> Violation {
        let example = match svc.ports.first() {
            Some(p) => format!(
                "e.g. `health: {{ tcp: {{ port: {} }} }}` plus a `cmd` for compose",
                p.port
            ),
            None => "e.g. `health: { cmd: [CHECK, COMMAND] }`".to_string(),
        };
        Violation::new(format!("service `{}` has no health check", svc.name.value), svc.name.span, "counts as ready as soon as it starts")
            .help(format!("add `health:` with a command, an http or a tcp check ({example}); mark one-shot containers `kind: job`"))
    }
}

/// Reports services without health checks.
pub fn check(ctx: &Ctx<'_>, out: &mut Vec<Violation>) {
    for (id, svc) in ctx.services() {
        if !svc.is_job() && svc.health.is_none() {
            out.push(HealthcheckMissing::missing(svc).in_service(id, "health"));
        }
    }
}

/// Pass and fail cases.
pub const CASES: &[Case] = &[
    Case::pass(
        "a checked service and a job",
        "
        stack: t
        services:
          web:
            image: nginx:1.27.3
            ports: [8080]
            health: { cmd: [wget, -q, --spider, 'http://127.0.0.1:8080/'] }
          migrate: { kind: job, image: ghcr.io/acme/migrate:1.0.0 }
        ",
    ),
    Case::fail(
        "no health check; an error in prod",
        "
        stack: t
        services:
          vectors:
            image: qdrant/qdrant:v1.15.4
        ",
        &["3:3 error"],
    )
    .env("prod"),
];
