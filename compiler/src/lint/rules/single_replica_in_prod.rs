//! A stateless public service with a single replica in prod.

use super::prelude::*;

declare_rule! {
    /// ## What it does
    /// In prod, flags a long-running service with a `public` port, no volumes and not a database
    /// (a stateless entry point) that runs with fewer than two replicas. Off in dev.
    ///
    /// ## Why is this bad?
    /// Every deployment, node drain or crash takes the public entry point down until the single
    /// replacement is ready. Two replicas let Kubernetes roll one at a time.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   api:
    ///     image: ghcr.io/acme/api:1.0.0
    ///     ports: [{ port: 8000, expose: public }]
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   api:
    ///     image: ghcr.io/acme/api:1.0.0
    ///     ports: [{ port: 8000, expose: public }]
    /// environments:
    ///   prod:
    ///     services:
    ///       api: { replicas: 2 }
    /// ```
    pub struct SingleReplicaInProd;
}

/// The rule's metadata.
pub const META: Meta = Meta {
    summary: "stateless public service runs a single replica in prod",
    doc: DOC,
    dev: Level::Off,
    prod: Level::Info,
    backends: &[Backend::Compose, Backend::Kubernetes],
    tags: &["reliability"],
    requires: None,
};

impl SingleReplicaInProd {
    fn single(svc: &Service, span: Span, env: &str) -> Violation {
        Violation::new(
            format!(
                "public service `{}` runs a single replica in environment `{env}`",
                svc.name.value
            ),
            span,
            "down during every rollout",
        )
        .help(format!(
            "set `replicas: 2` or more in `environments.{env}.services.{}`",
            svc.name.value
        ))
    }
}

/// Reports single-replica public services in prod.
pub fn check(ctx: &Ctx<'_>, out: &mut Vec<Violation>) {
    if ctx.profile() != Profile::Prod {
        return;
    }
    for (id, svc) in ctx.services() {
        let public = svc.ports.iter().any(|p| p.exposure == Exposure::Public);
        let stateful = ctx.database(id).is_some()
            || svc
                .mounts
                .iter()
                .any(|m| matches!(m.kind, MountKind::Volume(_)));
        if public && !stateful && !svc.is_job() && svc.replicas < 2 {
            let span = svc.replicas_span.unwrap_or(svc.name.span);
            out.push(
                SingleReplicaInProd::single(svc, span, &ctx.stack.env).in_service(id, "replicas"),
            );
        }
    }
}

/// Pass and fail cases.
pub const CASES: &[Case] = &[
    Case::pass(
        "two replicas in prod, a stateful service",
        "
        stack: t
        volumes: { d: {} }
        services:
          api: { image: ghcr.io/acme/api:1.0.0, ports: [{ port: 8000, expose: public }] }
          wiki: { image: ghcr.io/acme/wiki:1.0.0, ports: [{ port: 3000, expose: public }], volumes: ['d:/data'] }
        environments:
          prod:
            services:
              api: { replicas: 2 }
        ",
    )
    .env("prod"),
    Case::fail(
        "default and explicit single replica in prod",
        "
        stack: t
        services:
          api: { image: ghcr.io/acme/api:1.0.0, ports: [{ port: 8000, expose: public }] }
          web: { image: ghcr.io/acme/web:1.0.0, ports: [{ port: 8080, expose: public }], replicas: 1 }
        ",
        &["3:3 info", "4:92 info"],
    )
    .env("prod"),
];
