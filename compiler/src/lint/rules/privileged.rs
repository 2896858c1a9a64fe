//! A privileged container.

use super::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags `security: { privileged: true }`.
    ///
    /// ## Why is this bad?
    /// A privileged container gets every capability, every host device and no seccomp or
    /// AppArmor confinement: it can mount the host's disks and load kernel modules. It is the
    /// host, with extra steps. Pod Security's baseline profile forbids it.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   agent:
    ///     image: ghcr.io/acme/agent:1.0.0
    ///     security: { privileged: true }
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   agent:
    ///     image: ghcr.io/acme/agent:1.0.0
    ///     security: { cap_add: [NET_BIND_SERVICE] }
    /// ```
    pub struct Privileged;
}

/// The rule's metadata.
pub const META: Meta = Meta {
    summary: "container runs privileged",
    doc: DOC,
    dev: Level::Error,
    prod: Level::Error,
    backends: &[Backend::Compose, Backend::Systemd, Backend::Kubernetes],
    tags: &["security"],
    requires: None,
};

impl Privileged {
    fn privileged(svc: &Service, span: Span) -> Violation {
        Violation::new(
            format!("service `{}` runs privileged", svc.name.value),
            span,
            "all capabilities and host devices",
        )
        .help("remove `privileged`, and add only the capabilities the service needs with `cap_add`")
    }
}

/// Reports privileged services.
pub fn check(ctx: &Ctx<'_>, out: &mut Vec<Violation>) {
    for (id, svc) in ctx.services() {
        if let Some(p) = svc.security.privileged.as_ref().filter(|p| p.value) {
            out.push(Privileged::privileged(svc, p.span).in_service(id, "security.privileged"));
        }
    }
}

/// Pass and fail cases.
pub const CASES: &[Case] = &[
    Case::pass(
        "not privileged",
        "
        stack: t
        services:
          a: { image: ghcr.io/acme/a:1.0.0, security: { privileged: false } }
        ",
    ),
    Case::fail(
        "privileged",
        "
        stack: t
        services:
          a: { image: ghcr.io/acme/a:1.0.0, security: { privileged: true } }
        ",
        &["3:61 error"],
    ),
];
