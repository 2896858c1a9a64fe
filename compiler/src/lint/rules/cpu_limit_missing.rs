//! A service with neither a CPU limit nor a CPU request.

use super::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags a service or job with neither `resources: { cpus: ... }` nor
    /// `resources: { requests: { cpus: ... } }`. Informational in dev, a warning in prod.
    ///
    /// ## Why is this bad?
    /// A busy loop or a traffic spike in one container starves every other container on the host
    /// of CPU, including health checks, which then fail and cascade into restarts. Kubernetes
    /// needs a request to place the pod and to share CPU fairly under contention.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   worker:
    ///     image: ghcr.io/acme/worker:1.0.0
    ///     resources: { memory: 512Mi }
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   worker:
    ///     image: ghcr.io/acme/worker:1.0.0
    ///     resources: { cpus: 1, memory: 512Mi, requests: { cpus: 0.25 } }
    /// ```
    pub struct CpuLimitMissing;
}

/// The rule's metadata.
pub const META: Meta = Meta {
    summary: "service has neither a cpu limit nor a cpu request",
    doc: DOC,
    dev: Level::Info,
    prod: Level::Warning,
    backends: &[Backend::Compose, Backend::Systemd, Backend::Kubernetes],
    tags: &["reliability", "resources"],
    requires: None,
};

impl CpuLimitMissing {
    fn missing(svc: &Service) -> Violation {
        Violation::new(
            format!(
                "service `{}` has neither a cpu limit nor a cpu request",
                svc.name.value
            ),
            svc.name.span,
            "can starve the host's cpu",
        )
        .help("set `resources: { cpus: 1, requests: { cpus: 0.25 } }` (cores)")
    }
}

/// Reports services without any CPU setting.
pub fn check(ctx: &Ctx<'_>, out: &mut Vec<Violation>) {
    for (id, svc) in ctx.services() {
        if svc.resources.cpus.is_none() && svc.resources.request_cpus.is_none() {
            out.push(CpuLimitMissing::missing(svc).in_service(id, "resources.cpus"));
        }
    }
}

/// Pass and fail cases.
pub const CASES: &[Case] = &[
    Case::pass(
        "a limit, or a request",
        "
        stack: t
        services:
          a: { image: ghcr.io/acme/a:1.0.0, resources: { cpus: 0.5 } }
          b: { image: ghcr.io/acme/b:1.0.0, resources: { requests: { cpus: 0.5 } } }
        ",
    ),
    Case::fail(
        "neither; informational in dev",
        "
        stack: t
        services:
          a: { image: ghcr.io/acme/a:1.0.0, resources: { memory: 512Mi } }
        ",
        &["3:3 info"],
    ),
];
