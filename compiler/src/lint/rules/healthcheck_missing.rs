//! A long-running service without a health check.

use super::prelude::*;
use crate::lint::support::image_ref::parse_image_ref;
use crate::lint::support::images::own_healthcheck;

declare_rule! {
    /// ## What it does
    /// Flags a long-running service (not a `kind: job`) that has no `health:` check. A service
    /// whose image is known to ship its own `HEALTHCHECK` (authentik's server, Uptime Kuma,
    /// Woodpecker, Pi-hole, Mailpit, Paperless-ngx, ...: a table kept with the Dockerfile each
    /// was read from) is left alone: compose and Podman run that check. Kubernetes ignores it;
    /// add `health:` for probes there. A compose file's health check kept for compose only
    /// (its timings come from variables) counts as a check too.
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
        if !svc.is_job()
            && svc.health.is_none()
            && !image_checks_itself(ctx, svc)
            && !compose_only_check(ctx, svc)
        {
            out.push(HealthcheckMissing::missing(svc).in_service(id, "health"));
        }
    }
}

/// Whether the service runs an image known to ship its own `HEALTHCHECK` (not one built here:
/// its Dockerfile decides, also when compose alone builds it).
fn image_checks_itself(ctx: &Ctx<'_>, svc: &Service) -> bool {
    svc.build.is_none()
        && !ctx.built_for_compose(svc)
        && svc
            .image
            .as_ref()
            .and_then(|i| parse_image_ref(&i.value).ok())
            .is_some_and(|r| own_healthcheck(&r).is_some())
}

/// Whether a health check is kept for compose only (`targets.compose`), one that is not
/// turned off (`disable: true`, `test: [NONE]`).
fn compose_only_check(ctx: &Ctx<'_>, svc: &Service) -> bool {
    ctx.stack
        .targets
        .compose
        .service(&svc.name.value)
        .iter()
        .any(|(k, v)| {
            k == "healthcheck"
                && v.get("disable") != Some(&serde_json::Value::Bool(true))
                && v.get("test")
                    .and_then(|t| t.get(0))
                    .and_then(|t| t.as_str())
                    != Some("NONE")
        })
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
    Case::pass(
        "images that ship their own HEALTHCHECK",
        "
        stack: t
        services:
          server:
            image: ghcr.io/goauthentik/server:2025.10.2
          kuma:
            image: louislam/uptime-kuma:2.0.2
        ",
    ),
    Case::pass(
        "a health check kept for compose only",
        "
        stack: t
        services:
          worker:
            image: ghcr.io/acme/worker:1.0.0
        targets:
          compose:
            services:
              worker:
                healthcheck: { test: [CMD, /bin/check], interval: '${HEALTHCHECK_INTERVAL}' }
        ",
    ),
    Case::fail(
        "a health check turned off for compose",
        "
        stack: t
        services:
          worker:
            image: ghcr.io/acme/worker:1.0.0
          web:
            image: ghcr.io/acme/web:1.0.0
        targets:
          compose:
            services:
              worker: { healthcheck: { disable: true } }
              web: { healthcheck: { test: [NONE] } }
        ",
        &["3:3 warning", "5:3 warning"],
    ),
    Case::fail(
        "a look-alike of such an image, and local builds tagged with its name",
        "
        stack: t
        services:
          server:
            image: docker.io/goauthentik/server:2025.10.2
          kuma:
            image: louislam/uptime-kuma:2.0.2
            build: { base: node:22.12.0-slim }
          kuma2:
            image: louislam/uptime-kuma:2.0.2
        targets:
          compose:
            services:
              kuma2: { build: { context: '..' } }
        ",
        &["3:3 warning", "5:3 warning", "8:3 warning"],
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
