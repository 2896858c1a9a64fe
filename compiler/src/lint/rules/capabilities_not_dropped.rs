//! A service that keeps the runtime's default capabilities, or adds NET_RAW.

use super::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags a service whose `cap_drop` does not include `ALL` (opting out of stackc's default of
    /// dropping every capability, also through `security: { defaults: runtime }` or a compose
    /// file's service without `cap_drop: [ALL]`), and a `cap_add` of `NET_RAW`.
    ///
    /// ## Why is this bad?
    /// The runtime's default set includes `NET_RAW` (forge packets, ARP-spoof neighbours on the
    /// bridge network), `MKNOD`, `SETUID` and more that few services need. Dropping everything
    /// and adding back the few a service needs is the least-privilege default; Pod Security's
    /// restricted profile requires it.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   app:
    ///     image: ghcr.io/acme/app:3.1.0
    ///     security: { cap_drop: [] }
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   app:
    ///     image: ghcr.io/acme/app:3.1.0
    ///     security: { cap_add: [CHOWN, SETUID, SETGID] }
    /// ```
    pub struct CapabilitiesNotDropped;
}

/// The rule's metadata.
pub const META: Meta = Meta {
    summary: "service keeps default capabilities or adds `NET_RAW`",
    doc: DOC,
    dev: Level::Info,
    prod: Level::Warning,
    backends: &[Backend::Compose, Backend::Systemd, Backend::Kubernetes],
    tags: &["security"],
    requires: None,
};

impl CapabilitiesNotDropped {
    fn kept(svc: &Service, span: Span) -> Violation {
        Violation::new(format!("service `{}` keeps the runtime's default capabilities", svc.name.value), span, "`cap_drop` without `ALL`")
            .help("remove `cap_drop` (stackc drops `ALL` by default) and add back only what the service needs with `cap_add`")
    }

    fn net_raw(svc: &Service, span: Span) -> Violation {
        Violation::new(format!("service `{}` adds `NET_RAW`", svc.name.value), span, "raw sockets")
            .help("remove it; `ping` and similar tools work without it on current kernels (unprivileged ICMP)")
    }
}

/// Reports capability sets that keep more than needed.
pub fn check(ctx: &Ctx<'_>, out: &mut Vec<Violation>) {
    for (id, svc) in ctx.services() {
        let s = &svc.security;
        if let Some(span) = s.cap_drop_span.filter(|_| !s.drops_all()) {
            let span = if span == Span::DUMMY {
                svc.name.span
            } else {
                span
            };
            out.push(CapabilitiesNotDropped::kept(svc, span).in_service(id, "security.cap_drop"));
        }
        for cap in s
            .cap_add
            .iter()
            .filter(|c| super::dangerous_capability_added::capability_name(&c.value) == "NET_RAW")
        {
            out.push(
                CapabilitiesNotDropped::net_raw(svc, cap.span)
                    .in_service(id, "security.cap_add.NET_RAW"),
            );
        }
    }
}

/// Pass and fail cases.
pub const CASES: &[Case] = &[
    Case::pass(
        "default drop, explicit ALL",
        "
        stack: t
        services:
          a: { image: ghcr.io/acme/a:1.0.0 }
          b: { image: ghcr.io/acme/b:1.0.0, security: { cap_drop: [ALL], cap_add: [CHOWN] } }
        ",
    ),
    Case::fail(
        "runtime defaults; informational in dev",
        "
        stack: t
        services:
          a: { image: ghcr.io/acme/a:1.0.0, security: { defaults: runtime } }
        ",
        &["3:59 info"],
    ),
    Case::fail(
        "a partial drop, NET_RAW; a warning in prod",
        "
        stack: t
        services:
          a: { image: ghcr.io/acme/a:1.0.0, security: { cap_drop: [MKNOD] } }
          b: { image: ghcr.io/acme/b:1.0.0, security: { cap_add: [NET_RAW] } }
        ",
        &["3:60 warning", "4:59 warning"],
    )
    .env("prod"),
];
