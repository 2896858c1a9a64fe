//! Waiting for a service to start when it can report being healthy.

use super::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags a `depends_on` entry with condition `started` (also the list form) whose target is a
    /// long-running service with a health check. (A target without a health check is reported
    /// on the target by STK401.)
    ///
    /// ## Why is this bad?
    /// "Started" means the process exists, not that it accepts connections: the dependant races
    /// the dependency's start-up and fails with "connection refused" on a cold start, typically
    /// in CI or after a host reboot. The target already says when it is ready; wait for that.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   api:
    ///     image: ghcr.io/acme/api:1.0.0
    ///     depends_on: [db]
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   api:
    ///     image: ghcr.io/acme/api:1.0.0
    ///     depends_on: { db: healthy }
    /// ```
    pub struct DependsOnNotHealthy;
}

/// The rule's metadata.
pub const META: Meta = Meta {
    summary: "waits for a service to start although it reports health",
    doc: DOC,
    dev: Level::Warning,
    prod: Level::Warning,
    backends: &[Backend::Compose, Backend::Systemd, Backend::Kubernetes],
    tags: &["reliability"],
    requires: None,
};

impl DependsOnNotHealthy {
    fn started(svc: &Service, target: &Service, dep: &Dependency) -> Violation {
        let health = target
            .health
            .as_ref()
            .map(|h| h.span)
            .unwrap_or(target.name.span);
        Violation::new(
            format!(
                "`{}` waits for `{}` to start, not to be healthy",
                svc.name.value, target.name.value
            ),
            dep.span,
            "condition `started`",
        )
        .also(
            health,
            format!("`{}` reports its health here", target.name.value),
        )
        .help(format!(
            "write `depends_on: {{ {}: healthy }}`",
            target.name.value
        ))
    }
}

/// Reports `started` dependencies on services with health checks.
pub fn check(ctx: &Ctx<'_>, out: &mut Vec<Violation>) {
    for (id, svc) in ctx.services() {
        for d in &svc.depends_on {
            let t = ctx.stack.service(d.service);
            if d.condition == Condition::Started && !t.is_job() && t.health.is_some() {
                out.push(
                    DependsOnNotHealthy::started(svc, t, d)
                        .in_service(id, format!("depends_on.{}", t.name.value)),
                );
            }
        }
    }
}

/// Pass and fail cases.
pub const CASES: &[Case] = &[
    Case::pass(
        "healthy, completed, and started on a service without health",
        "
        stack: t
        services:
          db:
            image: postgres:17.6
            health: { cmd: [pg_isready] }
          seed: { kind: job, image: ghcr.io/acme/seed:1.0.0 }
          worker: { image: ghcr.io/acme/worker:1.0.0 }
          api:
            image: ghcr.io/acme/api:1.0.0
            depends_on: { db: healthy, seed: completed, worker: started }
        ",
    ),
    Case::fail(
        "list form and map form",
        "
        stack: t
        services:
          db:
            image: postgres:17.6
            health: { cmd: [pg_isready] }
          api:
            image: ghcr.io/acme/api:1.0.0
            depends_on: [db]
          worker:
            image: ghcr.io/acme/worker:1.0.0
            depends_on: { db: started }
        ",
        &["8:18 warning", "11:19 warning"],
    ),
];
