//! A container on the host's network.

use super::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags `security: { host_namespaces: [network] }`: the container uses the host's network
    /// stack (compose `network_mode: host`, Kubernetes `hostNetwork: true`, Podman
    /// `--network=host`).
    ///
    /// ## Why is this bad?
    /// The container binds directly on the host's interfaces, outside every network tier and
    /// firewall rule of the stack; it reaches services listening on the host's loopback (metadata
    /// endpoints, admin ports) and can sniff host traffic with `NET_RAW`. Ports are no longer
    /// declared, so nothing shows what it exposes. Pod Security's baseline profile forbids it.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   proxy:
    ///     image: traefik:v3.5.2
    ///     security: { host_namespaces: [network] }
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   proxy:
    ///     image: traefik:v3.5.2
    ///     ports: [{ port: 8443, expose: public }]
    /// ```
    pub struct HostNetworkMode;
}

/// The rule's metadata.
pub const META: Meta = Meta {
    summary: "container uses the host's network",
    doc: DOC,
    dev: Level::Error,
    prod: Level::Error,
    backends: &[Backend::Compose, Backend::Systemd, Backend::Kubernetes],
    tags: &["security", "network"],
    requires: None,
};

impl HostNetworkMode {
    fn host(svc: &Service, span: Span) -> Violation {
        Violation::new(format!("service `{}` uses the host's network", svc.name.value), span, "outside every network tier")
            .help("remove `network` from `host_namespaces`; declare the ports it serves with their exposure")
    }
}

/// Reports host networking.
pub fn check(ctx: &Ctx<'_>, out: &mut Vec<Violation>) {
    for (id, svc) in ctx.services() {
        if let Some(ns) = svc
            .security
            .host_namespaces
            .iter()
            .find(|n| n.value == HostNamespace::Network)
        {
            out.push(
                HostNetworkMode::host(svc, ns.span)
                    .in_service(id, "security.host_namespaces.network"),
            );
        }
    }
}

/// Pass and fail cases.
pub const CASES: &[Case] = &[
    Case::pass(
        "bridge networking",
        "
        stack: t
        services:
          a: { image: traefik:v3.5.2, ports: [{ port: 8443, expose: public }] }
        ",
    ),
    Case::fail(
        "host network",
        "
        stack: t
        services:
          a: { image: traefik:v3.5.2, security: { host_namespaces: [network] } }
        ",
        &["3:61 error"],
    ),
];
