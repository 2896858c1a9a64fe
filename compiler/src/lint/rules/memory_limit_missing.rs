//! A service without a memory limit.

use super::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags a service or job without `resources: { memory: ... }`. Informational in dev, an
    /// error in prod.
    ///
    /// ## Why is this bad?
    /// Without a limit one leaking or overloaded container takes the host's memory: the kernel's
    /// OOM killer then picks a victim, often the database next door. In Kubernetes a pod without
    /// limits and requests is the first evicted and cannot be scheduled sensibly.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   api:
    ///     image: ghcr.io/acme/api:1.0.0
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   api:
    ///     image: ghcr.io/acme/api:1.0.0
    ///     resources: { memory: 1Gi, requests: { memory: 256Mi } }
    /// ```
    pub struct MemoryLimitMissing;
}

/// The rule's metadata.
pub const META: Meta = Meta {
    summary: "service has no memory limit",
    doc: DOC,
    dev: Level::Info,
    prod: Level::Error,
    backends: &[Backend::Compose, Backend::Systemd, Backend::Kubernetes],
    tags: &["reliability", "resources"],
    requires: None,
};

impl MemoryLimitMissing {
    fn missing(svc: &Service) -> Violation {
        Violation::new(
            format!("service `{}` has no memory limit", svc.name.value),
            svc.name.span,
            "can take all of the host's memory",
        )
        .help(
            "set `resources: { memory: 512Mi }` (and `requests.memory` for Kubernetes scheduling)",
        )
    }
}

/// Reports services without a memory limit.
pub fn check(ctx: &Ctx<'_>, out: &mut Vec<Violation>) {
    for (id, svc) in ctx.services() {
        if svc.resources.memory.is_none() {
            out.push(MemoryLimitMissing::missing(svc).in_service(id, "resources.memory"));
        }
    }
}

/// Pass and fail cases.
pub const CASES: &[Case] = &[
    Case::pass(
        "a limit",
        "
        stack: t
        services:
          a: { image: ghcr.io/acme/a:1.0.0, resources: { memory: 512Mi } }
        ",
    ),
    Case::fail(
        "no limit, only a request; an error in prod",
        "
        stack: t
        services:
          a: { image: ghcr.io/acme/a:1.0.0 }
          b: { image: ghcr.io/acme/b:1.0.0, resources: { cpus: 1, requests: { memory: 256Mi } } }
        ",
        &["3:3 error", "4:3 error"],
    )
    .env("prod"),
];
