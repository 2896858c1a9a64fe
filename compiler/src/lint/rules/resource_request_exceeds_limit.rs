//! A resource request larger than its limit.

use super::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags `resources.requests.memory` larger than `resources.memory`, and
    /// `resources.requests.cpus` larger than `resources.cpus`. (Unparsable quantities such as
    /// `512mb` are refused by the resolver, STK025.)
    ///
    /// ## Why is this bad?
    /// Kubernetes rejects the pod (`must be less than or equal to memory limit`), and compose's
    /// reservation larger than its limit leaves the container unschedulable on a swarm or
    /// silently capped below what was reserved.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   api:
    ///     image: ghcr.io/acme/api:1.0.0
    ///     resources: { memory: 512Mi, requests: { memory: 1Gi } }
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   api:
    ///     image: ghcr.io/acme/api:1.0.0
    ///     resources: { memory: 1Gi, requests: { memory: 512Mi } }
    /// ```
    pub struct ResourceRequestExceedsLimit;
}

/// The rule's metadata.
pub const META: Meta = Meta {
    summary: "resource request is larger than its limit",
    doc: DOC,
    dev: Level::Error,
    prod: Level::Error,
    backends: &[Backend::Compose, Backend::Systemd, Backend::Kubernetes],
    tags: &["reliability", "resources"],
    requires: None,
};

impl ResourceRequestExceedsLimit {
    fn memory(svc: &Service, request: &Quantity, limit: &Quantity) -> Violation {
        Violation::new(
            format!(
                "memory request `{}` of `{}` is larger than its limit `{}`",
                request.text, svc.name.value, limit.text
            ),
            request.span,
            "request above the limit",
        )
        .also(limit.span, "limit")
        .help("lower the request to at most the limit, or raise the limit")
    }

    fn cpus(svc: &Service, request: &Sp<f64>, limit: &Sp<f64>) -> Violation {
        Violation::new(
            format!(
                "cpu request {} of `{}` is larger than its limit {}",
                request.value, svc.name.value, limit.value
            ),
            request.span,
            "request above the limit",
        )
        .also(limit.span, "limit")
        .help("lower the request to at most the limit, or raise the limit")
    }
}

/// Reports requests above limits.
pub fn check(ctx: &Ctx<'_>, out: &mut Vec<Violation>) {
    for (id, svc) in ctx.services() {
        let r = &svc.resources;
        if let (Some(req), Some(lim)) = (&r.request_memory, &r.memory)
            && req.bytes > lim.bytes
        {
            out.push(
                ResourceRequestExceedsLimit::memory(svc, req, lim)
                    .in_service(id, "resources.requests.memory"),
            );
        }
        if let (Some(req), Some(lim)) = (&r.request_cpus, &r.cpus)
            && req.value > lim.value
        {
            out.push(
                ResourceRequestExceedsLimit::cpus(svc, req, lim)
                    .in_service(id, "resources.requests.cpus"),
            );
        }
    }
}

/// Pass and fail cases.
pub const CASES: &[Case] = &[
    Case::pass(
        "requests within limits, in different units",
        "
        stack: t
        services:
          a: { image: ghcr.io/acme/a:1.0.0, resources: { cpus: 1, memory: 1G, requests: { cpus: 1, memory: 900Mi } } }
        ",
    ),
    Case::fail(
        "memory and cpu above",
        "
        stack: t
        services:
          a: { image: ghcr.io/acme/a:1.0.0, resources: { cpus: 0.5, memory: 1Gi, requests: { cpus: 2, memory: 1025Mi } } }
        ",
        &["3:92 error", "3:103 error"],
    ),
];
